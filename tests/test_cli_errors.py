"""Exit codes a user can rely on: a missing extra is exit 3 naming it, a bug is exit 4 and no run."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT
from pg_server import free_port
from quality_repo import customers_contract, make_repo, write_contract


def _meshguard(
    code: str, *args: str, cwd: Path, blocked: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """meshguard in a fresh interpreter, after ``code`` (which breaks something on purpose)."""
    script = f"import sys\n{code}\nfrom meshguard.cli import main\nmain({list(args)!r})\n"
    path = [str(blocked)] if blocked else []
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env={"PYTHONPATH": os.pathsep.join([*path, str(PROJECT / "src")]), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,  # a hang is a failure, not a stuck suite
    )


def _not_installed(where: Path, module: str) -> Path:
    """A folder that, first on PYTHONPATH, makes ``module`` fail to import in every process
    (pool workers included), as when the extra that installs it is not installed."""
    (where / module).mkdir(parents=True)
    (where / module / "__init__.py").write_text(
        f'raise ModuleNotFoundError("No module named {module!r}", name={module!r})\n'
    )
    return where


def _runs(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def test_postgres_without_psycopg_names_the_extra(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    doc = customers_contract({"server": "s", "type": "postgres", "host": "127.0.0.1", "port": free_port()})
    write_contract(root / "contracts" / "customers.odcs.yaml", doc)
    blocked = _not_installed(tmp_path / "blocked", "psycopg")
    for args in (("test", "customers"), ("check", "--no-reports", "--no-history")):
        proc = _meshguard("", *args, cwd=root, blocked=blocked)
        assert proc.returncode == 3, proc.stdout + proc.stderr
        assert proc.stderr.strip().splitlines() == [
            "meshguard: error: a PostgreSQL source needs the 'postgres' extra: "
            "pip install 'meshguard-odcs[postgres]'"
        ]


#: ``meshguard lint`` served without click (the pre-commit hook's command line) and through it
LINTS = pytest.mark.parametrize("argv", [["lint"], ["lint", "--format", "text"]], ids=["plain", "click"])


@LINTS
def test_an_optional_import_anywhere_names_its_extra(tmp_path: Path, argv: list[str]) -> None:
    """The safety net: an import of an optional dependency no code guards still names the extra."""
    root = make_repo(tmp_path)
    code = (
        "sys.modules['pyspark'] = None\n"
        "import meshguard.config as config\n"
        "def broken(*a, **k):\n"
        "    import pyspark.sql\n"
        "config.load_config = broken\n"
    )
    proc = _meshguard(code, *argv, cwd=root)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr == (
        "meshguard: error: this needs pyspark, which needs the 'spark' extra: pip install 'meshguard-odcs[spark]'\n"
    )


def test_an_internal_error_is_exit_4_on_one_line_and_not_recorded(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    ok = _meshguard("", "check", "--no-reports", "--no-data", "--fail-on", "never", cwd=root)
    assert ok.returncode == 0, ok.stderr
    db = root / "reports" / "history.db"
    assert _runs(db) == 1
    # a bug after the run was recorded: while the results are published
    code = (
        "import meshguard.report.publish as publish\n"
        "def broken(*a, **k):\n"
        "    raise KeyError('a bug\\non two lines')\n"
        "publish.publish = broken\n"
    )
    crash = _meshguard(code, "check", "--no-reports", "--no-data", "--fail-on", "never", cwd=root)
    assert crash.returncode == 4, crash.stderr
    (line,) = crash.stderr.splitlines()
    assert line.startswith("meshguard: internal error: KeyError: ")
    assert "rerun with --debug" in line and "Traceback" not in crash.stderr
    assert _runs(db) == 1  # the crashed run is not in the history
    debug = _meshguard(code, "--debug", "check", "--no-reports", "--no-data", cwd=root)
    assert "Traceback" in debug.stderr and "KeyError" in debug.stderr
    assert _runs(db) == 1


def test_an_error_a_pool_worker_cannot_send_back_does_not_hang(tmp_path: Path) -> None:
    """An exception that does not survive pickling, raised in a pool worker, still ends the run."""
    root = make_repo(tmp_path)
    code = (
        "import meshguard.pipeline as pipeline\n"
        "class Odd(Exception):\n"
        "    def __init__(self, a, b):\n"
        "        super().__init__(a)\n"
        "def broken(self, lc):\n"
        "    raise Odd('unpicklable', 2)\n"
        "pipeline.ProductChecker.check = broken\n"
        # with the policy stage taking batches, a worker runs the stages before policy itself
        "pipeline.ProductChecker._before_policy = broken\n"
        # and, its data checked with others' (data.batch), its lint and versioning first
        "pipeline.ProductChecker._before_data = broken\n"
    )
    # spawned workers import the patch through the main module: put it in sitecustomize
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(code)
    proc = _meshguard("", "check", "--no-reports", "--no-history", "--jobs", "2", cwd=root, blocked=site)
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.startswith("meshguard: internal error: RuntimeError: Odd: unpicklable")


def test_a_required_module_missing_is_one_line_and_exit_3(tmp_path: Path) -> None:
    """A broken installation (a dependency meshguard always needs is gone) is not a traceback."""
    root = make_repo(tmp_path)
    blocked = _not_installed(tmp_path / "blocked", "jsonschema_rs")
    proc = _meshguard("", "check", "--no-reports", "--no-history", "--no-data", cwd=root, blocked=blocked)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.splitlines() == [
        "meshguard: error: the installation is incomplete: No module named 'jsonschema_rs' "
        "(reinstall meshguard-odcs)"
    ]


@LINTS
def test_our_own_import_failing_is_an_internal_error(tmp_path: Path, argv: list[str]) -> None:
    """An import of meshguard's own code that fails is a bug (exit 4), not a broken install."""
    root = make_repo(tmp_path)
    code = "sys.modules['meshguard.commands.linting'] = None\n"
    proc = _meshguard(code, *argv, cwd=root)
    assert proc.returncode == 4, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert (
        line.startswith("meshguard: internal error: ModuleNotFoundError: ")
        and "meshguard.commands.linting" in line
    )
