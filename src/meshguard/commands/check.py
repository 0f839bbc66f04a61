"""``meshguard check``: the whole pipeline over the governance repo (see pipeline.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from meshguard.commands.common import (
    engine_options,
    get_config,
    now_option,
    parse_now,
    repo_options,
    resolve_paths,
)
from meshguard.errors import ExitCode
from meshguard.report.model import MeshResult, Severity, Status
from meshguard.stages import RunOptions


def render_text(mesh: MeshResult) -> str:
    lines: list[str] = [f"{f.location or '?'}: {f.severity} {f.rule_id} {f.message}" for f in mesh.findings]
    for p in mesh.products:
        for f in p.findings:
            where = str(f.location) if f.location else p.contract_path
            state = f" [{f.status}]" if f.status == Status.WAIVED else ""
            lines.append(f"{where}: {f.severity} {f.rule_id} {f.message}{state}")
        for c in p.checks:
            if c.status == Status.ERRORED:
                lines.append(f"{p.contract_path}: errored {c.id} {c.message}")
    errors = sum(1 for p in mesh.products for f in p.findings if f.blocking)
    errors += sum(1 for p in mesh.products for c in p.checks if c.blocking and c.status == Status.ERRORED)
    errors += sum(1 for f in mesh.findings if f.blocking)
    warnings = sum(
        1
        for p in mesh.products
        for f in p.findings
        if f.severity == Severity.WARNING and f.status != Status.WAIVED
    )
    lines.append(
        f"{len(mesh.products)} product(s): {errors} blocking, {warnings} warning(s) [engine {mesh.engine}]"
    )
    return "\n".join(lines)


def exit_code(mesh: MeshResult, fail_on: str) -> int:
    if any(f.rule_id == "MG000" for f in mesh.findings):
        return int(ExitCode.BAD_INPUT)
    if fail_on == "never":
        return int(ExitCode.PASSED)
    findings = [f for p in mesh.products for f in p.findings] + list(mesh.findings)
    checks = [c for p in mesh.products for c in p.checks]
    if any(f.blocking for f in findings) or any(c.blocking for c in checks):
        return int(ExitCode.FAILED)
    if fail_on == "warn" and (
        any(f.status in (Status.FAILED, Status.WARNED) for f in findings)
        or any(c.status == Status.WARNED for c in checks)
    ):
        return int(ExitCode.FAILED)
    return int(ExitCode.PASSED)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warn", "never"]), default=None)
@click.option("--no-policy", is_flag=True, help="Skip the policy stage.")
@engine_options
@now_option
@repo_options
def check(
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str | None,
    no_policy: bool,
    engine: str | None,
    opa_url: str | None,
    push_policies: bool | None,
    policies: Path | None,
    now: str | None,
    root: Path,
    config_file: Path | None,
) -> int:
    """Check every data product of the governance repo: lint, then policies."""
    from meshguard.pipeline import run

    config = get_config(root, config_file)
    options = RunOptions(
        with_policy=not no_policy,
        engine=engine,
        opa_url=opa_url,
        push_policies=push_policies,
        policies=policies.resolve() if policies else None,
        fail_on=fail_on,
        now=parse_now(now),
    )
    mesh = run(config, resolve_paths(config, paths), options)
    click.echo(json.dumps(mesh.to_dict(), indent=2) if fmt == "json" else render_text(mesh))
    return exit_code(mesh, fail_on or config.fail_on)
