"""``meshguard test``: lint + data quality for the named products (default: all)."""

from __future__ import annotations

from pathlib import Path

import click

from meshguard.commands.common import parse_as_of, progress_options, repo_options, status_line
from meshguard.commands.options import fail_on_option, output_options
from meshguard.commands.shared import Outputs, finish, get_config
from meshguard.config import Config
from meshguard.contracts.repository import ContractRepository
from meshguard.errors import UsageError
from meshguard.stages import RunOptions


def resolve_targets(config: Config, names: tuple[str, ...], repository: ContractRepository) -> list[Path]:
    """Contract files for each PRODUCT id or CONTRACT path (all versions of a product id)."""
    if not names:
        return [config.contracts_path]
    out: list[Path] = []
    for name in names:
        path = Path(name)
        if path.exists():
            out.append(path)
            continue
        by_id = repository.files_by_id()
        if name not in by_id:
            known = ", ".join(sorted(by_id)) or "none"
            raise UsageError(f"no product or contract file named {name!r} (products: {known})")
        out.extend(by_id[name])
    return out


@click.command()
@click.argument("products", nargs=-1)
@output_options("test")
@click.option(
    "--sample-rows", type=click.IntRange(min=1), default=None, help="Read at most N rows per table."
)
@click.option("--server", default=None, help="Use this server entry of each contract.")
@click.option(
    "--now",
    "--as-of",
    "as_of",
    default=None,
    help="The run's clock for SLA checks (ISO date/time; default data.as_of, else now), as in "
    "check and policy eval; --as-of is the older name.",
)
@fail_on_option
@progress_options
@repo_options
def test(
    products: tuple[str, ...],
    outputs: Outputs,
    sample_rows: int | None,
    server: str | None,
    as_of: str | None,
    fail_on: str | None,
    progress: bool | None,
    quiet: bool,
    root: Path,
    config_file: Path | None,
) -> int:
    """Validate data products' data against their contracts (lint + quality).

    PRODUCTS are product ids or contract files (default: every contract).
    Exit 0 all passed, 1 a blocking check failed, 2 bad input, 3 a source is unreachable.
    """
    from meshguard.outcomes import test_outcome
    from meshguard.pipeline import run

    config = get_config(root, config_file)
    repository = ContractRepository(config)
    paths = resolve_targets(config, products, repository)
    with status_line(progress, quiet) as bar:
        options = RunOptions(
            with_policy=False,
            with_versioning=False,
            sample_rows=sample_rows,
            server=server,
            as_of=parse_as_of(as_of),
            progress=bar,
            steps=bar.step if bar is not None else None,
        )
        mesh = test_outcome(run(config, paths, options, repository))
    return finish(mesh, outputs, fail_on, config.fail_on)
