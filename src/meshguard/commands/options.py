"""Option groups every result-printing command shares, each collapsed into one object.

``@output_options`` adds ``--format`` and ``--output FORMAT=PATH`` and hands the
command an :class:`Outputs`; ``@fail_on_option`` adds ``--fail-on``. A command
builds its scored results model, then :func:`finish` renders it through the
reporter registry and returns the exit code of the one gate
(:func:`meshguard.results.gate.exit_code`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from meshguard.commands.common import format_choice
from meshguard.errors import UsageError

if TYPE_CHECKING:
    from meshguard.results.model import MeshResult

F = TypeVar("F", bound=Callable[..., Any])

#: formats that say nothing useful about a command's outcome (every other registered
#: format, plugins' included, applies): naming one is a usage error (exit 2)
NOT_FOR: dict[str, frozenset[str]] = {
    "diff": frozenset({"html"}),  # one contract's changes: no scorecard site
    "policy test": frozenset({"html"}),  # unit tests of Rego: no product scorecards
    "policy lint": frozenset({"html"}),  # warnings about Rego files: no product scorecards
}

FAIL_ON = ("error", "warn", "never")


@dataclass(frozen=True)
class Outputs:
    """``--format`` (stdout) and ``--output FORMAT=PATH`` (files) of one command, checked."""

    command: str
    format: str = "text"
    files: tuple[str, ...] = ()

    def formats(self) -> list[str]:
        return [self.format, *(spec.partition("=")[0] for spec in self.files)]


def formats_for(command: str) -> list[str]:
    from meshguard.report import formats

    return [n for n in formats.names() if n not in NOT_FOR.get(command, frozenset())]


def check_formats(command: str, outputs: Outputs) -> None:
    """A usage error naming the formats that apply, for a format that does not."""
    excluded = NOT_FOR.get(command, frozenset())
    for name in outputs.formats():
        if name in excluded:
            raise UsageError(
                f"meshguard {command}: format {name!r} does not apply here "
                f"(formats: {', '.join(formats_for(command))})"
            )


def output_options(command: str) -> Callable[[F], F]:
    """``--format NAME`` and ``--output FORMAT=PATH`` (repeatable) → ``outputs: Outputs``,
    checked before the command runs (a bad spec or a format that does not apply: exit 2)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, fmt: str, output_files: tuple[str, ...], **kwargs: Any) -> Any:
            outputs = Outputs(command, fmt, tuple(output_files))
            check_formats(command, outputs)
            for spec in outputs.files:
                parse_output(spec, Path.cwd())
            return fn(*args, outputs=outputs, **kwargs)

        return _with_output_params(wrapper)  # type: ignore[return-value]

    return decorate


def _with_output_params(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    wrapper = click.option(
        "--output",
        "output_files",
        multiple=True,
        metavar="FORMAT=PATH",
        help="Also write FORMAT to PATH (repeatable), e.g. --output sarif=meshguard.sarif.",
    )(wrapper)
    wrapper = click.option(
        "--format",
        "fmt",
        type=format_choice(),
        default="text",
        show_default=True,
        help="What to print on stdout (any reporter: text, json, junit, sarif, markdown, …).",
    )(wrapper)
    return wrapper


def fail_on_option(fn: F) -> F:
    return click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON),
        default=None,
        help="Which verdicts fail the gate (exit 1): error, warn or never. "
        "Default: fail_on in meshguard.yaml, else error.",
    )(fn)


def parse_output(spec: str, base: Path) -> Any:
    from meshguard.report.publish import parse_output as parse

    return parse(spec, base)


def publish_outcome(mesh: MeshResult, outputs: Outputs, *, verbose: bool = False) -> None:
    """Render a command's scored MeshResult to stdout and to every ``--output`` file."""
    from meshguard.report.formats import RenderContext
    from meshguard.report.publish import publish, use_colour

    specs = [parse_output(o, Path.cwd()) for o in outputs.files]
    ctx = RenderContext(color=use_colour(sys.stdout), verbose=verbose)
    publish(mesh, ctx, stdout_format=outputs.format, outputs=specs)


def finish(
    mesh: MeshResult, outputs: Outputs, fail_on: str | None, default_fail_on: str, *, verbose: bool = False
) -> int:
    """Render the outcome, then the one gate decides the exit code."""
    from meshguard.results.gate import exit_code

    publish_outcome(mesh, outputs, verbose=verbose)
    return exit_code(mesh, fail_on or default_fail_on)
