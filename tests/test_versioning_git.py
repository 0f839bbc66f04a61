"""The previous version from git, in real temporary repositories, through the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import invoke
from meshguard.config import load_config
from meshguard.pipeline import run
from meshguard.stages import RunOptions
from versioning_helpers import base_doc, dump, remove_prop

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}
#: outside CI, with no CI branch variables: the default base is HEAD
LOCAL = {"CI": "", "GITHUB_BASE_REF": "", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "", "CI_DEFAULT_BRANCH": ""}
CONTRACT = "contracts/orders.odcs.yaml"


def git(repo: Path, *args: str) -> str:
    import os

    proc = subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def write(repo: Path, doc: dict, path: str = CONTRACT) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump(doc), encoding="utf-8")


def breaking(version: str) -> dict:
    doc = base_doc()
    remove_prop(doc, "quantity")
    doc["version"] = version
    return doc


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: one commit with orders 1.1.0."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    write(r, base_doc())
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "orders 1.1.0")
    return r


def diff_json(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    proc = invoke(
        "diff", *args, "--format", "json", "--root", str(repo), cwd=repo, env={**LOCAL, **(env or {})}
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, flat(json.loads(proc.stdout))


def flat(doc: dict) -> dict:
    """The diff's results model (one product) as the fields these tests read."""
    (product,) = doc["products"]
    assert doc["command"] == "diff"
    return {
        "previous": doc["summary"]["previous"],
        "summary": doc["summary"]["changes"],
        "changes": product["changes"],
        "findings": product["findings"],
    }


def test_staged_change_against_head(repo: Path) -> None:
    write(repo, breaking("1.2.0"))
    git(repo, "add", CONTRACT)
    code, out = diff_json(repo, CONTRACT, "--base", "HEAD")
    assert code == 1
    assert out["previous"] == {"path": f"HEAD:{CONTRACT}", "version": "1.1.0"}
    assert [c["rule_id"] for c in out["changes"]] == ["MGV110"]
    assert [f["rule_id"] for f in out["findings"]] == ["MGV001"]
    # pre-commit default (no --base, not in CI): HEAD as well
    code2, out2 = diff_json(repo, CONTRACT)
    assert (code2, out2["changes"]) == (code, out["changes"])


def test_branch_against_main_and_ci_default(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, breaking("2.0.0"))
    git(repo, "commit", "-qam", "orders 2.0.0")
    code, out = diff_json(repo, CONTRACT, "--base", "main")
    assert code == 0  # breaking, but correctly bumped
    assert out["summary"]["breaking"] == 1 and out["previous"]["version"] == "1.1.0"
    # in CI, without --base: the merge-base with the default branch
    code_ci, out_ci = diff_json(repo, CONTRACT, env={"CI": "true"})
    assert (code_ci, out_ci["changes"]) == (code, out["changes"])
    # HEAD itself has no change against the committed file
    _, same = diff_json(repo, CONTRACT, "--base", "HEAD")
    assert same["changes"] == [] and same["previous"]["version"] == "2.0.0"


def test_pipeline_fills_changes_and_semver_findings(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, breaking("1.2.0"))
    git(repo, "commit", "-qam", "orders 1.2.0 (wrong bump)")
    config = load_config(repo, None)
    mesh = run(config, [repo / "contracts"], RunOptions(mode="ci", base_ref="main"))
    (product,) = mesh.products
    assert product.previous_version == "1.1.0"
    assert [c.rule_id for c in product.changes] == ["MGV110"]
    assert "MGV001" in [f.rule_id for f in product.findings]
    assert product.to_dict()["changes"][0]["severity"] == "error"
    off = run(config, [repo / "contracts"], RunOptions(mode="ci", base_ref="main", with_versioning=False))
    assert off.products[0].changes == []


