"""The shipped CI examples call real meshguard commands with valid options (checked by click itself)."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from conftest import PROJECT
from meshguard.cli import COMMANDS, cli

EXAMPLES = PROJECT / "examples" / "ci"


def _shell_lines(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        for line in str(item).splitlines():
            out.extend(part.strip() for part in line.split("&&"))
    return out


def commands_in(path: Path) -> list[list[str]]:
    doc = yaml.safe_load(path.read_text())
    lines: list[str] = []
    if path.name == "github-actions.yml":
        for job in doc["jobs"].values():
            for step in job["steps"]:
                if "run" in step:
                    lines.extend(_shell_lines(step["run"]))
    else:
        for job in doc.values():
            if isinstance(job, dict) and "script" in job:
                for key in ("before_script", "script", "after_script"):
                    lines.extend(_shell_lines(job.get(key, [])))
    return [shlex.split(line) for line in lines if line.startswith("meshguard ")]


def validate(argv: list[str]) -> click.Command:
    """Parse argv with click exactly as the CLI would, without running anything."""
    command: click.Command = cli
    ctx: click.Context | None = None
    name, args = "meshguard", argv
    while True:
        ctx = command.make_context(name, list(args), parent=ctx)
        if not isinstance(command, click.Group):
            return command
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        assert rest, f"{' '.join(argv)}: no subcommand"
        sub_name, sub, sub_args = command.resolve_command(ctx, rest)
        assert sub is not None and sub_name is not None
        command, name, args = sub, sub_name, sub_args


@pytest.mark.parametrize("example", ["github-actions.yml", "gitlab-ci.yml"])
def test_examples_call_existing_commands_with_valid_options(example: str) -> None:
    calls = commands_in(EXAMPLES / example)
    assert len(calls) >= 2, calls
    used = set()
    for argv in calls:
        assert argv[1] in COMMANDS, f"{example}: unknown command {argv[1]!r}"
        validate(argv[1:])
        used.add(argv[1])
    assert {"lint", "check"} <= used
    assert any("--ci" in argv for argv in calls)


def test_validate_rejects_what_click_rejects() -> None:
    with pytest.raises(click.UsageError):
        validate(["check", "--no-such-option"])
    with pytest.raises(click.BadParameter):
        validate(["check", "--fail-on", "sometimes"])
    with pytest.raises(click.UsageError):
        validate(["no-such-command"])


def test_github_example_uploads_sarif_and_publishes_scorecards() -> None:
    doc = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    steps = doc["jobs"]["governance"]["steps"]
    uses = {s.get("uses", "").split("@")[0]: s for s in steps}
    assert uses["github/codeql-action/upload-sarif"]["with"]["sarif_file"].startswith("reports/")
    assert uses["actions/upload-artifact"]["with"]["path"] == "reports/"
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    gitlab = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())
    assert gitlab["meshguard"]["artifacts"]["reports"]["junit"].startswith("reports/")
