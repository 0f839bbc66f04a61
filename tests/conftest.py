"""Shared fixtures: paths to the project, its example repo and the shared conformance material."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
ODCS_EXAMPLES = SHARED / "conformance" / "odcs"


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m meshguard`` as a user would, in a fresh process.

    ``timeout`` only bounds a hang (the test then fails with TimeoutExpired): tests claim no
    speed, benchmarks/ measures it."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(PROJECT / "src") + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("MESHGUARD_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "meshguard", *args],
        cwd=cwd or PROJECT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """One headless Chromium (the system's) per test session (per worker with pytest-xdist);
    each test opens its own pages. See tests/browser.py."""
    from browser import Browser, chromium_binary

    binary = chromium_binary()
    assert binary, "chromium is not installed (scripts/test.sh installs it)"
    b = Browser(binary)
    try:
        yield b
    finally:
        b.close()


def odcs_examples() -> list[Path]:
    return sorted(ODCS_EXAMPLES.glob("*/*.odcs.yaml"))
