"""Two schema objects of one name (lint error MG014): their data checks would share ids
(``t.id.present`` twice, with different outcomes), draw properties from each other (``code``
missing from the table of ``email``) and show each other's rows. They are not run: one errored
check names the objects' lines and the rule, and the contract's other objects are checked."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import invoke
from meshkit import CONTRACT_HEAD

CONTRACT = (
    CONTRACT_HEAD
    + """\
schema:
  - name: t
    physicalName: a
    properties:
      - name: id
        logicalType: integer
        required: true
      - name: email
        logicalType: string
        required: true
  - name: t
    physicalName: b
    properties:
      - name: id
        logicalType: integer
        required: true
      - name: code
        logicalType: string
        required: true
  - name: u
    physicalName: c
    properties:
      - name: n
        logicalType: integer
        required: true
servers:
  - server: local
    type: local
    path: ./{model}.csv
    format: csv
"""
)


def test_objects_of_one_name_are_not_checked_as_one(tmp_path: Path) -> None:
    (tmp_path / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "a.csv").write_text("id,email\n1,x@y.org\n,\n")
    (tmp_path / "b.csv").write_text("id,code\n1,\n2,b\n")
    (tmp_path / "c.csv").write_text("n\n1\n")
    r = invoke("test", "--format", "json", "--root", str(tmp_path), "p.odcs.yaml", cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    (product,) = json.loads(r.stdout)["products"]
    checks = product["checks"]
    ids = [c["id"] for c in checks]
    assert len(ids) == len(set(ids)), ids  # no id stands for two outcomes
    (twice,) = [c for c in checks if c["id"].startswith("p.t.") or c["id"].startswith("t.")]
    assert twice["id"] == "p.t.data" and twice["status"] == "errored"
    assert "'t' is defined more than once (lines 8, 17)" in twice["message"]
    assert "MG014" in twice["message"] and twice["location"]["line"] == 17
    # the other object is checked as before
    assert {c["id"]: c["status"] for c in checks if c["id"].startswith("u.")} == {
        "u.n.present": "passed",
        "u.n.type": "passed",
        "u.n.required": "passed",
    }


def test_a_product_whose_tables_were_not_read_says_so(tmp_path: Path) -> None:
    """``test``'s text view names the rows read; none read is not "None rows"."""
    (tmp_path / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    r = invoke("test", "--root", str(tmp_path), "p.odcs.yaml", cwd=tmp_path)  # no data file at all
    assert r.returncode == 1, r.stdout + r.stderr
    assert "csv:./{model}.csv, no rows read" in r.stdout and "None" not in r.stdout