def test_renamed_file_follows_the_rename(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "move")
    moved = "contracts/ecommerce/orders.odcs.yaml"
    (repo / "contracts/ecommerce").mkdir()
    git(repo, "mv", CONTRACT, moved)
    doc = base_doc()
    doc["schema"][0]["properties"][4]["physicalType"] = "bigint"  # quantity int → bigint
    doc["version"] = "1.2.0"
    write(repo, doc, moved)
    git(repo, "commit", "-qam", "move orders")
    code, out = diff_json(repo, moved, "--base", "main")
    assert code == 0
    assert out["previous"] == {"path": f"main:{CONTRACT}", "version": "1.1.0"}
    assert [(c["rule_id"], c["kind"]) for c in out["changes"]] == [("MGV122", "non-breaking")]


def test_first_commit_has_no_previous_version(tmp_path: Path) -> None:
    r = tmp_path / "fresh"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    write(r, base_doc())
    git(r, "add", ".")
    code, out = diff_json(r, CONTRACT, "--base", "HEAD")
    assert code == 0 and out["previous"] is None and out["changes"] == []
    # a contract new on a branch has no previous version on main either
    git(r, "commit", "-qm", "first")
    git(r, "checkout", "-q", "-b", "feature")
    write(r, base_doc(), "contracts/other.odcs.yaml")
    git(r, "add", ".")
    git(r, "commit", "-qm", "other")
    code, out = diff_json(r, "contracts/other.odcs.yaml", "--base", "main")
    assert code == 0 and out["previous"] is None


def test_detached_head(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, breaking("1.1.1"))
    git(repo, "commit", "-qam", "wrong bump")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach", sha)
    code, out = diff_json(repo, CONTRACT, "--base", "main")
    assert code == 1 and [f["rule_id"] for f in out["findings"]] == ["MGV001"]
    code_ci, out_ci = diff_json(repo, CONTRACT, env={"CI": "true"})
    assert code_ci == 1 and out_ci["previous"]["version"] == "1.1.0"


def test_shallow_clone_without_the_base_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, breaking("2.0.0"))
    git(repo, "commit", "-qam", "2.0.0")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", f"file://{repo}", str(clone))
    proc = invoke("diff", CONTRACT, "--base", "main", "--root", str(clone), cwd=clone, env=LOCAL)
    assert proc.returncode == 2, proc.stderr
    assert "shallow clone" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_ref_and_not_a_repo_are_bad_input(repo: Path, tmp_path: Path) -> None:
    proc = invoke("diff", CONTRACT, "--base", "no-such-branch", "--root", str(repo), cwd=repo, env=LOCAL)
    assert proc.returncode == 2 and "unknown git ref 'no-such-branch'" in proc.stderr
    quiet = ("--no-data", "--no-policy", "--no-reports", "--no-history")
    proc = invoke("check", "--base", "no-such-branch", *quiet, "--root", str(repo), cwd=repo, env=LOCAL)
    assert proc.returncode == 2 and "unknown git ref 'no-such-branch'" in proc.stderr
    proc = invoke(
        "check", "--base", "HEAD", "--format", "json", *quiet, "--root", str(repo), cwd=repo, env=LOCAL
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["products"][0]["previous_version"] == "1.1.0"
    plain = tmp_path / "plain"
    write(plain, base_doc())
    proc = invoke("diff", CONTRACT, "--base", "main", "--root", str(plain), cwd=plain, env=LOCAL)
    assert proc.returncode == 2 and "not inside a git repository" in proc.stderr
    # without --base outside git: no previous version, no error
    proc = invoke("diff", CONTRACT, "--root", str(plain), cwd=plain, env=LOCAL)
    assert proc.returncode == 0 and "no previous version" in proc.stdout


def test_yaml_of_base_is_unreadable(repo: Path) -> None:
    (repo / CONTRACT).write_text("a: [\n", encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    write(repo, base_doc())
    code, out = diff_json(repo, CONTRACT, "--base", "HEAD")
    assert code == 0 and [f["rule_id"] for f in out["findings"]] == ["MGV006"]
    assert "unreadable" in out["findings"][0]["message"]
