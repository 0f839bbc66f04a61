"""Central policies named by git URL + ref in a domain repo's meshguard.yaml: fetched once, cached."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import run_cli
from meshguard.config import load_config
from meshguard.errors import ConfigError, UnavailableError
from meshguard.policy import remote as remote_policies
from usage_helpers import contract, git, init_repo


@pytest.fixture
def governance(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "governance", {"policies/gdpr.rego": "package meshguard.gdpr\n# v1\n"})
    git(repo, "tag", "v1")
    (repo / "policies/gdpr.rego").write_text("package meshguard.gdpr\n# v2\n")
    git(repo, "commit", "-qam", "v2")
    return repo


def _domain(tmp_path: Path, policies: str) -> Path:
    return init_repo(
        tmp_path / "domain",
        {"meshguard.yaml": f"policies:\n{policies}", "contracts/a.odcs.yaml": contract("alpha")},
    )


def test_git_policies_are_fetched_once_at_the_ref(
    tmp_path: Path, governance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("MESHGUARD_CACHE_DIR", str(cache))
    domain = _domain(tmp_path, f"  git: {governance}\n  ref: v1\n  subdir: policies\n")
    config = remote_policies.resolve(load_config(domain))
    folder = config.policies_path
    assert folder.is_relative_to(cache)
    assert "# v1" in (folder / "gdpr.rego").read_text()
    # cached: the origin can disappear, the next run still has the policies, without git traffic
    moved = tmp_path / "moved"
    shutil.move(governance, moved)
    again = remote_policies.resolve(load_config(domain))
    assert again.policies_path == folder
    # another ref is another cache entry
    commit = git(moved, "rev-parse", "HEAD").stdout.strip()
    (domain / "meshguard.yaml").write_text(
        f"policies:\n  git: {moved}\n  ref: {commit}\n  subdir: policies\n"
    )
    head = remote_policies.resolve(load_config(domain)).policies_path
    assert head != folder and "# v2" in (head / "gdpr.rego").read_text()


def test_relative_git_path_and_override(
    tmp_path: Path, governance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESHGUARD_CACHE_DIR", str(tmp_path / "cache"))
    domain = _domain(tmp_path, "  git: ../governance\n  subdir: policies\n")
    resolved = remote_policies.resolve(load_config(domain))
    assert "# v2" in (resolved.policies_path / "gdpr.rego").read_text()
    local = tmp_path / "local-policies"
    local.mkdir()
    assert remote_policies.resolve(load_config(domain), local).policies_path == local.resolve()


def test_bad_source_fails_closed(tmp_path: Path, governance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESHGUARD_CACHE_DIR", str(tmp_path / "cache"))
    domain = _domain(tmp_path, f"  git: {governance}\n  ref: no-such-tag\n")
    with pytest.raises(UnavailableError, match="no-such-tag"):
        remote_policies.resolve(load_config(domain))
    (domain / "meshguard.yaml").write_text(f"policies:\n  git: {governance}\n  subdir: nope\n")
    with pytest.raises(ConfigError, match="nope"):
        remote_policies.resolve(load_config(domain))
    (domain / "meshguard.yaml").write_text(f"policies:\n  git: {tmp_path / 'missing'}\n")
    proc = run_cli("check", "--no-data", cwd=domain, env={"MESHGUARD_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "cannot fetch the policies" in proc.stderr and "Traceback" not in proc.stderr
