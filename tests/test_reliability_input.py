"""Hostile YAML and hostile data: a clear one-line error or a result, never a traceback, a hang or bad JSON."""

from __future__ import annotations

import copy
import io
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from conftest import invoke, run_cli
from fuzzkit import SEED_DOCS, Workdir
from quality_repo import CUSTOMERS, make_repo, write_contract

BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
CONTRACT = yaml.safe_dump(SEED_DOCS[0], sort_keys=False)


def lint_file(tmp_path: Path, content: bytes, *extra: str) -> tuple[int, str]:
    path = tmp_path / "contracts" / "x.odcs.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    r = run_cli("lint", str(path), *extra, cwd=tmp_path, timeout=120)  # a hang fails the test
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    return r.returncode, out


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (BOMB.encode(), "more than 1000000 nodes (alias bomb or oversized file)"),
        (b"a:" + b" [" * 10_000 + b"]" * 10_000, "nesting"),
        (("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 120))).encode(), "nesting deeper"),
        (
            CONTRACT.replace("kind: DataContract\n", "kind: DataContract\nid: other\n").encode(),
            "duplicate key 'id'",
        ),
        (CONTRACT.replace("customers", "cust\xe9mers").encode("latin-1"), "not valid UTF-8 (byte 0xe9)"),
        (
            CONTRACT.replace("  members:\n", "\tmembers:\n").encode(),
            "a tab: YAML indentation must use spaces",
        ),
        (
            CONTRACT.replace("id: customers", "id: cu\x07stomers").encode(),
            "character U+0007 is not allowed (control characters are not allowed)",
        ),
        (b"\x00\x01binary", "binary file, expected UTF-8 YAML text"),
        (b"!!python/object/apply:os.system ['touch pwned']\n", "unsupported YAML tag"),
        (b"--- 1\n--- 2\n", "expected one YAML document, found several"),
    ],
    ids=[
        "alias-bomb",
        "deep-flow",
        "deep-block",
        "duplicate-key",
        "latin-1",
        "tab",
        "control-char",
        "binary",
        "python-tag",
        "two-docs",
    ],
)
def test_hostile_yaml_is_one_clear_line(tmp_path: Path, content: bytes, expect: str) -> None:
    code, out = lint_file(tmp_path, content)
    assert code == 2, out
    assert expect in out, out
    assert out.count("\n") <= 2, out  # one line (plus at most a summary)
    assert "x.odcs.yaml" in out
    assert not (tmp_path / "pwned").exists()


