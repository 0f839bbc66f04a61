"""A blank line of a CSV file of several columns is no record (as pandas, ``csv.DictReader`` and
DuckDB read it), on every path a CSV takes: its own scan (then the SQL rules' DuckDB, which
reads that frame) and a batch of files parsed together. In a file of one column an empty line
is that column's empty field, a null (as polars and DuckDB write one)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import invoke
from meshguard.api import CheckOptions, check_config
from meshguard.config import load_config
from meshguard.sources.csvblank import without_blank_lines
from meshkit import CONTRACT_HEAD
from test_quality_batch import _product, _rows

CONTRACT = (
    CONTRACT_HEAD
    + """\
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
      - name: email
        logicalType: string
        required: true
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM {object} WHERE email IS NULL
        mustBe: 0
      - type: library
        metric: rowCount
        mustBe: 3
servers:
  - server: local
    type: local
    path: ./t.csv
    format: csv
"""
)


@pytest.mark.parametrize(
    "text",
    [
        "id,email\n1,a@x.org\n2,b@x.org\n3,c@x.org\n\n\n",  # at the end (an editor's extra newline)
        "id,email\n1,a@x.org\n\n2,b@x.org\n\n3,c@x.org",  # inside, no last newline
        "id,email\r\n1,a@x.org\r\n\r\n2,b@x.org\r\n3,c@x.org\r\n\r\n",  # CRLF
        "\nid,email\n1,a@x.org\n2,b@x.org\n\n3,c@x.org\n",  # before the header
    ],
)
@pytest.mark.parametrize("read", ["whole", "streamed", "sampled"])
def test_a_blank_line_is_no_row_of_the_files_own_scan(tmp_path: Path, text: str, read: str) -> None:
    (tmp_path / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "t.csv").write_bytes(text.encode())
    if read == "streamed":  # a file over data.large_file_bytes is streamed from its scan
        (tmp_path / "meshguard.yaml").write_text("data: {large_file_bytes: 10}\n")
    sample = ["--sample-rows", "50"] if read == "sampled" else []
    r = invoke("test", "--format", "json", *sample, "--root", str(tmp_path), "p.odcs.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (product,) = json.loads(r.stdout)["products"]
    assert product["rows"] == 3
    assert {c["status"] for c in product["checks"]} == {"passed"}, product["checks"]


def test_what_is_a_record_stays_one(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    # a line of delimiters, a line of a space, an empty line inside a quoted value: records
    path.write_bytes(b'id,note\n1,"a\n\n\nb"\n\n,\n \n2,x\n\n')
    text = without_blank_lines(path, ",")
    assert text == b'id,note\n1,"a\n\n\nb"\n,\n \n2,x\n'
    assert pl.read_csv(io.BytesIO(text), infer_schema=False).rows() == [
        ("1", "a\n\n\nb"),
        (None, None),
        (" ", None),
        ("2", "x"),
    ]
    # one column: an empty line is its empty field, a null (as polars and DuckDB write it)
    path.write_bytes(b"id\n1\n\n2\n")
    assert without_blank_lines(path, ",") is None
    path.write_bytes(b"id,note\n1,a\n")  # no blank line: read as it is
    assert without_blank_lines(path, ",") is None


def _checks(root: Path, batch: bool) -> dict[str, Any]:
    config = load_config(root)
    result = check_config(replace(config, data=replace(config.data, batch=batch)), (), CheckOptions())
    return {p.id: (p.rows, sorted((c.id, str(c.status)) for c in p.checks)) for p in result.products}


def test_a_blank_line_is_no_row_in_a_batch_either(tmp_path: Path) -> None:
    """Tables of one layout are parsed together (``data.batch``): a file with blank lines is
    read as its own scan reads it, without them; a one-column file keeps its null."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "meshguard.yaml").write_text('contracts: {dir: contracts}\ndata: {as_of: "2026-03-01"}\n')
    for i in (1, 2, 3):
        _product(tmp_path, i, _rows(20))
    blank = tmp_path / "contracts" / "t02.csv"
    lines = blank.read_text().splitlines()
    blank.write_text("\n".join([*lines[:5], "", *lines[5:], "", ""]) + "\n")
    batched, alone = _checks(tmp_path, True), _checks(tmp_path, False)
    assert batched == alone
    rows, checks = batched["shop-02"]
    assert rows == 20  # the same rows as shop-01's, less the blank lines: the same outcomes
    assert (rows, [(c.replace("t02", "t01"), s) for c, s in checks]) == batched["shop-01"]
