"""``meshguard report --from-history RUN_ID``: re-render a past run in any format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from meshguard.commands.common import format_choice, repo_options
from meshguard.commands.shared import get_config


@click.command()
@click.option(
    "--from-history",
    "run_id",
    required=True,
    metavar="RUN_ID",
    help="The run to render: its id, a unique prefix, or 'latest'.",
)
@click.option("--format", "fmt", type=format_choice(), default="text", show_default=True)
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=PATH", help="Also write FORMAT to PATH.")
@click.option(
    "--reports",
    "reports_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write the HTML scorecards of that run into this folder.",
)
@click.option("--history-url", default=None, help="History store (PostgreSQL URL or SQLite file).")
@repo_options
def report(
    run_id: str,
    fmt: str,
    outputs: tuple[str, ...],
    reports_dir: Path | None,
    history_url: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Render a recorded run again, exactly as it was scored then."""
    from meshguard.history import open_history
    from meshguard.report.publish import context, parse_output, publish, source_link, use_colour
    from meshguard.results.load import mesh_from_dict

    config = get_config(root, config_file)
    specs = [parse_output(o, Path.cwd()) for o in outputs]
    store = open_history(config, history_url)
    try:
        mesh = mesh_from_dict(store.load(run_id))
        ctx = context(
            store,
            color=use_colour(sys.stdout),
            until=mesh.run_id,
            source_link=source_link(config, reports_dir or config.reports_path),
        )
    finally:
        store.close()
    publish(mesh, ctx, stdout_format=fmt, outputs=specs, reports_dir=reports_dir)
    return 0
