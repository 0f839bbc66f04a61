"""The ``meshguard`` process collects no cyclic garbage while click and the command's modules
load, then freezes what they loaded (later collections, the last one at exit and forked
children's leave it alone) and collects as usual. A program or a test that imports the command
line keeps its collector as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT
from usage_helpers import contract, init_repo

#: prints, at exit, whether the collector runs and whether objects were frozen
REPORT = (
    "import atexit, gc\n"
    "atexit.register(lambda: print('gc', gc.isenabled(), gc.get_freeze_count() > 0, flush=True))\n"
)


def _repo(tmp_path: Path) -> Path:
    return init_repo(
        tmp_path / "repo",
        {"contracts/orders.odcs.yaml": contract("orders"), "meshguard.yaml": "contracts: {dir: contracts}\n"},
    )


def _run(lines: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", "\n".join(lines) + "\n"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_command_loads_without_collecting_then_freezes_and_collects(tmp_path: Path) -> None:
    lines = [
        "import sys, gc",
        "sys.argv = ['meshguard', 'lint', 'contracts']  # as the console script starts",
        "import meshguard.cli",
        "print('imported', gc.isenabled())",
        REPORT,
        "meshguard.cli.main()",
    ]
    out = _run(lines, _repo(tmp_path))
    assert "imported False" in out
    assert out.rstrip().endswith("gc True True")


def test_python_m_meshguard_is_the_command_too(tmp_path: Path) -> None:
    lines = [
        REPORT,
        "import runpy, sys",
        "sys.argv = ['__main__.py', 'lint', 'contracts']  # not the console script's name",
        "runpy.run_module('meshguard', run_name='__main__', alter_sys=True)",
    ]
    out = _run(lines, _repo(tmp_path))
    assert out.rstrip().endswith("gc True True")


def test_a_program_importing_the_command_line_keeps_its_collector(tmp_path: Path) -> None:
    lines = [
        "import gc",
        "from meshguard.cli import main",
        "print('imported', gc.isenabled())",
        "try:",
        "    main(['lint', 'contracts'])",
        "except SystemExit as exc:",
        "    print('exit', exc.code, gc.isenabled(), gc.get_freeze_count())",
    ]
    out = _run(lines, _repo(tmp_path))
    assert "imported True" in out
    assert "exit 0 True 0" in out
