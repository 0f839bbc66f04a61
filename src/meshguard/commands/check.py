"""``meshguard check``: the whole pipeline over the governance repo (see pipeline.py)."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import get_config, repo_options, resolve_paths
from meshguard.commands.lint import exit_code, render_json, render_text
from meshguard.contracts.repo import lint_repo


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warn", "never"]), default=None)
@repo_options
def check(
    paths: tuple[Path, ...], fmt: str, fail_on: str | None, root: Path, config_file: Path | None
) -> int:
    """Check every data product of the governance repo (for now: lint)."""
    config = get_config(root, config_file)
    result = lint_repo(resolve_paths(config, paths), config)
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    return exit_code(result, fail_on or config.fail_on)
