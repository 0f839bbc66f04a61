"""Broken contracts: each gives the expected rule id or clear error, line, and exit code — never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke

GOOD = """\
apiVersion: v3.1.0
kind: DataContract
id: orders
name: Orders
version: 1.0.0
status: active
domain: ecommerce
team:
  name: order-team
  members:
    - username: ann@example.com
      role: owner
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        primaryKey: true
        required: true
      - name: customer_id
        logicalType: integer
"""


def _replace(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


# name, file content (str or bytes), expected exit code, rule id (or None), message part, line
CASES: list[tuple[str, str | bytes, int, str | None, str, int | None]] = [
    ("bad-yaml", GOOD + "  - name: [unclosed\n", 2, None, "flow sequence started at line 22", 23),
    ("tab-indent", _replace("status: active\n", "status: active\n\tdomain: x\n"), 2, None, "tab", 7),
    ("empty-file", "", 2, None, "empty file", 1),
    ("only-comment", "# nothing here\n", 2, None, "empty file", 1),
    ("top-level-list", "- a\n- b\n", 2, None, "expected a mapping", 1),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 2, None, "binary file", None),
    ("non-utf8", "id: caf\xe9\n".encode("latin-1"), 2, None, "not valid UTF-8", 1),
    ("unknown-api", _replace("apiVersion: v3.1.0", "apiVersion: v9.0.0"), 2, None, "unknown apiVersion", 1),
    ("missing-api", GOOD.replace("apiVersion: v3.1.0\n", ""), 2, None, "missing apiVersion", 1),
    (
        "duplicate-key",
        _replace("status: active\n", "status: active\nstatus: draft\n"),
        2,
        None,
        "duplicate key",
        7,
    ),
    (
        "python-tag",
        _replace("name: Orders", "name: !!python/object/apply:os.system [ls]"),
        2,
        None,
        "unsupported YAML tag",
        4,
    ),
    ("bad-semver", _replace("version: 1.0.0", "version: one"), 1, "MG011", "not a semantic version", 5),
    ("wrong-type", _replace("version: 1.0.0", "version: [1, 0]"), 1, "MG001", "version", 5),
    (
        "unknown-field",
        _replace("status: active\n", "status: active\nowner_email: x@example.com\n"),
        1,
        "MG001",
        "unknown field",
        7,
    ),
    (
        "missing-required-key",
        GOOD.replace("kind: DataContract\n", ""),
        1,
        "MG001",
        "'kind' is a required property",
        None,
    ),
    ("bad-status", _replace("status: active", "status: production-ish"), 0, "MG012", "not one of", 6),
    (
        "no-logical-type",
        _replace("      - name: customer_id\n        logicalType: integer\n", "      - name: customer_id\n"),
        1,
        "MG013",
        "no logicalType",
        20,
    ),
    (
        "bad-logical-type",
        _replace("logicalType: integer\n        primaryKey", "logicalType: int64\n        primaryKey"),
        1,
        "MG001",
        "logicalType",
        17,
    ),
    (
        "duplicate-property",
        _replace("      - name: customer_id", "      - name: order_id"),
        1,
        "MG015",
        "more than once",
        20,
    ),
    ("duplicate-schema", GOOD + "  - name: orders\n    properties: []\n", 1, "MG014", "more than once", 22),
    (
        "pk-not-required",
        _replace("        primaryKey: true\n        required: true\n", "        primaryKey: true\n"),
        0,
        "MG016",
        "not marked required",
        18,
    ),
    (
        "dangling-relationship",
        GOOD + "        relationships:\n          - to: orders.no_such_column\n",
        1,
        "MG017",
        "has no property 'no_such_column'",
        23,
    ),
    ("no-owner", GOOD.split("team:")[0] + "schema:" + GOOD.split("schema:")[1], 1, "MG010", "no owner", 1),
    (
        "unknown-classification",
        GOOD + "        classification: top-secret-ish\n",
        0,
        "MG019",
        "maps to no sensitivity category",
        22,
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "code", "rule", "message", "line"), CASES, ids=[c[0] for c in CASES]
)
def test_broken_contract(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    code: int,
    rule: str | None,
    message: str,
    line: int | None,
) -> None:
    (tmp_path / "meshguard.yaml").write_text("lint:\n  rules:\n    MG010: error\n")
    f = tmp_path / f"{name}.odcs.yaml"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content, encoding="utf-8")
    proc = invoke("lint", "--root", str(tmp_path), str(f))
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert proc.returncode == code, out
    assert message in out, out
    if rule is None:
        # unreadable: one clear file:line line, rule MG000
        assert f"{name}.odcs.yaml" in out
        if line is not None:
            assert f"{name}.odcs.yaml:{line}:" in out, out
        return
    proc_json = invoke("lint", "--root", str(tmp_path), "--format", "json", str(f))
    doc = json.loads(proc_json.stdout)
    findings = [x for c in doc["products"] for x in c["findings"] if x["rule_id"] == rule]
    assert findings, doc
    assert any(message in x["message"] for x in findings), findings
    if line is not None:
        assert line in [x["location"]["line"] for x in findings], findings


def test_directory_without_contracts(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    proc = invoke("lint", "--root", str(tmp_path), str(tmp_path))
    assert proc.returncode == 2
    assert "no contracts found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_path(tmp_path: Path) -> None:
    proc = invoke("lint", "--root", str(tmp_path), str(tmp_path / "nope.odcs.yaml"))
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr


def test_every_violation_is_reported_not_only_the_first(tmp_path: Path) -> None:
    bad = GOOD.replace("version: 1.0.0", "version: 7").replace(
        "status: active\n", "status: active\nfoo: 1\nbar: 2\n"
    )
    f = tmp_path / "c.odcs.yaml"
    f.write_text(bad)
    doc = json.loads(invoke("lint", "--root", str(tmp_path), "--format", "json", str(f)).stdout)
    messages = [x["message"] for x in doc["products"][0]["findings"] if x["rule_id"] == "MG001"]
    assert any("foo" in m for m in messages) and any("bar" in m for m in messages)
    assert any(m.startswith("version") for m in messages), messages


def test_clean_contract_passes(tmp_path: Path) -> None:
    f = tmp_path / "ok.odcs.yaml"
    f.write_text(GOOD)
    proc = invoke("lint", "--root", str(tmp_path), str(f))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_fail_on_warn_makes_warnings_fail(tmp_path: Path) -> None:
    f = tmp_path / "w.odcs.yaml"
    f.write_text(GOOD.replace("status: active", "status: production"))
    assert invoke("lint", "--root", str(tmp_path), str(f)).returncode == 0
    assert invoke("lint", "--root", str(tmp_path), "--fail-on", "warn", str(f)).returncode == 1


def test_a_contract_id_used_twice_is_mg020_on_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.odcs.yaml").write_text(GOOD)
    (tmp_path / "b.odcs.yaml").write_text(GOOD.replace("name: Orders", "name: Orders copy"))
    (tmp_path / "c.odcs.yaml").write_text(GOOD.replace("id: orders", "id: invoices"))
    proc = invoke("lint", "--root", str(tmp_path), "--format", "json", str(tmp_path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    mg020 = {
        (Path(c["contract_path"]).name, x["location"]["line"], x["message"])
        for c in doc["products"]
        for x in c["findings"]
        if x["rule_id"] == "MG020"
    }
    message = "contract id 'orders' is used by more than one contract in the repo"
    assert mg020 == {("a.odcs.yaml", 3, message), ("b.odcs.yaml", 3, message)}
    (tmp_path / "b.odcs.yaml").write_text(GOOD.replace("id: orders", "id: orders-v2"))
    proc = invoke("lint", "--root", str(tmp_path), str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr  # three ids, each used once


def _threshold_findings(tmp_path: Path, value: str) -> list[dict[str, Any]]:
    """The MG001 findings of GOOD with a quality rule ``mustBeGreaterThan: {value}``."""
    text = (
        GOOD
        + f"    quality:\n      - type: library\n        metric: rowCount\n        mustBeGreaterThan: {value}\n"
    )
    f = tmp_path / "orders.odcs.yaml"
    f.write_text(text, encoding="utf-8")
    proc = invoke("lint", "--root", str(tmp_path), "--format", "json", str(f))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    return [x for c in doc["products"] for x in c["findings"] if x["rule_id"] == "MG001"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("abc", "'abc'"), ("'5'", "'5'"), ("-.inf", "'-.inf'"), (".nan", "'.nan'"), ("[1, 2]", "[1, 2]")],
)
def test_a_quality_threshold_of_the_wrong_type_is_named_at_its_value(
    tmp_path: Path, value: str, shown: str
) -> None:
    """ODCS's comparison operators are a oneOf: a wrong-typed ``mustBeGreaterThan`` failed every
    branch, and the first branch's error ("'mustBe' is a required property") was shown, with
    the properties left "unevaluated" beside it. The branch the rule meant speaks instead, at
    the value's line and column; YAML's infinities and NaN are text there (ODCS is JSON)."""
    findings = _threshold_findings(tmp_path, value)
    assert [(x["message"], x["location"]["line"], x["location"]["column"]) for x in findings] == [
        (f"schema[0].quality[0].mustBeGreaterThan: {shown} is not of type 'number'", GOOD.count("\n") + 4, 28)
    ]


def test_a_long_wrong_value_is_shortened_not_what_is_wrong_with_it(tmp_path: Path) -> None:
    """A value the schema error quotes first ("{…} is not of type 'array'", as a v3.0 ``team``
    written as v3.1's object gives) is what is cut when the message is long: its end, which
    says what is wrong, stays."""
    (finding,) = _threshold_findings(tmp_path, "x" * 300)
    assert finding["message"] == (
        "schema[0].quality[0].mustBeGreaterThan: '" + "x" * 79 + "… is not of type 'number'"
    )
