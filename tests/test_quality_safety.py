"""Guarded values never leak; hostile or broken files give a clear result or a one-line error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import PROJECT
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

RAW_EMAILS = [r["email"] for r in CUSTOMERS]


def _server(path: str, fmt: str = "csv") -> dict[str, Any]:
    return {"server": "s", "type": "local", "path": path, "format": fmt}


def _use(root: Path, server: dict[str, Any], tweak: Any = None) -> None:
    doc = customers_contract(server)
    if tweak:
        tweak(doc)
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)


def _leaks(text: str) -> list[str]:
    return [e for e in RAW_EMAILS if e in text or e.split("@")[0] in text]


def test_pii_values_never_appear_in_any_output(tmp_path: Path, cli: Any) -> None:
    root = make_repo(tmp_path)

    def hostile(doc: dict[str, Any]) -> None:
        email = doc["schema"][0]["properties"][1]
        email["logicalTypeOptions"] = {"maxLength": 3, "format": "email", "minimum": 3}
        email["enum"] = ["nobody"]
        email["quality"] += [
            {"metric": "invalidValues", "arguments": {"pattern": "^z"}, "mustBe": 0},
            {"metric": "duplicateValues", "mustBe": 0},
        ]
        doc["schema"][0]["quality"] += [
            {"type": "sql", "query": "SELECT email FROM {object}", "mustBe": 0},
            {"type": "sql", "query": "SELECT CAST(email AS INTEGER) FROM {object}", "mustBe": 0},
            {
                "type": "sql",
                "query": "SELECT COUNT(*) FROM {object} WHERE email = 'ann.lee@example.com'",
                "mustBe": 0,
            },
        ]
        doc["slaProperties"].append({"property": "freshness", "value": 1, "element": "customers.email"})

    _use(root, _server("data/customers.csv"), hostile)
    for fmt in ("text", "json"):
        r = cli("test", "--root", str(root), "--format", fmt)
        assert r.returncode == 1, r.stderr
        assert _leaks(r.stdout + r.stderr) == [], fmt
        assert "***" in r.stdout
    # a column of e-mails the contract forgot to classify is masked too (detected content)
    _use(
        root,
        _server("data/customers.csv"),
        lambda d: d["schema"][0]["properties"][1].update(tags=[], classification="internal"),
    )
    r = cli("test", "--root", str(root), "--format", "json")
    assert _leaks(r.stdout) == [] and '"email"' in r.stdout


def test_type_errors_on_a_pii_column_do_not_quote_values(tmp_path: Path, cli: Any) -> None:
    root = make_repo(tmp_path)
    _use(
        root,
        _server("data/customers.csv"),
        lambda d: d["schema"][0]["properties"][1].update(logicalType="integer"),
    )
    r = cli("test", "--root", str(root), "--format", "json")
    assert r.returncode == 1 and "customers.email.type" in r.stdout
    assert _leaks(r.stdout + r.stderr) == []


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"", "is empty"),
        (b"\xff\xfe\x00bad\x00\xc3(", "not valid UTF-8"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path: Path, cli: Any, content: bytes, expect: str) -> None:
    root = make_repo(tmp_path)
    (root / "data" / "customers.csv").write_bytes(content)
    r = cli("test", "customers", "--root", str(root))
    assert r.returncode == 1 and expect in r.stdout and "Traceback" not in r.stdout + r.stderr
    assert "ERRORED     customers.customers.data" in r.stdout


def test_header_only_csv_runs_every_check_on_zero_rows(tmp_path: Path, cli: Any) -> None:
    root = make_repo(tmp_path)
    (root / "data" / "customers.csv").write_text(",".join(CUSTOMERS[0]) + "\n", encoding="utf-8")
    r = cli("test", "customers", "--root", str(root), "--format", "json")
    assert r.returncode == 1, r.stderr
    import json

    checks = {c["id"]: c for c in json.loads(r.stdout)["products"][0]["checks"]}
    assert checks["customers.rowCount.0"]["status"] == "failed"
    assert checks["customers.rowCount.0"]["measured"] == 0
    assert checks["customers.customer_id.present"]["status"] == "passed"
    assert checks["sla.freshness"]["status"] == "errored"


def test_wrong_delimiter_reports_missing_columns(tmp_path: Path, cli: Any) -> None:
    # a declared delimiter that the file does not use: every column is missing, and the
    # message lists the one column that was found (the whole header, unsplit)
    server = {
        "server": "sample",
        "type": "local",
        "path": "data/customers.csv",
        "format": "csv",
        "customProperties": [{"property": "delimiter", "value": "|"}],
    }
    root = make_repo(tmp_path, customers_server=server)
    text = (root / "data" / "customers.csv").read_text(encoding="utf-8").replace(",", ";")
    (root / "data" / "customers.csv").write_text(text, encoding="utf-8")
    r = cli("test", "customers", "--root", str(root))
    assert r.returncode == 1
    assert "FAILED      customers.email.present" in r.stdout
    assert "column email is missing" in r.stdout
    assert "columns found: '" + ";".join(CUSTOMERS[0]) + "'" in r.stdout
    assert _leaks(r.stdout) == []


def test_undeclared_delimiter_is_sniffed(tmp_path: Path, cli: Any) -> None:
    root = make_repo(tmp_path)
    r_comma = cli("test", "customers", "--root", str(root), "--format", "json")
    text = (root / "data" / "customers.csv").read_text(encoding="utf-8").replace(",", ";")
    (root / "data" / "customers.csv").write_text(text, encoding="utf-8")
    r_semi = cli("test", "customers", "--root", str(root), "--format", "json")
    import json

    def statuses(out: str) -> dict[str, str]:
        return {c["id"]: c["status"] for c in json.loads(out)["products"][0]["checks"]}

    assert statuses(r_semi.stdout) == statuses(r_comma.stdout)
    assert statuses(r_semi.stdout)["customers.email.present"] == "passed"


def test_parquet_with_wrong_column_types(tmp_path: Path, cli: Any) -> None:
    root = make_repo(tmp_path)
    frame = pl.DataFrame(CUSTOMERS).with_columns(pl.col("customer_id").cast(pl.String), pl.col("age") * 1.5)
    frame.write_parquet(root / "data" / "c.parquet")
    _use(root, _server("data/c.parquet", "parquet"))
    r = cli("test", "customers", "--root", str(root))
    assert r.returncode == 1
    assert "customer_id holds string values, the contract says integer" in r.stdout
    assert "age holds number values, the contract says integer" in r.stdout


def _run_measuring_memory(root: Path, *args: str) -> tuple[int, str, int]:
    """Run the CLI; return its exit code, stdout and peak resident memory in bytes (of that process)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "meshguard", *args], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, usage.ru_maxrss * 1024  # Linux reports kilobytes


