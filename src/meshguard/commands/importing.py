"""``meshguard import FORMAT SOURCE``: bootstrap an ODCS contract with datacontract-cli's importers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from meshguard import printsafe
from meshguard.commands.common import repo_options
from meshguard.commands.shared import get_config
from meshguard.contracts.importer import FORMATS, import_contract, render
from meshguard.errors import UsageError
from meshguard.quality.profile import detected_in_sample


@click.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(sorted(FORMATS)))
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--domain", required=True, help="Domain that owns the product.")
@click.option("--owner", required=True, help="Owner team name.")
@click.option("--id", "contract_id", default=None, help="Contract id (default: from the first schema).")
@click.option(
    "--sample",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sample data file (csv, parquet, ndjson): becomes the `sample` server and is profiled to "
    "propose sensitivity categories. A csv or parquet SOURCE is its own sample.",
)
@click.option("--dialect", default=None, help="SQL dialect of a DDL file (postgres, snowflake, …).")
@click.option("--dbt-model", multiple=True, help="dbt model(s) to import from a manifest (default: all).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write it (default: CONTRACTS/DOMAIN/ID.odcs.yaml; '-' for stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@repo_options
def import_cmd(
    fmt: str,
    source: Path,
    domain: str,
    owner: str,
    contract_id: str | None,
    sample: Path | None,
    dialect: str | None,
    dbt_model: tuple[str, ...],
    output: Path | None,
    force: bool,
    root: Path,
    config_file: Path | None,
) -> int:
    """Import a contract from SOURCE (FORMAT: sql, parquet, csv, dbt, jsonschema, avro).

    Needs the optional extra meshguard-odcs[datacontract]. Proposed sensitivity
    categories carry a `# meshguard: proposed …` comment: review them.
    """
    config = get_config(root, config_file)
    imported = import_contract(
        fmt,
        source,
        domain=domain,
        owner=owner,
        root=config.root,
        contract_id=contract_id,
        sample=sample,
        dialect=dialect,
        dbt_model=dbt_model,
        detect=detected_in_sample,
    )
    text = render(imported)
    if output is not None and str(output) == "-":
        sys.stdout.write(text)
        return 0
    target = output or config.contracts_path / domain / f"{imported.doc['id']}.odcs.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target.as_posix()} exists", hint="use --force to overwrite")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"created {target.as_posix()}")
    for p in imported.proposals:  # names from the imported source: no control character or CI command
        line = f"  proposed {p.tag} ({p.classification}) for {p.schema}.{p.column}: review it"
        click.echo(printsafe.printed(line))
    return 0