def test_deep_block_nesting_names_the_limit_and_its_line(tmp_path: Path) -> None:
    content = ("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 120))).encode()
    _, out = lint_file(tmp_path, content)
    assert "nesting deeper than 64 levels" in out and "limits.max_depth" in out
    assert "x.odcs.yaml:66:" in out


def test_bom_is_accepted(tmp_path: Path) -> None:
    plain = lint_file(tmp_path, CONTRACT.encode())
    code, out = lint_file(tmp_path, b"\xef\xbb\xbf" + CONTRACT.encode())
    assert code == 0 and out == "1 contract: 0 error(s), 0 warning(s), 0 unreadable\n", out
    assert (code, out) == plain  # the byte-order mark changes nothing


@pytest.mark.slow
def test_hundred_megabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "contracts" / "big.odcs.yaml"
    path.parent.mkdir(parents=True)
    with path.open("wb") as fh:
        fh.write(CONTRACT.encode())
        fh.write(b"# padding\n" * 10_000_000)  # 100 MB
    assert path.stat().st_size >= 100_000_000
    r = run_cli("lint", str(path), cwd=tmp_path, timeout=120)
    assert r.returncode == 2
    assert "over the 20971520-byte limit (raise limits.max_bytes in meshguard.yaml" in r.stderr + r.stdout
    path.unlink()


def test_limits_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "meshguard.yaml").write_text(
        "limits:\n  max_nodes: 50\n  max_bytes: 200000\n", encoding="utf-8"
    )
    code, out = lint_file(tmp_path, CONTRACT.encode())
    assert code == 2 and "more than 50 nodes" in out and "limits.max_nodes" in out
    (tmp_path / "meshguard.yaml").write_text(
        "limits:\n  max_nodes: 5000000\n  max_depth: 200\n", encoding="utf-8"
    )
    code, out = lint_file(tmp_path, BOMB.encode())
    assert code == 2 and "more than 5000000 nodes" in out
    code, out = lint_file(tmp_path, ("a:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 120))).encode())
    assert "nesting" not in out
    (tmp_path / "meshguard.yaml").write_text("limits:\n  max_nodes: 0\n", encoding="utf-8")
    code, out = lint_file(tmp_path, CONTRACT.encode())
    assert code == 2 and "meshguard.yaml:2" in out and "limits.max_nodes" in out


@pytest.mark.parametrize(
    ("config", "expect"),
    [
        (BOMB, "alias bomb"),
        ("engine:\n  kind: embedded\n  kind: opa\n", "duplicate key 'kind'"),
        ("reports: out\nunknown: 1\n", "unknown key 'unknown'"),
        ("data:\n  sample_rows: .nan\n", "data.sample_rows"),
        ("scoring:\n\tweights: {}\n", "tab"),
    ],
)
def test_hostile_config_is_one_clear_line(tmp_path: Path, config: str, expect: str) -> None:
    (tmp_path / "meshguard.yaml").write_text(config, encoding="utf-8")
    r = invoke("lint", cwd=tmp_path)
    assert r.returncode == 2 and expect in r.stderr and "meshguard.yaml" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1


# ---------------------------------------------------------------- data


def _quality(work: Workdir, fmt: str, data: bytes, tweak: Any = None) -> Any:
    from meshguard.config import Config
    from meshguard.contracts.model import Contract
    from meshguard.quality.stage import run_quality
    from meshguard.sensitivity import SensitivityMap
    from meshguard.stages import QualityContext
    from meshguard.yamlio import LineMap

    name = {"csv": "c.csv", "json": "c.ndjson", "parquet": "c.parquet"}[fmt]
    (work.root / "data" / name).write_bytes(data)
    doc = copy.deepcopy(SEED_DOCS[0])
    doc["servers"] = [{"server": "s", "type": "local", "path": f"data/{name}", "format": fmt}]
    if tweak:
        tweak(doc)
    c = Contract("contracts/c.odcs.yaml", doc, LineMap(), SensitivityMap())
    out = run_quality(c, Config(root=work.root), QualityContext(), {"customers": c})
    strict = json.dumps([ch.to_dict() for ch in out.checks] + [out.data], allow_nan=False, default=str)
    return out, {ch.id: ch for ch in out.checks}, strict


def _parquet(**columns: Any) -> bytes:
    cols = {k: [r[k] for r in CUSTOMERS] for k in CUSTOMERS[0]}
    cols.update(columns)
    buf = io.BytesIO()
    pl.DataFrame(cols, strict=False).write_parquet(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def work() -> Workdir:
    return Workdir()


def test_nan_and_infinity_stay_strict_json(work: Workdir) -> None:
    n = len(CUSTOMERS)
    out, checks, text = _quality(
        work, "parquet", _parquet(age=[math.nan, math.inf, -math.inf] + [30.0] * (n - 3))
    )
    assert "Infinity" in text  # shown as strings: the document stays valid JSON
    assert out.data["columns"]["age"]["max"] in ("NaN", "Infinity")
    samples = [s for c in out.checks for s in c.samples]
    assert {"NaN", "Infinity", "-Infinity"} & {s["age"] for s in samples}
    assert checks["customers.age.type"].status == "failed"  # numbers where integers are promised


def test_nested_values_in_a_string_column_error_the_rule_not_the_run(work: Workdir) -> None:
    n = len(CUSTOMERS)
    _, checks, _ = _quality(work, "parquet", _parquet(tier=[[1.5]] * n, signed_up=[{"a": 1}] * n))
    assert checks["customers.tier.type"].status == "failed"
    inv = checks["customers.tier.invalidValues.0"]
    assert inv.status == "errored" and "rule cannot run (tier is List(Float64))" in inv.message
    assert checks["sla.freshness"].status == "errored"
    assert "signed_up is not a date or timestamp column" in checks["sla.freshness"].message


def test_dates_out_of_range(work: Workdir) -> None:
    import datetime as dt

    n = len(CUSTOMERS)
    far = [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59)] * (n // 2)
    _, checks, _ = _quality(work, "parquet", _parquet(signed_up=far))
    # year 9999 is in the future: the newest row is "fresh" (a negative age); year 1 is far too old
    fresh, retention = checks["sla.freshness"], checks["sla.retention"]
    assert fresh.status == "passed" and fresh.measured < 0, (fresh.status, fresh.measured)
    assert retention.status == "failed" and retention.message.startswith("oldest signed_up is 17"), retention
    assert checks["customers.signed_up.type"].status == "passed"
    csv = "customer_id,email,age,country,tier,signed_up\n" + "".join(
        f"{i},a{i}@x.org,30,FR,gold,{d}\n"
        for i, d in enumerate(["99999-01-01T00:00:00Z", "0000-00-00", "2025-02-30T00:00:00Z", "-1"])
    )
    _, checks, _ = _quality(work, "csv", csv.encode())
    assert checks["customers.signed_up.type"].status == "failed"
    assert checks["customers.signed_up.type"].failing_rows == 4


def test_mixed_types_in_a_json_column(work: Workdir) -> None:
    rows = [dict(r) for r in CUSTOMERS]
    rows[0]["age"], rows[1]["age"], rows[2]["age"] = "old", [1], {"x": 1}
    data = "\n".join(json.dumps(r) for r in rows).encode()
    _out, checks, _ = _quality(work, "json", data)
    assert checks["customers.age.type"].status == "failed"
    assert "age holds string values, the contract says integer" in checks["customers.age.type"].message
    assert checks["customers.age.maximum"].status == "errored"
    assert checks["customers.email.type"].status == "passed"  # the other columns are still checked


@pytest.mark.slow  # 10,000 columns and a 1 MB cell
def test_ten_thousand_columns_and_a_very_wide_row(work: Workdir) -> None:
    header = list(CUSTOMERS[0]) + [f"extra_{i}" for i in range(10_000)]
    lines = [",".join(header)]
    for r in CUSTOMERS:
        lines.append(",".join(str(r[k] or "") for k in CUSTOMERS[0]) + "," + ",".join(["x"] * 10_000))
    lines[1] = lines[1].replace("gold", "g" * 1_000_000)  # one 1 MB cell
    out, checks, _ = _quality(work, "csv", ("\n".join(lines) + "\n").encode())
    assert out.rows == len(CUSTOMERS)
    assert len(out.data["columns"]) == 10_006
    assert checks["customers.tier.invalidValues.0"].failing_rows == 2
    assert all(len(json.dumps(s)) < 2_000_000 for c in out.checks for s in c.samples)


_CSV = b"customer_id,email,age,country,tier,signed_up\n1,a@b.c,3,FR,gold,2025-01-01\n"


@pytest.mark.parametrize(
    ("fmt", "data", "check", "status", "expect"),
    [
        (
            "parquet",
            lambda: _parquet()[: len(_parquet()) // 2],
            "data",
            "errored",
            "not a readable Parquet file",
        ),
        (
            "parquet",
            lambda: b"PAR1" + b"\x00" * 64 + b"PAR1",
            "data",
            "errored",
            "not a readable Parquet file",
        ),
        ("json", lambda: b'{"customer_id": 1,\n{]', "data", "errored", "json:data/c.ndjson cannot be read"),
        (
            "csv",
            lambda: _CSV.decode().encode("utf-16"),
            "data",
            "errored",
            "'data/c.csv' is not valid UTF-8 text",
        ),
        (
            "csv",
            lambda: b'customer_id,email\n"1,"unterminated\n',
            "data",
            "errored",
            "csv:data/c.csv cannot be read",
        ),
        # a byte-order mark is not part of the first column's name
        ("csv", lambda: b"\xef\xbb\xbf" + _CSV, "rowCount.0", "failed", "rowCount = 1, expected between"),
        (
            "csv",
            lambda: _CSV.replace(b"\n", b"\r\n"),
            "rowCount.0",
            "failed",
            "rowCount = 1, expected between",
        ),
        # a lone CR is not a line break: one header line, no rows, the last column is missing
        (
            "csv",
            lambda: _CSV.replace(b"\n", b"\r", 1),
            "signed_up.present",
            "failed",
            "column signed_up is missing",
        ),
    ],
    ids=[
        "half-parquet",
        "empty-parquet",
        "broken-json",
        "utf-16",
        "unterminated-quote",
        "bom",
        "crlf",
        "lone-cr",
    ],
)
def test_malformed_files(work: Workdir, fmt: str, data: Any, check: str, status: str, expect: str) -> None:
    out, checks, _ = _quality(work, fmt, data())
    got = checks[f"customers.{'customers.' if check == 'data' else ''}{check}"]
    assert got.status == status and expect in got.message and "\n" not in got.message, got
    if check == "data":
        assert [c.id for c in out.checks] == [got.id]  # nothing else is claimed about unread data
    else:
        assert out.rows == (0 if check.endswith("present") else 1)
        assert checks["customers.customer_id.present"].status == "passed"
        assert checks["customers.email.pattern"].status == "passed"


def test_corrupt_parquet_through_the_cli_is_one_clear_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    good = _parquet()
    bad = bytearray(good)
    for pos in range(40, 200, 7):
        bad[pos] ^= 0x5A
    (root / "data" / "c.parquet").write_bytes(bytes(bad))
    doc = copy.deepcopy(SEED_DOCS[0])
    doc["servers"] = [{"server": "s", "type": "local", "path": "data/c.parquet", "format": "parquet"}]
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    r = invoke("test", "customers", "--root", str(root), "--format", "json")
    assert r.returncode == 1, r.stderr[-2000:]
    product = json.loads(r.stdout)["products"][0]
    data = next(c for c in product["checks"] if c["id"].endswith(".data"))
    assert data["status"] == "errored" and "parquet:data/c.parquet" in data["message"]


CORRUPT = sorted((Path(__file__).parent / "fixtures" / "corrupt-parquet").glob("*.parquet"))


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("corrupt", CORRUPT, ids=[f.stem for f in CORRUPT])
def test_parquet_a_lazy_scan_finds_corrupt_late_is_an_errored_check(
    tmp_path: Path, corrupt: Path, jobs: str
) -> None:
    """Files (found by fuzzing) whose footer reads, so a lazy scan opens them, and whose pages
    make polars' streaming engine panic later (pyo3's PanicException, a BaseException): in the
    detectors, the profile, a rule or a relationship's read of the target. Each is the one
    errored data check of its product (and of the relationship into it), not an internal error,
    nor (a pool worker ended by the panic) a run that waits for ever."""
    root = make_repo(tmp_path)
    (root / "data" / "c.parquet").write_bytes(corrupt.read_bytes())
    doc = copy.deepcopy(SEED_DOCS[0])
    doc["servers"] = [{"server": "s", "type": "local", "path": "data/c.parquet", "format": "parquet"}]
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    r = run_cli("check", "--no-history", "--jobs", jobs, "--format", "json", cwd=root, timeout=120)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    products = {p["id"]: p for p in json.loads(r.stdout)["products"]}
    errored = {c["id"]: c for p in products.values() for c in p["checks"] if c["status"] == "errored"}
    data = errored["customers.customers.data"]
    assert data["message"] == "product customers: parquet:data/c.parquet is corrupt: the reader gave up on it"
    assert all("is corrupt" in c["message"] for c in errored.values())
    assert products["orders"]["checks"]  # the other product was checked


@pytest.mark.parametrize("fmt", [{"a": 1}, ["csv"], 7])
def test_a_server_format_that_is_not_text_is_an_errored_data_check(tmp_path: Path, fmt: Any) -> None:
    """Found by fuzzing the whole run: a mapping as ``format`` was an internal error."""
    root = make_repo(tmp_path)
    doc = copy.deepcopy(SEED_DOCS[0])
    doc["servers"] = [{"server": "s", "type": "local", "path": "data/customers.csv", "format": fmt}]
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    r = invoke("check", "--no-history", "--format", "json", cwd=root)
    assert r.returncode == 1, r.stderr[-2000:]
    product = next(p for p in json.loads(r.stdout)["products"] if p["id"] == "customers")
    data = next(c for c in product["checks"] if c["id"] == "customers.data")
    assert (data["status"], data["message"]) == (
        "errored",
        "product customers: server 's' has a `format` that is not text (csv, parquet, json)",
    )


def test_infinities_and_a_mapping_severity_in_a_contract_run_to_the_end(tmp_path: Path) -> None:
    """Found by fuzzing the whole run: ``-.inf`` anywhere in a contract reached the policy
    engine as ``-Infinity``, which is not JSON (an internal error); a quality rule's
    ``severity`` given as a mapping crashed the rule. YAML's infinities are kept as their text,
    as NaN always was (ODCS is JSON), and a severity that is not text is an error's."""
    root = make_repo(tmp_path)
    doc = copy.deepcopy(SEED_DOCS[1])
    doc["team"]["members"][0]["username"] = [{"scope": "x", " ": "-.inf"}]
    doc["schema"][0]["quality"][0]["severity"] = {"a": 1}
    text = yaml.safe_dump(doc, sort_keys=False).replace("' ': '-.inf'", "' ': -.inf")
    assert "' ': -.inf" in text
    (root / "contracts" / "orders.odcs.yaml").write_text(text, encoding="utf-8")
    r = invoke("check", "--no-history", "--format", "json", cwd=root)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert "internal error" not in r.stderr
    orders = next(p for p in json.loads(r.stdout)["products"] if p["id"] == "orders")
    rule = next(c for c in orders["checks"] if c["name"] == "no negative amounts")
    assert rule["severity"] == "error"


def test_waivers_share_the_yaml_limits(tmp_path: Path) -> None:
    from policykit import compliant
    from policykit import make_repo as policy_repo

    repo = policy_repo(tmp_path / "gov", {"good": compliant()}, waivers=BOMB)
    r = invoke("check", "--no-data", cwd=repo)
    assert r.returncode == 2 and "waivers.yaml:1:1: document expands to more than 1000000 nodes" in r.stderr
    (repo / "meshguard.yaml").write_text("contracts: {dir: contracts}\nlimits: {max_bytes: 100}\n")
    (repo / "waivers.yaml").write_text("waivers: []\n" + "# pad\n" * 50, encoding="utf-8")
    r = invoke("check", "--no-data", cwd=repo)
    assert r.returncode == 2 and "waivers.yaml: file is 312 bytes, over the 100-byte limit" in r.stderr, (
        r.stderr
    )
    assert "raise limits.max_bytes in meshguard.yaml" in r.stderr


def test_integers_beyond_int64_are_type_failures_not_crashes(work: Workdir) -> None:
    rows = [dict(r) for r in CUSTOMERS]
    rows[2]["age"] = -1180591620717411303423  # polars reads an Int128 column
    _, checks, text = _quality(work, "json", "\n".join(json.dumps(r) for r in rows).encode())
    assert checks["customers.age.type"].status == "failed" and checks["customers.age.type"].failing_rows == 1
    assert "1180591620717411303423" not in text.replace('"age": -1180591620717411303423', "")


def test_dates_beyond_python_range(work: Workdir) -> None:
    n = len(CUSTOMERS)
    far = pl.Series("signed_up", [400_000_000_000_000_000] * n).cast(pl.Datetime("us", "UTC"))  # year ~14645
    buf = io.BytesIO()
    pl.DataFrame({k: [r[k] for r in CUSTOMERS] for k in CUSTOMERS[0] if k != "signed_up"}).with_columns(
        far
    ).write_parquet(buf)
    out, checks, _ = _quality(work, "parquet", buf.getvalue())
    assert "out of range" in checks["sla.freshness"].message
    assert "14645-06-30" in str(out.data["columns"]["signed_up"]["max"])
    unique = checks["customers.customer_id.unique"]
    assert unique.status == "failed" and "14645-06-30" in str(unique.samples[0]["signed_up"])


def test_error_messages_stay_on_one_line_whatever_they_quote(tmp_path: Path) -> None:
    (tmp_path / "meshguard.yaml").write_text(
        "sensitivity:\n  ? 'two\n\n    lines'\n  : [null]\n", encoding="utf-8"
    )
    r = invoke("lint", cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "sensitivity.two\\nlines" in r.stderr, r.stderr
