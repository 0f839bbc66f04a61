"""``meshguard test``: lint + data quality for the named products (default: all)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click

from meshguard.commands.common import get_config, parse_as_of, repo_options
from meshguard.config import Config
from meshguard.contracts.repository import ContractRepository
from meshguard.errors import ExitCode, UsageError
from meshguard.results.model import MeshResult, Severity, Status
from meshguard.stages import RunOptions

STATUSES = ("passed", "failed", "errored", "unsupported", "warned", "info")


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


def counts(result: MeshResult) -> Counter[str]:
    return Counter(str(c.status) for p in result.products for c in p.checks)


def render_text(result: MeshResult) -> str:
    lines: list[str] = []
    for f in result.findings:
        lines.append(f"{f.location or ''}: {f.severity} {f.rule_id} {f.message}")
    for p in result.products:
        where = (
            f"{p.data_source}, {p.rows} rows{' (sample)' if p.sampled else ''}"
            if p.data_source
            else "no data"
        )
        lines.append(f"{p.id} {p.version} ({p.contract_path}) — {where}")
        for f in p.findings:
            if f.severity == Severity.ERROR:
                lines.append(f"  LINT     {f.rule_id} {f.message}  {f.location or ''}")
        for c in p.checks:
            extra = ""
            if c.failing_rows:
                extra = f"  [{c.failing_rows} row(s), {100 * (c.failing_fraction or 0):.2f}%]"
            msg = f"  — {c.message}" if c.message and c.status != Status.PASSED else ""
            lines.append(
                f"  {str(c.status).upper():<11} {c.id}{extra}{msg}  ({c.location or p.contract_path})"
            )
            if c.samples and c.status != Status.PASSED:
                lines.append(f"              e.g. {json.dumps(c.samples[0], default=str)}")
    n = counts(result)
    lint_errors = sum(1 for p in result.products for f in p.findings if f.severity == Severity.ERROR)
    lines.append(
        f"{sum(n.values())} checks: "
        + ", ".join(f"{n[s]} {s}" for s in STATUSES)
        + f"; {lint_errors} lint error(s)"
    )
    return "\n".join(lines)


def render_json(result: MeshResult) -> str:
    doc = result.to_dict()
    doc["summary"] = {**doc["summary"], **{s: counts(result)[s] for s in STATUSES}}
    return json.dumps(doc, indent=2, default=str)


def exit_code(result: MeshResult, fail_on: str) -> int:
    if result.findings and any(f.rule_id == "MG000" for f in result.findings):
        return int(ExitCode.BAD_INPUT)
    if fail_on == "never":
        return int(ExitCode.PASSED)
    blocking = any(c.blocking for p in result.products for c in p.checks) or any(
        f.blocking for p in result.products for f in p.findings
    )
    warned = any(c.status == Status.WARNED for p in result.products for c in p.checks)
    return int(ExitCode.FAILED) if blocking or (fail_on == "warn" and warned) else int(ExitCode.PASSED)


@click.command()
@click.argument("products", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
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
@click.option("--fail-on", type=click.Choice(["error", "warn", "never"]), default=None)
@repo_options
def test(
    products: tuple[str, ...],
    fmt: str,
    sample_rows: int | None,
    server: str | None,
    as_of: str | None,
    fail_on: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Validate data products' data against their contracts (lint + quality).

    PRODUCTS are product ids or contract files (default: every contract).
    Exit 0 all passed, 1 a blocking check failed, 2 bad input, 3 a source is unreachable.
    """
    from meshguard.pipeline import run

    config = get_config(root, config_file)
    options = RunOptions(
        with_policy=False,
        with_versioning=False,
        sample_rows=sample_rows,
        server=server,
        as_of=parse_as_of(as_of),
    )
    repository = ContractRepository(config)
    result = run(config, resolve_targets(config, products, repository), options, repository)
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    return exit_code(result, fail_on or config.fail_on)
