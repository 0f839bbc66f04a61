"""ODCS contracts written as JSON (``*.odcs.json``) are found wherever a YAML contract is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conftest import invoke, run_cli
from meshguard.contracts.versions import split_versions, version_of_file
from meshguard.versioning.stage import side_by_side_previous
from usage_helpers import contract, git, init_repo

BROKEN = "      - name: notes\n"  # no logicalType: MG013 error
LOCAL = {"CI": "", "GITHUB_ACTIONS": "", "GITLAB_CI": "", "MESHGUARD_BASE_REF": ""}


def as_json(text: str) -> str:
    return json.dumps(yaml.safe_load(text), indent=2) + "\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(
        tmp_path / "domain",
        {
            "contracts/a.odcs.yaml": contract("alpha"),
            "contracts/j.odcs.json": as_json(contract("jay", BROKEN)),
        },
    )


def _ids(proc_stdout: str) -> list[str]:
    return sorted(p["id"] for p in json.loads(proc_stdout)["products"])


def test_lint_finds_a_json_contract_and_places_its_findings(repo: Path) -> None:
    proc = invoke("lint", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # MG013 on the property without logicalType: the line and column of its JSON object
    text = (repo / "contracts/j.odcs.json").read_text()
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"name": "notes"' in ln) - 1
    assert re.search(rf"contracts/j\.odcs\.json:{line}:\d+: error MG013", proc.stdout), proc.stdout
    assert "2 contracts: 1 error(s)" in proc.stdout


def test_plain_lint_process_finds_a_json_contract(repo: Path) -> None:
    proc = run_cli("lint", cwd=repo)  # `meshguard lint` served without click
    assert proc.returncode == 1, proc.stderr
    assert "contracts/j.odcs.json:" in proc.stdout and "2 contracts" in proc.stdout


def test_check_and_test_find_a_json_contract(repo: Path) -> None:
    proc = invoke(
        "check", "--no-data", "--no-reports", "--no-history", "--format", "json", cwd=repo, env=LOCAL
    )
    assert proc.returncode == 1, proc.stderr
    assert _ids(proc.stdout) == ["alpha", "jay"]
    proc = invoke("test", "--format", "json", cwd=repo, env=LOCAL)
    assert _ids(proc.stdout) == ["alpha", "jay"], proc.stderr


def test_hook_checks_a_staged_json_contract(repo: Path) -> None:
    (repo / "contracts/k.odcs.json").write_text(as_json(contract("kay", BROKEN)))
    git(repo, "add", "contracts/k.odcs.json")
    env = {**LOCAL, "PRE_COMMIT": "1"}
    args = ("check", "--changed-only", "--no-data", "--no-reports", "--no-history", "--format", "json")
    proc = invoke(*args, cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _ids(proc.stdout) == ["kay"]
    proc = invoke(*args, "contracts/k.odcs.json", cwd=repo, env=env)  # as pre-commit passes it
    assert _ids(proc.stdout) == ["kay"], proc.stderr


def test_side_by_side_versions_in_json(tmp_path: Path) -> None:
    old = contract("orders")
    new = old.replace("version: 1.0.0", "version: 2.0.0")
    repo = init_repo(
        tmp_path / "r",
        {"contracts/orders/1.0.0.odcs.json": as_json(old), "contracts/orders/2.0.0.odcs.json": as_json(new)},
    )
    folder = repo / "contracts/orders"
    assert version_of_file(folder / "1.0.0.odcs.json") == "1.0.0"
    assert version_of_file(folder / "1.0.0.json") is None  # a data file, not a version
    split = split_versions([folder / "1.0.0.odcs.json", folder / "2.0.0.odcs.json"])
    assert split.current == [folder / "2.0.0.odcs.json"]
    assert side_by_side_previous(folder / "2.0.0.odcs.json") == [folder / "1.0.0.odcs.json"]
    proc = invoke("lint", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 contract:" in proc.stdout
    proc = invoke(
        "check", "--no-data", "--no-reports", "--no-history", "--format", "json", cwd=repo, env=LOCAL
    )
    (product,) = json.loads(proc.stdout)["products"]
    assert product["previous_version"] == "1.0.0"


def test_yaml_and_json_of_one_id_are_both_flagged(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "r",
        {"contracts/a.odcs.yaml": contract("alpha"), "contracts/a.odcs.json": as_json(contract("alpha"))},
    )
    proc = invoke("lint", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for name in ("a.odcs.yaml", "a.odcs.json"):
        assert (
            f"contracts/{name}:" in proc.stdout
            and "contract id 'alpha' is used by more than one" in proc.stdout
        )


def test_yaml_and_json_of_one_version_are_not_silently_picked(tmp_path: Path) -> None:
    text = contract("orders")
    repo = init_repo(
        tmp_path / "r",
        {
            "contracts/orders/0.9.0.odcs.yaml": text.replace("version: 1.0.0", "version: 0.9.0"),
            "contracts/orders/1.0.0.odcs.yaml": text,
            "contracts/orders/1.0.0.odcs.json": as_json(text),
        },
    )
    proc = invoke("lint", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for name in ("1.0.0.odcs.yaml", "1.0.0.odcs.json"):
        assert re.search(rf"contracts/orders/{re.escape(name)}:\S+ error MG020", proc.stdout), proc.stdout


def test_hooks_and_scaffold_run_on_json_contracts() -> None:
    project = Path(__file__).resolve().parent.parent
    hooks = yaml.safe_load((project / ".pre-commit-hooks.yaml").read_text())
    scaffold = yaml.safe_load((project / "src/meshguard/scaffold/pre-commit-config.yaml").read_text())
    contract_hooks = [h for h in hooks if h["id"] != "meshguard-policy-test"]
    contract_hooks += [h for h in scaffold["repos"][0]["hooks"] if h["id"] != "meshguard-policy-test"]
    for hook in contract_hooks:
        assert re.search(hook["files"], "contracts/sales/orders.odcs.json"), hook["id"]
        assert re.search(hook["files"], "contracts/sales/orders.odcs.yaml"), hook["id"]
    config = yaml.safe_load((project / "src/meshguard/scaffold/meshguard.yaml").read_text())
    assert "**/*.odcs.json" in config["contracts"]["globs"]


def test_no_contracts_hint_names_json(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    proc = invoke("lint", cwd=tmp_path)
    assert proc.returncode == 2
    assert "**/*.odcs.json" in proc.stderr and "*.odcs.yaml (or *.odcs.json)" in proc.stderr, proc.stderr
