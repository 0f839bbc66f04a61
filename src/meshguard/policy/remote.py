"""Central policies for domain repos: ``policies: {git: URL, ref: REF, subdir: DIR}`` in meshguard.yaml.

The policy repo is cloned once with ``git`` into the user cache
(``$MESHGUARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/meshguard``, else
``~/.cache/meshguard``), keyed by URL + ref, and reused by every later run: a
pre-commit hook never touches the network twice. Pin ``ref`` to a tag or a
commit; delete the cache folder to fetch a moved branch again. A fetch that
fails is an unavailable policy source (exit 3): the gate fails closed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from meshguard.config import Config
from meshguard.digest import sha256
from meshguard.errors import ConfigError, UnavailableError

MARKER = ".meshguard-fetched"
TIMEOUT_S = 300


def cache_root(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("MESHGUARD_CACHE_DIR"):
        return Path(env["MESHGUARD_CACHE_DIR"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "meshguard"
    return Path.home() / ".cache" / "meshguard"


def cache_dir(url: str, ref: str | None, root: Path | None = None) -> Path:
    key = sha256(f"{url}\0{ref or ''}".encode()).hexdigest()[:20]
    return (root or cache_root()) / "policies" / key


def _git(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnavailableError(f"git {args[0]} of the policy repo timed out after {TIMEOUT_S} s") from None


def _clone(url: str, ref: str | None, dest: Path) -> None:
    if ref is None:
        proc = _git("clone", "--quiet", "--depth", "1", url, str(dest))
    else:
        proc = _git("clone", "--quiet", "--depth", "1", "--branch", ref, url, str(dest))
        if proc.returncode != 0:  # not a branch or tag: a commit, which needs the history
            import shutil

            shutil.rmtree(dest, ignore_errors=True)
            proc = _git("clone", "--quiet", url, str(dest))
            if proc.returncode == 0:
                proc = _git("checkout", "--quiet", "--detach", ref, cwd=dest)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]
        shown = f"{url}@{ref}" if ref else url
        raise UnavailableError(f"cannot fetch the policies from {shown}: {detail}")


def fetch(url: str, ref: str | None, root: Path | None = None) -> Path:
    """The checkout of ``url`` at ``ref``, cloned on first use."""
    import shutil  # not at the top: a run whose policies are not in git does without it

    if shutil.which("git") is None:
        raise UnavailableError("policies from a git repo need git on PATH")
    dest = cache_dir(url, ref, root)
    if (dest / MARKER).exists():
        return dest
    import tempfile  # only to clone: a hook reusing the cached checkout does without it

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=dest.parent))
    try:
        checkout = tmp / "repo"
        _clone(url, ref, checkout)
        (checkout / MARKER).write_text(f"{url}\n{ref or ''}\n", encoding="utf-8")
        try:
            checkout.rename(dest)
        except OSError:
            if not (dest / MARKER).exists():  # not a concurrent run that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def resolve(config: Config, override: Path | None = None) -> Config:
    """``config`` with its policies pointing at a local folder: ``override`` (``--policies``)
    wins, then a git source (fetched into the cache), else the configured path."""
    if override is not None:
        return replace(config, policies=replace(config.policies, path=str(override.resolve()), git=None))
    pc = config.policies
    if not pc.git:
        return config
    url = pc.git
    if "://" not in url and ":" not in url and not Path(url).is_absolute():
        url = str((config.root / url).resolve())  # a local path, relative to the repo
    checkout = fetch(url, pc.ref)
    folder = checkout / pc.subdir if pc.subdir else checkout
    if not folder.is_dir():
        raise ConfigError(
            f"policies.subdir {pc.subdir!r} is not a folder of {pc.git}@{pc.ref or 'HEAD'}",
            path=config.source,
        )
    return replace(config, policies=replace(pc, path=str(folder)))
