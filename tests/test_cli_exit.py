"""How the ``meshguard`` process ends: as the interpreter's exit would, without its teardown.

Freeing every module and object one by one at exit was about a tenth of a `meshguard lint`
process; :func:`meshguard.cli.main` run as the process's command skips it. What the exit
must still do is checked here on the real command in a fresh interpreter: the exit code and
output, the ``atexit`` callbacks, garbage in reference cycles finalized, a live
thread waited for; and called with arguments (as the tests' ``invoke`` does) it raises
``SystemExit`` and leaves the caller's process alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PROJECT
from usage_helpers import contract, init_repo


def _repo(tmp_path: Path) -> Path:
    return init_repo(
        tmp_path / "repo",
        {"contracts/orders.odcs.yaml": contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"},
    )


def _run(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


#: a module-level object whose finalizer runs only when the interpreter tears the module down
TORN_DOWN = """
import atexit, os, sys
class Marker:
    def __del__(self):
        os.write(2, b"torn down\\n")
marker = Marker()
atexit.register(lambda: print("atexit ran", flush=True))
"""


def test_the_command_ends_without_the_interpreter_teardown(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc = _run(TORN_DOWN + "from meshguard.cli import main\nmain()\n", repo, "lint", "contracts")
    assert proc.returncode == 0, proc.stderr
    assert "1 contract: 0 error(s)" in proc.stdout
    assert proc.stdout.rstrip().endswith("atexit ran")
    assert "torn down" not in proc.stderr


def test_a_failing_gate_keeps_its_exit_code(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "contracts" / "broken.odcs.yaml").write_text("apiVersion: v3.1.0\nkind: DataContract\n")
    proc = _run(TORN_DOWN + "from meshguard.cli import main\nmain()\n", repo, "lint", "contracts")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "torn down" not in proc.stderr


def test_garbage_in_a_reference_cycle_is_finalized(tmp_path: Path) -> None:
    """The interpreter's exit collects garbage one last time (its finalizers run); so does this one."""
    repo = _repo(tmp_path)
    out = tmp_path / "cycle.txt"
    code = f"""
    import gc
    gc.disable()  # the cycle stays garbage until the exit
    class Holder:
        def __del__(self, path={str(out)!r}, open=open):
            open(path, "w").write("finalized")
    holder = Holder()
    holder.me = holder
    del holder
    from meshguard.cli import main
    main()
    """
    proc = _run(code, repo, "lint", "contracts")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "finalized"


def test_a_live_thread_is_waited_for(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    out = tmp_path / "thread.txt"
    code = f"""
    import threading, time
    def late():
        time.sleep(0.5)
        open({str(out)!r}, "w").write("the thread finished")
    threading.Thread(target=late).start()
    from meshguard.cli import main
    main()
    """
    proc = _run(code, repo, "lint", "contracts")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == "the thread finished"


def test_with_arguments_it_raises_system_exit(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code = """
    import sys
    from meshguard.cli import main
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        print("caller resumed with", exc.code)
    """
    proc = _run(code, repo, "lint", "contracts")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith("caller resumed with 0")


@pytest.mark.parametrize("argv", [["--version"], ["lint", "--no-such-option"]])
def test_exit_codes_of_click_itself(tmp_path: Path, argv: list[str]) -> None:
    """``--version`` and a usage error end through the same path with click's codes (0, 2)."""
    proc = _run("from meshguard.cli import main\nmain()\n", tmp_path, *argv)
    assert proc.returncode == (0 if argv == ["--version"] else 2), proc.stderr
    assert (
        ("meshguard" in proc.stdout) if argv == ["--version"] else ("no such option" in proc.stderr.lower())
    )


def test_a_stdout_that_cannot_encode_the_report_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal (or ``PYTHONIOENCODING``) whose encoding cannot write a character of the
    report: one line naming the encoding, the character and the way out, exit 3 (an output
    unavailable), not an internal error; the same run on UTF-8 prints it."""
    repo = _repo(tmp_path)
    (repo / "contracts" / "commandes-été.odcs.yaml").write_text("apiVersion: v3.1.0\nkind: DataContract\n")
    code = "from meshguard.cli import main\nmain()\n"
    printed = _run(code, repo, "lint", "contracts")
    assert printed.returncode == 1 and "commandes-été" in printed.stdout, printed.stdout + printed.stderr
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")
    proc = _run(code, repo, "lint", "contracts")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [
        "meshguard: error: standard output's encoding (ascii) cannot write 'é' (U+00E9): set "
        "PYTHONIOENCODING=utf-8, or write the report to a file (--output FORMAT=PATH)"
    ]


def _closed_reader(
    repo: Path, *args: str, stderr_too: bool = False, stderr_only: bool = False
) -> subprocess.CompletedProcess[str]:
    """The command run with its standard output a pipe whose reader has already gone, as
    ``meshguard check | head`` ends once ``head`` has its lines (``stderr_too``: standard error
    is that pipe too, ``2>&1 | head``; ``stderr_only``: standard error alone is, stdout read)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "meshguard", *args],
            cwd=repo,
            stdout=subprocess.PIPE if stderr_only else write,
            stderr=write if stderr_too or stderr_only else subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout or "", proc.stderr or "")


