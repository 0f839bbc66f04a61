"""What commands share that needs no click: the configuration a command runs with, its outputs
(``--format``, ``--output``) checked, and how it finishes (render, then the one gate's exit code).

``meshguard lint FILE…`` as the pre-commit hook runs it is served without click
(:mod:`meshguard.commands.linting`), so nothing here may import it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshguard.config import Config, find_root, load_config
from meshguard.errors import UsageError

if TYPE_CHECKING:
    from meshguard.results.model import MeshResult

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


def get_config(root: Path | None, config_file: Path | None) -> Config:
    """The config of ``--root``, else of the repo found upwards from the current folder."""
    return load_config(root if root is not None else find_root(Path.cwd()), config_file)


def resolve_paths(config: Config, paths: tuple[Path, ...]) -> list[Path]:
    """Paths named on the command line, or the repo's contracts folder."""
    if paths:
        return list(paths)
    return [config.contracts_path]


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
