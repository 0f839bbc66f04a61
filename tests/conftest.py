"""Shared fixtures: paths to the project, its example repo and the shared conformance material."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meshguard import codecache

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
ODCS_EXAMPLES = SHARED / "conformance" / "odcs"

#: The commands this test process runs in-process (``invoke``) read the package's code cache and
#: never write it: what this process compiles through it (pytest's patterns, the test modules'
#: dataclasses, thousands of entries) is not what a command compiles, and every later command
#: would load all of it from ``__pycache__/compiled.*.marshal`` at its start.
codecache.install_regexes(save=False)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for the test: a disk that fills up, or, remounted with
    :func:`read_only`, a read-only file system (which refuses writes to root too, as a root-owned
    site-packages does to a user). Mounting needs root, as scripts/test.sh runs the suite: the
    test fails without it, it is never skipped."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)]
    if os.geteuid() != 0 or subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.fail("tmpfs could not be mounted (run the suite as root, as scripts/test.sh does)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def read_only(mnt: Path) -> None:
    """Remount the :func:`tmpfs` at ``mnt`` read-only."""
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True, capture_output=True)


#: ``check`` in one process: for tests of what a run's results and reports say. The worker pool
#: gives the same results (tests/test_pool_pays.py; tests/test_scale_parallel.py byte for byte) and
#: each of its workers costs an interpreter start with polars and pandera imported.
SERIAL = ("--jobs", "1")


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

    What the command's own child processes (policy workers, pool workers, a forked report
    writer) write to the inherited descriptors 1 and 2 is captured too and follows what this
    process printed, so a leak or a second line from a child still shows.

    For tests of what a command does. A test whose subject is the process itself (start-up,
    imports, signals, a hang bounded by ``timeout``, the installed entry point) uses
    :func:`run_cli`, and so does a test that runs a server in a thread of the test process
    (whatever that thread prints would land in the command's stderr). ``timeout`` is accepted
    for the same signature and not enforced here. The environment and working directory are
    restored afterwards; nothing is a TTY, as in :func:`run_cli`."""
    import io
    import tempfile
    import traceback

    from click.testing import CliRunner

    from meshguard.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    code: int = 0
    with (
        tempfile.TemporaryFile() as fd_out,
        tempfile.TemporaryFile() as fd_err,
        CliRunner().isolation(env=env) as (out, err, _),
    ):
        if "MESHGUARD_DEBUG" not in (env or {}):
            os.environ.pop("MESHGUARD_DEBUG", None)
        os.chdir(cwd or PROJECT)
        saved_fds = os.dup(1), os.dup(2)
        os.dup2(fd_out.fileno(), 1)
        os.dup2(fd_err.fileno(), 2)
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
            for fd, saved in zip((1, 2), saved_fds, strict=True):
                os.dup2(saved, fd)
                os.close(saved)
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        texts = []
        for stream, fd_file in ((out, fd_out), (err, fd_err)):
            fd_file.seek(0)
            data = stream.getvalue() + fd_file.read()
            texts.append(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None).read())
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
