"""What a newcomer does in the first hour: run from a subfolder, keep a sample next to its
contract, read the data files they have, and get told what is wrong in words they can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from conftest import PROJECT, invoke
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract, write_csv


def _csv(rows: list[dict[str, Any]], sep: str = ",") -> str:
    head = sep.join(rows[0])
    return "\n".join([head, *(sep.join(str(v) for v in r.values()) for r in rows)]) + "\n"


def _results(proc: Any) -> dict[str, str]:
    assert proc.stdout.lstrip().startswith("{"), proc.stdout + proc.stderr
    (product,) = json.loads(proc.stdout)["products"]
    return {c["id"]: c["status"] for c in product["checks"]}


def test_config_is_found_from_a_subfolder(tmp_path: Path) -> None:
    sub = PROJECT / "contracts" / "healthcare"
    here = invoke("lint", "--format", "json", cwd=sub)
    top = invoke("lint", "--format", "json", cwd=PROJECT)
    assert here.returncode == top.returncode, here.stderr
    volatile = ("run_id", "timestamp")  # each run has its own
    same = [{k: v for k, v in json.loads(p.stdout).items() if k not in volatile} for p in (here, top)]
    assert same[0] == same[1]  # the whole repo, with paths relative to its root
    assert "contracts/ecommerce/" in here.stdout
    # --root overrides the search
    elsewhere = invoke("lint", "--root", str(tmp_path), cwd=sub)
    assert "contracts/ecommerce/" not in elsewhere.stdout + elsewhere.stderr


def test_a_sample_next_to_its_contract(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    folder = root / "contracts" / "crm"
    folder.mkdir()
    write_csv(folder / "customers.csv", CUSTOMERS)
    (root / "contracts" / "customers.odcs.yaml").unlink()
    doc = customers_contract({"server": "s", "type": "local", "path": "./customers.csv", "format": "csv"})
    write_contract(folder / "customers.odcs.yaml", doc)
    proc = invoke("test", "customers", "--format", "json", cwd=root)
    statuses = _results(proc)
    assert statuses["customers.email.pattern"] == "failed"  # the data was read: its defect is found
    # a path that is not there names where it was looked for
    doc["servers"][0]["path"] = "./nope.csv"
    write_contract(folder / "customers.odcs.yaml", doc)
    missing = invoke("test", "customers", cwd=root)
    assert "sample file './nope.csv' not found (looked for contracts/crm/nope.csv or nope.csv)" in (
        missing.stdout + missing.stderr
    )
    # confinement stays: next to the contract or not, the file must be inside the repo
    outside = tmp_path / "secret.csv"
    write_csv(outside, CUSTOMERS)
    doc["servers"][0]["path"] = "../../../secret.csv"
    write_contract(folder / "customers.odcs.yaml", doc)
    escaped = invoke("test", "customers", cwd=root)
    assert "is outside the governance repo" in escaped.stdout + escaped.stderr
    assert "ann.lee@example.com" not in escaped.stdout + escaped.stderr


def test_changed_sample_next_to_its_contract_selects_the_product(tmp_path: Path) -> None:
    from meshguard.ci.scope import select
    from meshguard.config import load_config

    root = make_repo(tmp_path)
    folder = root / "contracts" / "crm"
    folder.mkdir()
    write_csv(folder / "customers.csv", CUSTOMERS)
    doc = customers_contract({"server": "s", "type": "local", "path": "customers.csv", "format": "csv"})
    (root / "contracts" / "customers.odcs.yaml").unlink()
    write_contract(folder / "customers.odcs.yaml", doc)
    scope = select([folder / "customers.csv"], load_config(root))
    assert scope.contracts == [folder / "customers.odcs.yaml"]
    assert yaml.safe_load((folder / "customers.odcs.yaml").read_text())["id"] == "customers"


def test_what_meshguard_cannot_evaluate_does_not_fail_the_product(tmp_path: Path) -> None:
    """Valid ODCS that meshguard cannot check is reported unsupported, with the reason, not errored."""
    root = make_repo(tmp_path / "repo")
    doc = customers_contract({"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"})
    # keep only clean columns, so that nothing else fails
    doc["schema"][0]["properties"] = [
        {"name": "customer_id", "logicalType": "integer", "required": True},
        {
            "name": "country",
            "logicalType": "string",
            "quality": [{"type": "custom", "engine": "soda", "implementation": "missing_count(country) = 0"}],
        },
    ]
    doc["schema"][0].pop("quality", None)
    doc["slaProperties"] = [{"property": "retention", "value": 5, "unit": "y"}]  # no element: optional
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    proc = invoke("test", "customers", "--format", "json", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (product,) = json.loads(proc.stdout)["products"]
    by_id = {c["id"]: c for c in product["checks"]}
    retention = by_id["sla.retention"]
    assert retention["status"] == "unsupported"
    assert "names no element" in retention["message"]
    custom = next(c for c in product["checks"] if "soda" in (c.get("message") or ""))
    assert custom["status"] == "unsupported" and "not run by meshguard" in custom["message"]
    assert not [c for c in product["checks"] if c["status"] in ("errored", "failed")]
    text = invoke("test", "customers", cwd=root)
    assert "UNSUPPORTED sla.retention  — SLA retention names no element" in text.stdout


def _customers_from(root: Path, name: str, text: str, fmt: str, **server: Any) -> dict[str, str]:
    (root / "data" / name).write_text(text, encoding="utf-8")
    doc = customers_contract(
        {"server": "s", "type": "local", "path": f"data/{name}", "format": fmt, **server}
    )
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    return _results(invoke("test", "customers", "--format", "json", cwd=root))


def test_json_as_one_object_an_array_or_ndjson(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    bad = next(r for r in CUSTOMERS if "(at)" in r["email"])  # breaks the e-mail pattern
    layouts = {
        "one.json": json.dumps(bad, indent=2),
        "array.json": json.dumps(CUSTOMERS, indent=2),
        "lines.json": "\n".join(json.dumps(r) for r in CUSTOMERS) + "\n",
        "one-line.json": json.dumps(bad),
    }
    for name, text in layouts.items():
        statuses = _customers_from(root, name, text, "json")
        assert statuses["customers.email.pattern"] == "failed", name
        assert statuses["customers.customer_id.present"] == "passed", name


def test_csv_delimiter_declared_or_sniffed_and_missing_columns_listed(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    for sep in (";", "\t", "|"):
        statuses = _customers_from(root, "semi.csv", _csv(CUSTOMERS, sep), "csv")
        assert statuses["customers.customer_id.present"] == "passed", sep
        assert statuses["customers.email.pattern"] == "failed", sep
    # declared in the server entry: used as is
    statuses = _customers_from(root, "semi.csv", _csv(CUSTOMERS, ";"), "csv", delimiter=";")
    assert statuses["customers.email.pattern"] == "failed"
    # a wrong declared delimiter: the missing-column message lists what was found
    (root / "data" / "semi.csv").write_text(_csv(CUSTOMERS, ";"))
    doc = customers_contract(
        {"server": "s", "type": "local", "path": "data/semi.csv", "format": "csv", "delimiter": ","}
    )
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    proc = invoke("test", "customers", cwd=root)
    assert (
        "column customer_id is missing from the data "
        "(columns found: 'customer_id;email;age;country;tier;signed_up')" in proc.stdout
    ), proc.stdout


def test_init_scaffolds_a_repo_that_runs_end_to_end(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    target = tmp_path / "governance"
    made = invoke("init", str(target), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "initialised a git repository" in made.stdout
    assert (target / ".git").is_dir()
    assert "reports/" in (target / ".gitignore").read_text().splitlines()
    assert (target / "contracts/example/example.csv").is_file()  # the sample sits next to its contract
    for command in (("lint",), ("check",), ("policy", "test")):
        proc = invoke(*command, cwd=target)
        assert proc.returncode == 0, (command, proc.stdout + proc.stderr)
    assert (target / "reports" / "index.html").is_file()
    from meshguard.policy.bundle import load_builtin
    from meshguard.policy.testing import discover_tests

    builtin = len(discover_tests(load_builtin()))  # the repo's own two tests run with the pack's
    summary = invoke("policy", "test", cwd=target).stdout.strip().splitlines()[-1]
    assert (
        summary
        == f"{builtin + 2} tests: {builtin + 2} passed, 0 failed, 0 errored ({builtin} of the built-in pack)"
    )
    # the pre-commit config is real: its hooks run the installed meshguard
    precommit = Path(sys.executable).parent / "pre-commit"
    env_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    hooks = subprocess.run(
        [str(precommit), "run", "--all-files"],
        cwd=target,
        capture_output=True,
        text=True,
        env={"PATH": env_path, "HOME": str(tmp_path), "PRE_COMMIT_HOME": str(tmp_path / "pc")},
        timeout=300,
    )
    assert hooks.returncode == 0, hooks.stdout + hooks.stderr
    assert "meshguard lint" in hooks.stdout and "Passed" in hooks.stdout
    # an existing repo keeps its own hook config and .gitignore lines
    (target / "policies" / "org.rego").unlink()
    again = invoke("init", str(target), "--no-git", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr
    shutil.rmtree(target / "contracts")
    (target / "meshguard.yaml").unlink()
    (target / "waivers.yaml").unlink()
    (target / "policies" / "org_test.rego").unlink()
    (target / ".gitignore").write_text("*.pyc\n")
    merged = invoke("init", str(target), cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert (target / ".pre-commit-config.meshguard.yaml").is_file()
    assert (target / ".gitignore").read_text().startswith("*.pyc\n")
    assert "reports/" in (target / ".gitignore").read_text()


def test_each_schema_violation_is_reported_once(tmp_path: Path, monkeypatch: Any) -> None:
    from meshguard.contracts import load

    doc = customers_contract({"server": "s", "type": "local", "path": "x.csv", "nope": 1, "bad": 2, "odd": 3})
    write_contract(tmp_path / "contracts" / "c.odcs.yaml", doc)
    proc = invoke("lint", "--format", "json", cwd=tmp_path)
    (contract,) = json.loads(proc.stdout)["products"]
    shown = [
        (f["message"], f["location"]["pointer"]) for f in contract["findings"] if f["rule_id"] == "MG001"
    ]
    errors = sum(1 for f in contract["findings"] if f["severity"] == "error")
    assert len(shown) == len(set(shown)) == errors, shown
    assert any("'bad', 'nope', 'odd'" in m for m, _ in shown)
    # several schema branches rejecting the same key give one finding
    violations = load._schema_violations
    monkeypatch.setattr(load, "_schema_violations", lambda *a: [*violations(*a), *violations(*a)])
    loaded = load.load_contract(tmp_path / "contracts" / "c.odcs.yaml", tmp_path)
    assert sorted((f.message, f.location.pointer) for f in loaded.findings if f.location) == sorted(shown)
