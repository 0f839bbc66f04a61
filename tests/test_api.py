"""The public Python API (``meshguard.check``, ``lint``, ``diff``, ``gate``): typed results that
are exactly what the command line prints, and an ``import meshguard`` that stays light."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import meshguard
from conftest import PROJECT, invoke
from meshguard.errors import ContractError, MeshguardError, UsageError

NOW = "2026-11-25T00:00:00Z"
ORDERS = PROJECT / "contracts" / "ecommerce" / "orders"
HEAVY = ("polars", "pandera", "duckdb", "ibis", "regorus", "opa_client", "pyspark", "jinja2")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_meshguard_stays_light() -> None:
    bare = _modules_after("pass")
    loaded = _modules_after("import meshguard")
    # the package and its version, nothing else (not even typing, which doubles the cost)
    assert loaded - bare <= {"meshguard", "meshguard.version", "__future__"}, loaded - bare
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)
    assert "meshguard.api" not in loaded and "meshguard.pipeline" not in loaded
    # the API resolves on first use, still without a heavy library
    loaded = _modules_after("import meshguard\nmeshguard.check, meshguard.MeshResult")
    assert "meshguard.api" in loaded
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)


def test_public_names() -> None:
    for name in meshguard.__all__:
        assert getattr(meshguard, name) is not None
    with pytest.raises(AttributeError):
        meshguard.no_such_thing  # noqa: B018
    assert meshguard.MeshResult.__module__ == "meshguard.results.model"


def _stable(doc: dict) -> dict:
    """A result without what differs between two runs of the same check."""
    doc = json.loads(json.dumps(doc))
    for key in ("run_id", "timestamp"):
        doc.pop(key)
    doc["summary"].pop("elapsed_s", None)
    for product in doc["products"]:
        product.pop("timings", None)
    return doc


def test_check_returns_what_the_cli_prints() -> None:
    options = meshguard.CheckOptions(now=meshguard_now(), jobs=1)
    mesh = meshguard.check(PROJECT, options=options)
    assert isinstance(mesh, meshguard.MeshResult)
    assert {p.id for p in mesh.products} >= {"orders", "customers", "patients"}
    r = invoke("check", "--format", "json", "--no-history", "--no-reports", "--jobs", "1", "--now", NOW)
    assert r.returncode in (0, 1), r.stderr
    assert _stable(mesh.to_dict()) == _stable(json.loads(r.stdout))
    assert meshguard.gate(mesh) == r.returncode


def meshguard_now():  # type: ignore[no-untyped-def]
    from meshguard.commands.common import parse_now

    return parse_now(NOW)


def test_check_gate_follows_fail_on(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT / "contracts", repo / "contracts")
    mesh = meshguard.check(repo, options=meshguard.CheckOptions(with_data=False, with_policy=False))
    assert mesh.products and all(p.verdict in ("pass", "warn") for p in mesh.products)
    warned = any(p.verdict == "warn" for p in mesh.products)
    assert meshguard.gate(mesh, "never") == 0
    assert meshguard.gate(mesh, "warn") == (1 if warned else 0)
    # a contract that breaks the lint rules fails the gate
    bad = repo / "contracts" / "finance" / "transactions.odcs.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("\nid: ", "\nid_gone: ", 1), encoding="utf-8")
    mesh = meshguard.check(repo, options=meshguard.CheckOptions(with_data=False, with_policy=False))
    assert meshguard.gate(mesh) != 0


def test_lint_returns_what_the_cli_prints() -> None:
    result = meshguard.lint(PROJECT)
    assert isinstance(result, meshguard.LintResult)
    r = invoke("lint", "--format", "json")
    cli = json.loads(r.stdout)
    assert cli["summary"]["errors"] == result.error_count
    assert cli["summary"]["warnings"] == result.warning_count
    assert cli["command"] == "lint"
    assert [c["contract_path"] for c in cli["products"]] == [lc.contract.path for lc in result.contracts]
    assert [c["findings"] for c in cli["products"]] == [
        [f.to_dict() for f in lc.findings] for lc in result.contracts
    ]


def test_lint_of_a_broken_file_lists_it_unreadable(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "x.odcs.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    result = meshguard.lint(tmp_path)
    assert result.contracts == [] and len(result.unreadable) == 1
    assert isinstance(result.unreadable[0], ContractError)


def test_diff_returns_what_the_cli_prints() -> None:
    old, new = sorted(ORDERS.glob("*.odcs.yaml"))[:2]
    change = meshguard.diff(old, new, root=PROJECT)
    assert isinstance(change, meshguard.DiffResult) and change.versions.changes
    r = invoke("diff", str(old), str(new), "--format", "json")
    cli = json.loads(r.stdout)
    (product,) = cli["products"]
    assert product["changes"] == [c.to_dict() for c in change.versions.changes]
    assert r.returncode == (1 if change.breaking else 0)


def test_errors_are_typed_and_carry_the_exit_code(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        meshguard.diff(tmp_path / "missing.yaml", tmp_path / "missing2.yaml")
    assert isinstance(err.value, MeshguardError) and int(err.value.exit_code) == 2
    with pytest.raises(UsageError):
        meshguard.diff(None, ORDERS / "nope.odcs.yaml", perspective="sideways")