@pytest.mark.parametrize(
    "args",
    [
        ("lint", "contracts"),  # printed by the command itself
        ("check", "--no-data", "--format", "json", "--fail-on", "never"),  # the report, after the site
        # the report rendered while a forked child writes the site, then copied by the kernel
        ("check", "--no-data", "--format", "json", "--fail-on", "never", "--output", "junit=j.xml"),
    ],
)
def test_a_closed_pipe_is_an_output_unavailable(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Not click's exit 1, which is a failed gate's code (the gate here cannot fail): exit 3,
    one line, no traceback, and the files the run writes are there."""
    repo = _repo(tmp_path)
    proc = _closed_reader(repo, *args)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.splitlines() == [
        "meshguard: error: standard output was closed before meshguard had written everything "
        "to it (broken pipe)"
    ]
    if args[0] == "check":
        assert (repo / "reports" / "index.html").is_file()
    if "--output" in args:
        assert "<testsuites" in (repo / "j.xml").read_text()


def test_a_closed_standard_output_is_discarded(tmp_path: Path) -> None:
    """Started with descriptor 1 closed (``meshguard lint >&-``): what it prints goes nowhere,
    the exit code is the command's own, and no traceback."""
    repo = _repo(tmp_path)
    (repo / "contracts" / "broken.odcs.yaml").write_text("apiVersion: v3.1.0\nkind: DataContract\n")
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "meshguard", "lint", "contracts"],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=lambda: os.close(1),  # this test process starts no threads before the fork
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""


@pytest.mark.parametrize(
    "args", [("lint", "contracts"), ("check", "--no-data", "--format", "json", "--fail-on", "never")]
)
def test_a_closed_pipe_that_is_also_standard_error_is_exit_3(tmp_path: Path, args: tuple[str, ...]) -> None:
    """``meshguard check 2>&1 | head``: the one line goes into the same closed pipe. Its write
    failing must not turn the output unavailable (3) into a traceback's exit 1, a failed gate's."""
    assert _closed_reader(_repo(tmp_path), *args, stderr_too=True).returncode == 3


@pytest.mark.parametrize(("args", "code"), [(("lint", "nope.odcs.yaml"), 2), (("lint", "contracts"), 0)])
def test_an_error_line_into_a_closed_standard_error_keeps_its_exit_code(
    tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    """Standard error alone a pipe whose reader has gone: the error's line goes nowhere, and its
    exit code (2: a missing file) is not turned into a traceback's exit 1, a failed gate's."""
    proc = _closed_reader(_repo(tmp_path), *args, stderr_only=True)
    assert proc.returncode == code
    assert ("1 contract: 0 error(s)" in proc.stdout) == (code == 0)
