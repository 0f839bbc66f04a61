"""meshguard's own process starts numpy's BLAS with one thread (no linear algebra runs in it, and
each further thread spins for a while once started: ~0.05 CPU s of a data check) and polars'
allocator with one arena (a streamed check's peak memory then stays flat as the rows grow); a
value the user set is kept, and a program calling the command line with arguments is left as it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from meshguard import cli

SHOW = """
import atexit, os, sys
sys.argv = ["meshguard", "--version"]
from meshguard import cli
atexit.register(lambda: print("blas", os.environ.get("OPENBLAS_NUM_THREADS")))
atexit.register(lambda: print("arenas", os.environ.get(cli.ALLOCATOR)))
cli.main()
"""


def _blas(env: dict[str, str], what: str = "blas") -> str:
    out = subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True, env=env, check=False)
    return next(line for line in out.stdout.splitlines() if line.startswith(what))


def test_the_commands_process_starts_blas_with_one_thread() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _blas(env) == "blas 1"
    assert _blas({**env, "OPENBLAS_NUM_THREADS": "4"}) == "blas 4"


def test_the_commands_process_starts_polars_allocator_with_one_arena() -> None:
    env = {k: v for k, v in os.environ.items() if k != cli.ALLOCATOR}
    assert _blas(env, "arenas") == "arenas narenas:1"
    assert _blas({**env, cli.ALLOCATOR: "narenas:4"}, "arenas") == "arenas narenas:4"


def test_a_program_calling_the_command_line_keeps_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv(cli.ALLOCATOR, raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert "OPENBLAS_NUM_THREADS" not in os.environ and cli.ALLOCATOR not in os.environ
