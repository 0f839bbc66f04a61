"""Every command's --help ends with examples, and every option an example uses exists."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from conftest import PROJECT, invoke
from meshguard.cli import COMMANDS, cli
from meshguard.commands.examples import EXAMPLES


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    out: list[tuple[str, click.Command]] = []
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        out.append((name, command))
        if isinstance(command, click.Group):
            out.extend((f"{name} {sub}", c) for sub, c in command.commands.items())
    return out


@pytest.mark.parametrize("path", [p for p, _ in _commands()])
def test_help_has_examples_that_use_real_options(path: str) -> None:
    proc = invoke(*path.split(), "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Examples:" in proc.stdout and f"meshguard {path}" in proc.stdout
    command = dict(_commands())[path]
    options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for line in EXAMPLES[path]:
        words = line.split("#")[0].split()
        assert words[:1] == ["meshguard"], line
        used = {w.split("=")[0] for w in words if w.startswith("-")}
        assert used <= options, f"{line!r}: {sorted(used - options)} not options of `meshguard {path}`"


def test_shell_completion_script_is_generated() -> None:
    """As README documents: eval "$(_MESHGUARD_COMPLETE=bash_source meshguard)"."""
    env = {**os.environ, "_MESHGUARD_COMPLETE": "bash_source", "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", "from meshguard.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "complete " in proc.stdout and "_MESHGUARD_COMPLETE" in proc.stdout, proc.stdout + proc.stderr
