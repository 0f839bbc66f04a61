"""``meshguard lint``: parse, schema-validate and lint contracts."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import repo_options
from meshguard.commands.linting import lint_paths
from meshguard.commands.options import fail_on_option, output_options
from meshguard.commands.shared import Outputs


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@output_options("lint")
@fail_on_option
@repo_options
def lint(
    paths: tuple[Path, ...], outputs: Outputs, fail_on: str | None, root: Path, config_file: Path | None
) -> int:
    """Lint contracts (files or folders; default: the repo's contracts).

    Exit 0 when clean, 1 on lint errors (with --fail-on warn: on warnings too),
    2 when a file cannot be read as ODCS.
    """
    return lint_paths(paths, outputs, fail_on, root, config_file)
