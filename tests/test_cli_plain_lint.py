"""``meshguard lint [PATH…]`` (the pre-commit hook's command line) runs without click
(:func:`meshguard.cli._plain_lint`): what it prints and its exit code must be click's, byte for
byte, and any other command line must still go to click."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, invoke
from quality_repo import make_repo

Run = Callable[..., subprocess.CompletedProcess[str]]


def _both(monkeypatch: pytest.MonkeyPatch, *args: str, cwd: Path) -> tuple[Any, Any, list[Any]]:
    """``meshguard ARGS`` without click, then forced through click; and what the plain path returned."""
    import meshguard.cli as cli

    plain = cli._plain_lint
    returned: list[Any] = []

    def recording(argv: list[str]) -> int | None:
        try:
            result = plain(argv)
        except BaseException:
            returned.append("raised")
            raise
        returned.append(result)
        return result

    monkeypatch.setattr(cli, "_plain_lint", recording)
    served = invoke(*args, cwd=cwd)
    monkeypatch.setattr(cli, "_plain_lint", lambda argv: None)
    clicked = invoke(*args, cwd=cwd)
    return served, clicked, returned


def _broken_contract(root: Path) -> Path:
    bad = root / "contracts" / "bad.odcs.yaml"
    bad.write_text("apiVersion: v3.1.0\nkind: DataContract\nid: [unclosed\n", encoding="utf-8")
    return bad


@pytest.mark.parametrize(
    "paths",
    [
        [],
        ["contracts/customers.odcs.yaml"],
        ["contracts/customers.odcs.yaml", "contracts/orders.odcs.yaml"],
        ["contracts"],
        ["contracts/bad.odcs.yaml"],
        ["contracts/missing.odcs.yaml"],
        [""],
        ["contracts/copy.odcs.yaml", "contracts/customers.odcs.yaml"],
    ],
    ids=["repo", "one", "two", "folder", "unreadable-yaml", "missing", "empty", "findings"],
)
def test_plain_lint_prints_what_click_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paths: list[str]
) -> None:
    root = make_repo(tmp_path)
    _broken_contract(root)
    customers = root / "contracts" / "customers.odcs.yaml"
    (root / "contracts" / "copy.odcs.yaml").write_text(
        customers.read_text(encoding="utf-8"), encoding="utf-8"
    )
    served, clicked, returned = _both(monkeypatch, "lint", *paths, cwd=root)
    assert returned and returned[0] is not None  # the plain path ran it (or raised)
    assert (served.returncode, served.stdout, served.stderr) == (
        clicked.returncode,
        clicked.stdout,
        clicked.stderr,
    )
    assert served.stdout or served.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "--format", "json"],
        ["lint", "-"],
        ["lint", "--", "contracts"],
        ["lint", "--help"],
        ["--debug", "lint"],
        ["check", "--no-data"],
        [],
    ],
)
def test_any_other_command_line_goes_to_click(tmp_path: Path, argv: list[str]) -> None:
    import meshguard.cli as cli

    assert cli._plain_lint(argv) is None


def test_shell_completion_goes_to_click(monkeypatch: pytest.MonkeyPatch) -> None:
    import meshguard.cli as cli

    monkeypatch.setenv("_MESHGUARD_COMPLETE", "bash_complete")
    assert cli._plain_lint(["lint"]) is None


def test_a_path_that_cannot_be_read_is_clicks_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path)
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **k: False if str(p).endswith("orders.odcs.yaml") else real(p, mode)
    )
    import meshguard.cli as cli

    monkeypatch.chdir(root)
    assert cli._plain_lint(["lint", "contracts/orders.odcs.yaml"]) is None
    proc = invoke("lint", "contracts/orders.odcs.yaml", cwd=root)
    assert proc.returncode == 2
    assert "Path 'contracts/orders.odcs.yaml' is not readable." in proc.stderr


@pytest.mark.parametrize(
    ("error", "code", "stderr"),
    [
        (KeyboardInterrupt(), 2, "\nmeshguard: aborted\n"),
        (EOFError(), 2, "\nmeshguard: aborted\n"),
        # a broken pipe that is not standard output's (a closed stdout is exit 3: test_cli_exit)
        (OSError(errno.EPIPE, "Broken pipe"), 4, None),
        (OSError(errno.ENOSPC, "No space left on device"), 4, None),
    ],
    ids=["interrupt", "eof", "epipe", "other-oserror"],
)
def test_interrupts_and_a_closed_pipe_end_as_through_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException, code: int, stderr: str | None
) -> None:
    root = make_repo(tmp_path)
    import meshguard.commands.lint as click_lint
    import meshguard.commands.linting as linting

    def broken(*args: Any, **kwargs: Any) -> int:
        raise error

    monkeypatch.setattr(linting, "lint_paths", broken)
    monkeypatch.setattr(click_lint, "lint_paths", broken)
    saved = sys.stdout, sys.stderr
    try:
        served, clicked, returned = _both(monkeypatch, "lint", "contracts", cwd=root)
    finally:
        sys.stdout, sys.stderr = saved
    assert returned == ["raised"]  # the plain path ran it
    assert (served.returncode, served.stdout, served.stderr) == (
        clicked.returncode,
        clicked.stdout,
        clicked.stderr,
    )
    assert served.returncode == code
    if stderr is not None:
        assert served.stderr == stderr


def test_the_deferred_module_loads_on_first_use() -> None:
    """A dataclass without a docstring reads ``inspect``: the placeholder loads it then, and the
    class is what it is without the placeholder."""
    code = (
        "import sys\n"
        "from meshguard.cli import _Deferred\n"
        "sys.modules['inspect'] = _Deferred('inspect')\n"
        "import dataclasses\n"
        "assert 'ast' not in sys.modules\n"
        "@dataclasses.dataclass\n"
        "class A:\n"
        "    x: int\n"
        "    y: str = 'a'\n"
        "import inspect\n"
        "assert type(sys.modules['inspect']).__name__ == 'module' and 'ast' in sys.modules\n"
        "assert dataclasses.inspect.signature is inspect.signature\n"
        "from inspect import cleandoc\n"
        "print(A.__doc__, cleandoc('  a'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "A(x: int, y: str = 'a') a\n"
