"""``meshguard history``: list past runs from the run-history store."""

from __future__ import annotations

import json
from pathlib import Path

import click

from meshguard.commands.common import repo_options
from meshguard.commands.shared import get_config


@click.command()
@click.option("--product", default=None, help="Only runs that checked this product (its score shown).")
@click.option("--domain", default=None, help="Only runs that checked this domain (its mean score shown).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--history-url", default=None, help="History store (PostgreSQL URL or SQLite file).")
@repo_options
def history(
    product: str | None,
    domain: str | None,
    limit: int,
    fmt: str,
    history_url: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """List past runs, newest first (re-render one with `meshguard report --from-history RUN_ID`)."""
    from meshguard.history import open_history

    config = get_config(root, config_file)
    store = open_history(config, history_url)
    try:
        rows = store.runs(product=product, domain=domain, limit=limit)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return 0
    if not rows:
        click.echo(f"no run recorded in {store.location}")
        return 0
    click.echo(f"{'RUN':<14}{'TIME':<27}{'SCORE':>6}  {'VERDICT':<8}{'PRODUCTS':>9}  COMMIT")
    for r in rows:
        score = "n/a" if r.score is None else f"{r.score:.1f}"
        click.echo(
            f"{r.run_id[:12]:<14}{r.timestamp:<27}{score:>6}  {r.verdict:<8}{r.products:>9}  {(r.git_commit or '')[:12]}"
        )
    return 0
