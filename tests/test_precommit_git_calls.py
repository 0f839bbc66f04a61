"""The git processes the pre-commit hook starts: every one is paid on every commit.

A ``git`` on PATH that records its arguments, then runs the real git, shows what the hook's
versioning asks: the work tree and the commit ``HEAD`` names come from one ``rev-parse``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from conftest import PROJECT
from usage_helpers import contract, git, init_repo

HOOK = ["check", "--changed-only", "--no-data", "--no-policy", "--no-reports", "--no-history"]


def _recording_git(tmp_path: Path, slow: str = "") -> tuple[Path, Path]:
    """A git that logs its arguments as it starts; ``slow``: a shell pattern of arguments
    (``diff*``) for which it waits half a second first."""
    real = shutil.which("git")
    assert real is not None
    folder, log = tmp_path / "bin", tmp_path / "git-calls.log"
    folder.mkdir()
    shim = folder / "git"
    wait = f'case "$*" in {slow}) sleep 0.5;; esac\n' if slow else ""
    shim.write_text(f'#!/bin/sh\n{wait}printf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    return folder, log


def _hook(
    repo: Path, rel: str, tmp_path: Path, slow: str = "", options: Sequence[str] = HOOK
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    folder, log = _recording_git(tmp_path, slow)
    env = {
        **os.environ,
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT / "src"),
        "PRE_COMMIT": "1",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "meshguard", *options, "--format", "json", rel],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return proc, calls


def test_the_work_tree_and_head_come_from_one_git_call(tmp_path: Path) -> None:
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    path = repo / rel
    # a breaking change (a property removed) without a major bump: found only against HEAD
    text = path.read_text()
    kept = (
        text[: text.index("      - name: orders_id")] + "      - name: other\n        logicalType: string\n"
    )
    path.write_text(kept.replace("version: 1.0.0", "version: 1.0.1"))
    git(repo, "add", "-A")
    proc, calls = _hook(repo, rel, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "orders_id" in proc.stdout  # the change against the committed version was found
    heads = [c for c in calls if "HEAD^{commit}" in c]
    assert len(heads) == 1 and "--show-toplevel" in heads[0], calls
    assert not [c for c in calls if c == "rev-parse --show-toplevel"], calls


def test_a_first_commit_has_no_previous_version(tmp_path: Path) -> None:
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo",
        {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"},
        commit=False,
    )
    git(repo, "add", "-A")
    proc, calls = _hook(repo, rel, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert any("--show-toplevel" in c for c in calls), calls
    assert _commit_of(proc) is None  # HEAD names no commit yet


def test_the_slow_git_calls_overlap(tmp_path: Path) -> None:
    """The untracked files are listed while the diff runs: with the diff and the work-tree
    lookup made slow, the listing starts (and is logged) before the diff. One after the other,
    the listing would come after the diff."""
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    path = repo / rel
    path.write_text(path.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    proc, calls = _hook(repo, rel, tmp_path, slow="diff*|*--show-toplevel*")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["git_commit"] == git(repo, "rev-parse", "HEAD").stdout.strip()
    first = {p: next(i for i, c in enumerate(calls) if c.startswith(p)) for p in ("diff", "ls-files")}
    assert first["ls-files"] < first["diff"], calls  # the listing before the diff
    assert len(calls) == 4, calls


def _commit_of(proc: subprocess.CompletedProcess[str]) -> str | None:
    commit: str | None = json.loads(proc.stdout)["git_commit"]
    return commit


def test_the_commit_recorded_is_the_one_versioning_found(tmp_path: Path) -> None:
    """The commit ``HEAD`` names comes with the work tree from versioning's one ``rev-parse``:
    no ``git rev-parse HEAD`` of its own for the result's ``git_commit``."""
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    proc, calls = _hook(repo, rel, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _commit_of(proc) == git(repo, "rev-parse", "HEAD").stdout.strip()
    assert [c for c in calls if c.startswith("rev-parse")] == [
        "rev-parse --show-toplevel --verify --quiet --end-of-options HEAD^{commit}"
    ], calls


def test_a_governance_repo_inside_a_larger_repository_records_its_commit(tmp_path: Path) -> None:
    """The repo's root is a folder of a larger work tree: the work tree versioning found for the
    contracts holds the root, so it is the root's repository too."""
    rel = "governance/contracts/orders.odcs.yaml"
    outer = init_repo(
        tmp_path / "outer",
        {
            rel: contract("orders"),
            "governance/meshguard.yaml": "contracts: {dir: contracts}\n",
            "README": "x\n",
        },
    )
    proc, calls = _hook(outer / "governance", "contracts/orders.odcs.yaml", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _commit_of(proc) == git(outer, "rev-parse", "HEAD").stdout.strip()
    assert "rev-parse HEAD" not in calls, calls


def test_contracts_in_a_nested_repository_do_not_name_the_roots_commit(tmp_path: Path) -> None:
    """The contracts folder is a repository of its own inside the governance repo: what versioning
    found there is not the root's commit, which is asked of git at the root."""
    root = init_repo(tmp_path / "repo", {"meshguard.yaml": "contracts: {dir: contracts}\n"})
    nested = init_repo(root / "contracts", {"orders.odcs.yaml": contract("orders"), "notes.md": "n\n"})
    assert git(nested, "rev-parse", "HEAD").stdout != git(root, "rev-parse", "HEAD").stdout
    proc, calls = _hook(root, "contracts/orders.odcs.yaml", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _commit_of(proc) == git(root, "rev-parse", "HEAD").stdout.strip()
    assert "rev-parse HEAD" in calls, calls


def test_without_versioning_the_commit_is_asked_before_the_pipeline_runs(tmp_path: Path) -> None:
    """No versioning, no work-tree lookup: the commit is asked first (git answers while the
    pipeline runs) and recorded."""
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    proc, calls = _hook(repo, rel, tmp_path, options=[*HOOK, "--no-versioning"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _commit_of(proc) == git(repo, "rev-parse", "HEAD").stdout.strip()
    assert calls[0] == "rev-parse HEAD", calls


def _breaking(text: str) -> str:
    """A property removed without a major bump: found only against the committed version."""
    kept = (
        text[: text.index("      - name: orders_id")] + "      - name: other\n        logicalType: string\n"
    )
    return kept.replace("version: 1.0.0", "version: 1.0.1")


def test_the_changed_contract_is_read_while_the_diff_runs(tmp_path: Path) -> None:
    """Its committed version is asked beside the diff: with the diff made slow, the ``show``
    starts (and is logged) first; one after the other it would wait for the diff."""
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    path = repo / rel
    path.write_text(_breaking(path.read_text()))
    proc, calls = _hook(repo, rel, tmp_path, slow="diff*")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "orders_id" in proc.stdout  # compared with the committed version
    shows = [i for i, c in enumerate(calls) if c.startswith("show ")]
    diff = next(i for i, c in enumerate(calls) if c.startswith("diff"))
    assert len(shows) == 1 and shows[0] < diff, calls
    assert calls[shows[0]].endswith(":" + rel), calls
    assert len(calls) == 4, calls  # rev-parse (work tree and HEAD), ls-files, show, diff


def test_a_renamed_contract_is_still_compared_with_its_old_file(tmp_path: Path) -> None:
    """The file read beside the diff is not at the base under its new name: the diff names the
    old one, which is read then."""
    old, new = "contracts/orders.odcs.yaml", "contracts/sales/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {old: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    (repo / "contracts" / "sales").mkdir()
    git(repo, "mv", old, new)
    (repo / new).write_text(_breaking((repo / new).read_text()))
    git(repo, "add", "-A")
    # the read under the new name is killed once the diff says "renamed": it is logged only if
    # the recording git got that far first (a show that waits, as under load, is killed before)
    for slow in ("", "show*"):
        (tmp_path / slow.strip("*")).mkdir(exist_ok=True)
        proc, calls = _hook(repo, new, tmp_path / slow.strip("*"), slow)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "orders_id" in proc.stdout
        shows = [c.rpartition(":")[2] for c in calls if c.startswith("show ")]
        assert shows in ([new, old], [old]), calls


def test_an_added_contract_has_no_previous_version(tmp_path: Path) -> None:
    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo",
        {"contracts/other.odcs.yaml": contract("other"), "meshguard.yaml": "contracts: {dir: contracts}\n"},
    )
    (repo / rel).write_text(contract("orders"))
    git(repo, "add", "-A")
    proc, _ = _hook(repo, rel, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["products"][0]["changes"] == [], proc.stdout


def test_the_early_read_is_kept_only_for_a_file_changed_in_place(tmp_path: Path) -> None:
    from meshguard.versioning.previous import GitBase

    kept, old, new = "contracts/a.odcs.yaml", "contracts/b.odcs.yaml", "contracts/c.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {kept: contract("a"), old: contract("b"), "meshguard.yaml": "contracts: {}\n"}
    )
    (repo / kept).write_text(_breaking(contract("a").replace("a_id", "orders_id")))
    git(repo, "mv", old, new)
    for expect, early in ((kept, True), (new, False), ("contracts/none.odcs.yaml", False)):
        base = GitBase.open(repo, "HEAD", expect=expect)
        assert (base.early is not None) == early, expect
        if base.early is not None:
            proc = base._show(expect)
            assert proc.returncode == 0 and b"version: 1.0.0" in proc.stdout
            assert base.early is None  # taken once


def test_each_run_records_the_commit_of_its_own_time(tmp_path: Path) -> None:
    """Two runs in one process with a commit between them: the second records the new commit,
    not what the first run's versioning found."""
    import meshguard

    rel = "contracts/orders.odcs.yaml"
    repo = init_repo(
        tmp_path / "repo", {rel: contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"}
    )
    options = meshguard.CheckOptions(with_data=False, with_policy=False)
    commits = []
    for n in range(2):
        commits.append(meshguard.check(repo, options=options).git_commit)
        (repo / "notes.md").write_text(f"note {n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"note {n}")
    assert commits[0] != commits[1]
    assert commits[1] == git(repo, "rev-parse", "HEAD~1").stdout.strip()
