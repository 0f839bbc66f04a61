"""``meshguard check``: the whole pipeline over the governance repo (see pipeline.py)."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard import remote_policies
from meshguard.commands.common import get_config, repo_options, resolve_paths
from meshguard.commands.gate import gate_options, plan
from meshguard.commands.lint import exit_code, render_json, render_text
from meshguard.contracts.repo import lint_repo


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warn", "never"]), default=None)
@gate_options
@repo_options
def check(
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str | None,
    changed_only: bool,
    base_ref: str | None,
    ci: bool,
    with_data: bool,
    root: Path,
    config_file: Path | None,
) -> int:
    """Check every data product of the governance repo (for now: lint)."""
    config = remote_policies.resolve(get_config(root, config_file))
    run = plan(config, paths, changed_only=changed_only, base_ref=base_ref, ci=ci)
    if run.nothing:
        click.echo("meshguard: no changed contract or sample data to check")
        return 0
    result = lint_repo(resolve_paths(config, tuple(run.paths)), config)
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    return exit_code(result, fail_on or config.fail_on)
