"""``meshguard changelog``: a markdown changelog grouped by breaking / non-breaking / informational."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import repo_options
from meshguard.commands.compare import compare_options, run_compare
from meshguard.commands.shared import get_config
from meshguard.versioning.changelog import render_markdown


@click.command()
@compare_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the changelog to this file instead of stdout.",
)
@repo_options
def changelog(
    files: tuple[Path, ...],
    base: str | None,
    perspective: str,
    output: Path | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Markdown changelog: `meshguard changelog OLD NEW` or `meshguard changelog CONTRACT --base REF`."""
    config = get_config(root, config_file)
    contract, info = run_compare(files, base, perspective, config)
    text = render_markdown(contract, info, perspective)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")
    return 0
