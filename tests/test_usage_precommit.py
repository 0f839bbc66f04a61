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
from policykit import POLICIES
from usage_helpers import GIT_ENV, contract, git, init_repo

pytestmark = pytest.mark.slow

HOOKS = ("meshguard-lint", "meshguard-check", "meshguard-diff", "meshguard-policy-test")

BREAKABLE = """\
      - name: segment
        logicalType: string
        description: Marketing segment.
        classification: internal
"""
#: meets the project's policy pack (owner team, support, quality rule, freshness and retention SLAs)
COMPLIANT = (
    """\
apiVersion: v3.1.0
kind: DataContract
id: customers
name: Customers
version: 1.0.0
status: active
domain: sales
description:
  purpose: Customer master data for order processing.
team:
  name: sales-team
  members:
    - username: owner@example.com
      role: owner
support:
  - channel: "#sales-data"
    url: https://chat.example.com/sales-data
slaProperties:
  - property: freshness
    value: 1
    unit: d
    element: customers.updated_at
  - property: retention
    value: 3
    unit: y
schema:
  - name: customers
    quality:
      - type: library
        metric: rowCount
        mustBeGreaterThan: 0
    properties:
      - name: customer_id
        logicalType: integer
        primaryKey: true
        required: true
        description: Customer number.
        classification: internal
      - name: updated_at
        logicalType: timestamp
        description: Last change.
        classification: internal
"""
    + BREAKABLE
)
PII_FINDING = "GDPR-001"


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


def try_repo(hook: str, files: list[str], cwd: Path, hook_repo: tuple[Path, str], home: Path):  # type: ignore[no-untyped-def]
    repo_path, rev = hook_repo
    return precommit("try-repo", str(repo_path), hook, "--ref", rev, "--files", *files, cwd=cwd, home=home)


def test_try_repo_lint(tmp_path: Path, hook_repo: tuple[Path, str], pc_home: Path) -> None:
    domain = init_repo(
        tmp_path / "domain",
        {
            "contracts/good.odcs.yaml": contract("good"),
            "contracts/bad.odcs.yaml": contract("bad", "      - name: notes\n"),
        },
        commit=False,
    )
    git(domain, "add", "-A")
    ok = try_repo("meshguard-lint", ["contracts/good.odcs.yaml"], domain, hook_repo, pc_home)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "meshguard lint" in ok.stdout and "Passed" in ok.stdout
    bad = try_repo("meshguard-lint", ["contracts/bad.odcs.yaml"], domain, hook_repo, pc_home)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "contracts/bad.odcs.yaml" in bad.stdout and "MG013" in bad.stdout


def _governance(tmp_path: Path) -> Path:
    """The central governance repo: the project's policy pack, tagged v1."""
    repo = tmp_path / "governance"
    shutil.copytree(POLICIES, repo / "policies")
    init_repo(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "policies")
    git(repo, "tag", "v1")
    return repo


class Domain:
    """A domain repo whose .pre-commit-config.yaml uses meshguard's hooks, installed as git hooks,
    with its policies in a central governance repo (meshguard.yaml: git URL + ref)."""

    def __init__(self, tmp_path: Path, hook_repo: tuple[Path, str], home: Path) -> None:
        repo_path, rev = hook_repo
        governance = _governance(tmp_path)
        hooks = [{"id": "meshguard-lint"}, {"id": "meshguard-check"}, {"id": "meshguard-diff"}]
        config = {"repos": [{"repo": str(repo_path), "rev": rev, "hooks": hooks}]}
        self.cache = tmp_path / "cache"
        self.home = home
        self.env = {"MESHGUARD_CACHE_DIR": str(self.cache)}
        self.path = init_repo(
            tmp_path / "domain",
            {
                ".pre-commit-config.yaml": yaml.safe_dump(config),
                "meshguard.yaml": f"policies:\n  git: {governance}\n  ref: v1\n  subdir: policies\n",
                "contracts/customers.odcs.yaml": COMPLIANT,
            },
            commit=False,
        )
        installed = precommit("install", cwd=self.path, home=home, env=self.env)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        self.contract = self.path / "contracts/customers.odcs.yaml"

    def commit(self, message: str) -> subprocess.CompletedProcess[str]:
        git(self.path, "add", "-A")
        full = {**os.environ, **GIT_ENV, **self.env, "PRE_COMMIT_HOME": str(self.home)}
        full.pop("PYTHONPATH", None)
        return subprocess.run(
            ["git", "commit", "-m", message],
            cwd=self.path,
            env=full,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def commits(self) -> int:
        return int(git(self.path, "rev-list", "--count", "HEAD").stdout.strip())


def test_installed_hooks_pass_compliant_and_block_breaking(
    tmp_path: Path, hook_repo: tuple[Path, str], pc_home: Path
) -> None:
    domain = Domain(tmp_path, hook_repo, pc_home)
    first = domain.commit("compliant contract")
    out = first.stdout + first.stderr  # git shows the hooks' output on stderr
    assert first.returncode == 0, out
    assert "meshguard check" in out and "Passed" in out
    assert "Failed" not in out
    assert (domain.cache / "policies").is_dir()  # central policies fetched once, cached

    # removing a column is breaking: without a major version bump meshguard-diff blocks it
    domain.contract.write_text(COMPLIANT.replace(BREAKABLE, ""))
    breaking = domain.commit("drop a column")
    out = breaking.stdout + breaking.stderr
    assert breaking.returncode != 0, out
    assert "meshguard diff" in out and "Failed" in out
    assert "MGV001" in out and "need a major bump" in out, out
    assert domain.commits() == 1
    domain.contract.write_text(COMPLIANT.replace(BREAKABLE, "").replace("version: 1.0.0", "version: 2.0.0"))
    major = domain.commit("drop a column, major bump")
    assert major.returncode == 0, major.stdout + major.stderr
    assert domain.commits() == 2


PII_FIELD = """\
      - name: email
        logicalType: string
        description: Contact e-mail address.
        tags: [pii]
"""


def test_installed_hook_blocks_a_pii_field_without_classification(
    tmp_path: Path, hook_repo: tuple[Path, str], pc_home: Path
) -> None:
    domain = Domain(tmp_path, hook_repo, pc_home)
    assert domain.commit("compliant contract").returncode == 0
    # a new personal-data field (tagged pii) with no classification: GDPR-001 denies the commit
    domain.contract.write_text(COMPLIANT.replace("version: 1.0.0", "version: 1.1.0") + PII_FIELD)
    blocked = domain.commit("add e-mail")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "meshguard check" in out and "Failed" in out
    assert PII_FINDING in out and "customers.email has no classification" in out, out
    assert domain.commits() == 1
    # classified, the same change goes through
    classified = PII_FIELD.replace("tags: [pii]", "tags: [pii]\n        classification: restricted")
    domain.contract.write_text(COMPLIANT.replace("version: 1.0.0", "version: 1.1.0") + classified)
    passed = domain.commit("add e-mail, classified")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert domain.commits() == 2
