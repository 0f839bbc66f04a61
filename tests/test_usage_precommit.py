"""The real `pre-commit` tool running meshguard's hooks in temporary git repos.

pre-commit clones the hook repo from git and installs meshguard into an
environment of its own (from the package registry), so the project is
snapshotted once into a temporary git repo (its working tree as it is, committed)
and PRE_COMMIT_HOME is shared by every test of this module: the environment is
built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT
from usage_helpers import GIT_ENV, contract, git, init_repo

pytestmark = pytest.mark.slow

HOOKS = ("meshguard-lint", "meshguard-check", "meshguard-diff", "meshguard-policy-test")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The project as a git repo at one commit (what a `rev:` pins)."""
    snap = tmp_path_factory.mktemp("meshguard-hook-repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = PROJECT / rel
        if src.is_file() and not rel.startswith(("benchmarks/_work/", "tests/")):
            dest = snap / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
    init_repo(snap)
    git(snap, "add", "-A")
    git(snap, "commit", "-q", "-m", "snapshot")
    return snap, git(snap, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def pc_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def precommit(
    *args: str, cwd: Path, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), **(env or {})}
    full.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_hook_definitions_are_valid() -> None:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == list(HOOKS)
    for h in hooks:
        assert h["language"] == "python" and h["entry"].startswith("meshguard ")
        assert h["files"]
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(PROJECT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_try_repo_lint(tmp_path: Path, hook_repo: tuple[Path, str], pc_home: Path) -> None:
    repo_path, rev = hook_repo
    domain = init_repo(
        tmp_path / "domain",
        {
            "contracts/good.odcs.yaml": contract("good"),
            "contracts/bad.odcs.yaml": contract("bad", "      - name: notes\n"),
        },
        commit=False,
    )
    git(domain, "add", "-A")
    ok = precommit(
        "try-repo",
        str(repo_path),
        "meshguard-lint",
        "--ref",
        rev,
        "--files",
        "contracts/good.odcs.yaml",
        cwd=domain,
        home=pc_home,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "meshguard lint" in ok.stdout and "Passed" in ok.stdout
    bad = precommit(
        "try-repo",
        str(repo_path),
        "meshguard-lint",
        "--ref",
        rev,
        "--files",
        "contracts/bad.odcs.yaml",
        cwd=domain,
        home=pc_home,
    )
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "contracts/bad.odcs.yaml" in bad.stdout and "MG013" in bad.stdout
