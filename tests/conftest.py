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
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m meshguard`` as a user would, in a fresh process."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(PROJECT / "src") + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("MESHGUARD_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "meshguard", *args],
        cwd=cwd or PROJECT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


def odcs_examples() -> list[Path]:
    return sorted(ODCS_EXAMPLES.glob("*/*.odcs.yaml"))
