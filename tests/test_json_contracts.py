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


GOOD = as_json(contract("jay"))


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        (GOOD.replace('"kind"', '"kind",', 1), 3, 9, "Expecting ':' delimiter"),
        (GOOD.replace('"draft",', '"draft",,', 1), 7, 21, "Expecting property name"),
        (GOOD.replace('"status"', '"x": NaN, "status"', 1), 7, 8, "NaN is not a JSON value"),
        (GOOD[:200], 10, 16, "Unterminated string"),
        ("apiVersion: v3.1.0\nkind: DataContract\n", 1, 1, "Expecting value"),
        ("[" * 5000 + "]" * 5000, 1, None, "nesting depth"),
        ('{"a": "\\ud800"}', 1, None, "Unicode character escape"),
    ],
)
def test_invalid_json_is_a_clear_error(
    tmp_path: Path, text: str, line: int, column: int | None, problem: str
) -> None:
    (tmp_path / "bad.odcs.json").write_text(text)
    proc = invoke("lint", "bad.odcs.json", cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out
    where = f"bad.odcs.json:{line}:{column if column else ''}"
    assert re.search(rf"{re.escape(where)}\d*: invalid JSON: [^\n]*{problem}", out), out


def test_json_numbers_are_read_as_json_means_them(tmp_path: Path) -> None:
    doc = yaml.safe_load(contract("jay"))
    doc["customProperties"] = [{"property": "rowLimit", "value": 1e5}]
    text = json.dumps(doc, indent=2).replace("100000.0", "1e5")
    (tmp_path / "c.odcs.json").write_text(text)
    from meshguard.contracts.load import load_contract

    loaded = load_contract(tmp_path / "c.odcs.json", tmp_path).contract
    assert loaded.doc["customProperties"][0]["value"] == 100000.0  # YAML 1.1 reads 1e5 as text
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"value": 1e5' in ln)
    assert loaded.lines.line(("customProperties", 0, "value")) == line


def test_diff_hook_compares_a_staged_json_contract_with_head(tmp_path: Path) -> None:
    repo = init_repo(
        tmp_path / "r", {"contracts/j.odcs.json": as_json(contract("jay", BROKEN.replace("notes", "n")))}
    )
    (repo / "contracts/j.odcs.json").write_text(as_json(contract("jay")))  # property n removed, no bump
    git(repo, "add", "contracts/j.odcs.json")
    args = (
        "check",
        "--changed-only",
        "--no-data",
        "--no-policy",
        "--no-reports",
        "--no-history",
        "--format",
        "json",
    )
    proc = invoke(*args, "contracts/j.odcs.json", cwd=repo, env={**LOCAL, "PRE_COMMIT": "1"})
    (product,) = json.loads(proc.stdout)["products"]
    assert product["previous_version"] == "1.0.0", proc.stderr
    assert any(c["kind"] == "breaking" and c["field"] == "jay.n" for c in product["changes"])


def test_previous_version_from_git_is_read_as_json() -> None:
    from meshguard.sensitivity import SensitivityMap
    from meshguard.versioning.previous import parse_previous

    previous = parse_previous('{"id": "jay", "limit": 1e5}', "HEAD:contracts/j.odcs.json", SensitivityMap())
    assert previous.doc == {"id": "jay", "limit": 100000.0}
    broken = parse_previous('{"id": "jay",}', "HEAD:contracts/j.odcs.json", SensitivityMap())
    assert broken.error == "invalid JSON: Expecting property name enclosed in double quotes"
    assert broken.line == 1