@pytest.mark.slow
def test_one_gigabyte_file_with_a_row_limit(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    header, *rows = (root / "data" / "customers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    block = "".join(rows[:6]).encode() * 2000
    big = root / "data" / "big.csv"
    with big.open("wb") as fh:
        fh.write(header.encode())
        while fh.tell() < 2**30:
            fh.write(block)
    _use(root, _server("data/big.csv"))
    # without a sample the file is streamed (tests/test_scale_streaming.py); here: a seeded sample
    code, out, peak = _run_measuring_memory(
        root, "test", "customers", "--root", str(root), "--sample-rows", "1000", "--format", "json"
    )
    size = big.stat().st_size
    big.unlink()
    (product,) = json.loads(out)["products"]
    assert (product["rows"], product["sampled"], product["data_source"]) == (1000, True, "csv:data/big.csv")
    assert code == 1 and product["verdict"] == "fail"
    # polars memory-maps the file, and mapped pages count as resident: the bound says that no copy
    # of the file is made on top of that mapping (reading it into a string or a full frame would)
    assert peak < 2 * size, f"peak memory {peak / 2**20:.0f} MiB for a {size / 2**20:.0f} MiB file"


@pytest.mark.parametrize(
    "path", ["../outside.csv", "/etc/passwd", "link.csv", "data/missing.csv", "https://example.com/x.csv"]
)
def test_paths_outside_the_repo_are_refused(tmp_path: Path, cli: Any, path: str) -> None:
    root = make_repo(tmp_path / "repo")
    (tmp_path / "outside.csv").write_text("customer_id\n1\n", encoding="utf-8")
    os.symlink(tmp_path / "outside.csv", root / "link.csv")
    _use(root, _server(path))
    r = cli("test", "customers", "--root", str(root))
    assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr
    expected = {"data/missing.csv": "not found", "https://example.com/x.csv": "is a URL"}.get(
        path, "outside the governance repo"
    )
    assert expected in r.stdout
    assert "root:" not in r.stdout  # never the content of /etc/passwd
