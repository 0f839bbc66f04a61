"""Option groups every result-printing command shares, each collapsed into one object.

``@output_options`` adds ``--format`` and ``--output FORMAT=PATH`` and hands the
command an :class:`~meshguard.commands.shared.Outputs`; ``@fail_on_option`` adds
``--fail-on``. A command builds its scored results model, then
:func:`meshguard.commands.shared.finish` renders it through the reporter registry and
returns the exit code of the one gate (:func:`meshguard.results.gate.exit_code`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from meshguard.commands.common import format_choice
from meshguard.commands.shared import FAIL_ON, Outputs, check_formats, parse_output

F = TypeVar("F", bound=Callable[..., Any])


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
