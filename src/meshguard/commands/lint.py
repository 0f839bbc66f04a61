"""``meshguard lint``: parse, schema-validate and lint contracts."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import get_config, repo_options, resolve_paths
from meshguard.commands.options import Outputs, fail_on_option, finish, output_options
from meshguard.contracts.repo import lint_repo


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
    from meshguard.outcomes import lint_outcome

    config = get_config(root, config_file)
    result = lint_repo(resolve_paths(config, paths), config)  # not through meshguard.api: it imports more
    return finish(lint_outcome(result, config), outputs, fail_on, config.fail_on)
