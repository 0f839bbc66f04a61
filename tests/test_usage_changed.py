"""`check --changed-only` and file arguments: only the products whose contract or sample data changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import invoke
from meshguard.ci.gitfiles import changed_files
from meshguard.ci.scope import select
from meshguard.config import load_config
from meshguard.errors import UsageError
from usage_helpers import contract, git, init_repo

BROKEN = "      - name: notes\n"  # no logicalType: MG013 error
#: a developer's machine, even when the tests themselves run in CI
LOCAL = {"CI": "", "GITHUB_ACTIONS": "", "GITLAB_CI": "", "MESHGUARD_BASE_REF": ""}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(
        tmp_path / "domain",
        {
            "contracts/a.odcs.yaml": contract("alpha", server="data/a.csv"),
            "contracts/b.odcs.yaml": contract("beta", server="data/b.csv"),
            "contracts/orders/1.0.0.odcs.yaml": contract("orders"),
            "contracts/orders/2.0.0.odcs.yaml": contract("orders").replace("1.0.0", "2.0.0"),
            "data/a.csv": "alpha_id\n1\n",
            "data/b.csv": "beta_id\n1\n",
            "README.md": "domain repo\n",
        },
    )


def _check(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    """Exit code, checked product ids and all output of `meshguard check ARGS --format json`."""
    proc = invoke(
        "check",
        *args,
        "--format",
        "json",
        "--no-reports",
        "--no-history",
        cwd=repo,
        env={**LOCAL, **(env or {})},
    )
    out = proc.stdout + proc.stderr
    if not proc.stdout.lstrip().startswith("{"):
        return proc.returncode, [], out
    return proc.returncode, sorted(p["id"] for p in json.loads(proc.stdout)["products"]), out


def test_nothing_changed_checks_nothing(repo: Path) -> None:
    proc = invoke("check", "--changed-only", "--no-data", cwd=repo, env=LOCAL)
    assert proc.returncode == 0, proc.stderr
    assert "no changed contract or sample data" in proc.stdout
    assert not (repo / "reports").exists()


def test_changed_contract_is_the_only_product_checked(repo: Path) -> None:
    (repo / "contracts/b.odcs.yaml").write_text(contract("beta", BROKEN, server="data/b.csv"))
    (repo / "README.md").write_text("edited\n")
    code, ids, out = _check(repo, "--changed-only", "--no-data")
    assert code == 1, out
    assert ids == ["beta"]
    assert "contracts/b.odcs.yaml" in out and "MG013" in out


def test_changed_sample_data_selects_its_product(repo: Path) -> None:
    (repo / "data/a.csv").write_text("alpha_id\n1\n2\n")
    scope = select(changed_files(repo), load_config(repo))
    assert [p.relative_to(repo).as_posix() for p in scope.contracts] == ["contracts/a.odcs.yaml"]
    code, ids, out = _check(repo, "--changed-only", "--no-data")
    assert code == 0, out
    assert ids == ["alpha"]


def test_older_version_stands_for_its_product_and_untracked_files_count(repo: Path) -> None:
    (repo / "contracts/orders/1.0.0.odcs.yaml").write_text(contract("orders") + "# touched\n")
    (repo / "contracts/c.odcs.yaml").write_text(contract("gamma"))  # untracked, not ignored
    scope = select(changed_files(repo), load_config(repo))
    names = sorted(p.relative_to(repo).as_posix() for p in scope.contracts)
    assert names == ["contracts/c.odcs.yaml", "contracts/orders/2.0.0.odcs.yaml"]


def test_files_given_are_the_changed_set_as_pre_commit_passes_them(repo: Path) -> None:
    code, ids, out = _check(
        repo, "--changed-only", "--no-data", "contracts/a.odcs.yaml", "README.md", "data/b.csv"
    )
    assert code == 0, out
    assert ids == ["alpha", "beta"]


def test_base_ref_compares_against_the_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "contracts/b.odcs.yaml").write_text(contract("beta", BROKEN, server="data/b.csv"))
    git(repo, "commit", "-qam", "break beta")
    assert changed_files(repo) == []  # clean tree: nothing against HEAD
    changed = changed_files(repo, ("origin/main", "main"))
    assert [p.name for p in changed] == ["b.odcs.yaml"]
    code, ids, out = _check(repo, "--changed-only", "--no-data", "--base", "main")
    assert code == 1 and ids == ["beta"] and "MG013" in out
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main"}
    code, ids, out = _check(repo, "--ci", "--changed-only", "--no-data", env=env)
    assert code == 1 and ids == ["beta"], out


def test_unknown_base_ref_and_no_repo_are_usage_errors(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not in this clone"):
        changed_files(repo, ("origin/nope",))
    proc = invoke("check", "--changed-only", "--base", "nope", cwd=repo, env=LOCAL)
    assert proc.returncode == 2 and "nope" in proc.stderr and "Traceback" not in proc.stderr
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = invoke("check", "--changed-only", cwd=plain, env=LOCAL)
    assert proc.returncode == 2 and "git repository" in proc.stderr


def test_in_ci_without_a_base_ref_everything_is_checked(repo: Path) -> None:
    """Fail closed: a committed breaking change on a CI checkout with no base ref is not "nothing"."""
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "contracts/b.odcs.yaml").write_text(contract("beta", BROKEN, server="data/b.csv"))
    git(repo, "commit", "-qam", "break beta")
    for args, env in (
        (("--ci",), {"CI": "true"}),
        ((), {"CI": "true"}),
        (("--ci",), {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}),
    ):
        code, ids, out = _check(repo, *args, "--changed-only", "--no-data", env=env)
        assert code == 1, out
        assert ids == ["alpha", "beta", "orders"], out
        assert "no base ref in this CI environment" in out and "checking every contract" in out
    # outside CI the working tree is compared with HEAD, as documented
    proc = invoke("check", "--changed-only", "--no-data", cwd=repo, env=LOCAL)
    assert proc.returncode == 0 and "no changed contract" in proc.stdout
