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


def invoke(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the ``meshguard`` command line in this process, through the same entry point as the
    installed command (:func:`meshguard.cli.main`: its one-line errors and exit codes), and
    return what :func:`run_cli` returns: exit status, stdout and stderr as text.

    For tests of what a command does. A test whose subject is the process itself (start-up,
    imports, signals, a hang bounded by ``timeout``, the installed entry point) uses
    :func:`run_cli`. ``timeout`` is accepted for the same signature and not enforced here.
    The environment and working directory are restored afterwards; nothing is a TTY, as in
    :func:`run_cli`."""
    import io
    import traceback

    from click.testing import CliRunner

    from meshguard.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    code: int = 0
    with CliRunner().isolation(env=env) as (out, err, _):
        if "MESHGUARD_DEBUG" not in (env or {}):
            os.environ.pop("MESHGUARD_DEBUG", None)
        os.chdir(cwd or PROJECT)
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if not isinstance(exc.code, int | None):
                print(exc.code, file=sys.stderr)
        except Exception:  # what the interpreter would print for an uncaught error (--debug)
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        texts = [
            io.TextIOWrapper(io.BytesIO(s.getvalue()), encoding="utf-8", newline=None).read()
            for s in (out, err)
        ]
    return subprocess.CompletedProcess(["meshguard", *args], code, texts[0], texts[1])


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """The command line, run in this process (see :func:`invoke`)."""
    return invoke


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
