"""``meshguard check``: the whole pipeline over the governance repo, scored, recorded and rendered.

discover → lint → diff → data → quality → policy → results (pipeline.run, which
also scores) → history → reports. Exit codes: see meshguard.results.gate.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from meshguard.ci import report as ci_report
from meshguard.commands.common import (
    engine_options,
    format_choice,
    get_config,
    now_option,
    parse_now,
    progress_options,
    repo_options,
    status_line,
)
from meshguard.commands.gate import gate_options, plan
from meshguard.policy import remote as remote_policies


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=format_choice(),
    default="text",
    show_default=True,
    help="What to print on stdout.",
)
@click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT=PATH",
    help="Also write FORMAT to PATH (repeatable), e.g. --output sarif=meshguard.sarif.",
)
@click.option(
    "--reports",
    "reports_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the HTML scorecards and history.db go (default: reports in meshguard.yaml).",
)
@click.option("--no-reports", is_flag=True, help="Write no HTML scorecards.")
@click.option(
    "--history/--no-history",
    "with_history",
    default=True,
    show_default=True,
    help="Record this run in the run history.",
)
@click.option("--history-url", default=None, help="History store (PostgreSQL URL or SQLite file).")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warn", "never"]),
    default=None,
    help="Which verdicts fail the gate (exit 1). Default: fail_on in meshguard.yaml, else error.",
)
@click.option(
    "--mode",
    type=click.Choice(["pre-commit", "ci", "council"]),
    default=None,
    help="Default: pre-commit inside a pre-commit hook, else ci.",
)
@click.option("--no-data", is_flag=True, help="Skip reading data (contract, policy and versioning only).")
@click.option("--no-policy", is_flag=True, help="Skip the policy stage.")
@click.option("--no-versioning", is_flag=True, help="Skip comparing with previous contract versions.")
@click.option(
    "--base",
    "base_ref",
    default=None,
    metavar="REF",
    help="Compare contracts with this git ref (default: merge-base with the default branch in "
    "ci mode, HEAD in pre-commit mode; see docs/versioning.md).",
)
@click.option(
    "--perspective",
    type=click.Choice(["consumer", "producer"]),
    default="consumer",
    show_default=True,
    help="Whose compatibility decides what a breaking change is.",
)
@progress_options
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Products checked concurrently (worker processes). Default: the number of cores.",
)
@click.option(
    "--sample",
    "--sample-rows",
    "sample_rows",
    type=click.IntRange(min=1),
    default=None,
    help="Check a seeded random sample of N rows per table (reported as sampled).",
)
@click.option(
    "--sample-fraction",
    type=click.FloatRange(min=0, max=1, min_open=True),
    default=None,
    help="Check a seeded random fraction F of the rows per table (reported as sampled).",
)
@gate_options
@engine_options
@now_option
@click.option(
    "--decision-log",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Append an OPA-style decision log (JSON lines, masked) to this file (or decision_log in meshguard.yaml).",
)
@repo_options
def check(
    paths: tuple[Path, ...],
    fmt: str,
    outputs: tuple[str, ...],
    reports_dir: Path | None,
    no_reports: bool,
    with_history: bool,
    history_url: str | None,
    fail_on: str | None,
    mode: str | None,
    no_data: bool,
    no_policy: bool,
    no_versioning: bool,
    base_ref: str | None,
    perspective: str,
    engine: str | None,
    opa_url: str | None,
    push_policies: bool | None,
    policies: Path | None,
    now: str | None,
    progress: bool | None,
    quiet: bool,
    decision_log: Path | None,
    jobs: int | None,
    sample_rows: int | None,
    sample_fraction: float | None,
    changed_only: bool,
    ci: bool,
    with_data: bool,
    root: Path,
    config_file: Path | None,
) -> int:
    """Check every data product of the governance repo and render the results.

    Exit 0 gate passed (warnings allowed unless --fail-on warn), 1 gate failed,
    2 bad input, 3 engine or data source unavailable.
    """
    config = remote_policies.resolve(get_config(root, config_file), policies)
    run = plan(config, paths, changed_only=changed_only, base_ref=base_ref, ci=ci)
    if run.nothing:
        click.echo("meshguard: no changed contract or sample data to check")
        return 0
    if not no_policy and (engine or config.engine.kind) == "embedded":
        from meshguard.policy.embedded import prestart

        prestart()  # its start-up overlaps with the imports below and the stages before policy

    from meshguard.api import check_config
    from meshguard.report.publish import context, parse_output, publish, source_link, use_colour
    from meshguard.results.gate import exit_code
    from meshguard.results.since import compare
    from meshguard.stages import RunOptions

    if run.note and not quiet:
        click.echo(f"meshguard: {run.note}", err=True)
    specs = [parse_output(o, Path.cwd()) for o in outputs]
    reports = reports_dir if reports_dir is None or reports_dir.is_absolute() else Path.cwd() / reports_dir
    reports = reports or config.reports_path
    if run.ci is not None:
        specs += ci_report.outputs(reports)
    with status_line(progress, quiet) as bar:
        options = RunOptions(
            mode=mode or run.mode,
            with_data=with_data or not no_data,
            with_policy=not no_policy,
            with_versioning=not no_versioning,
            perspective=perspective,
            engine=engine,
            opa_url=opa_url,
            push_policies=push_policies,
            policies=policies.resolve() if policies else None,
            now=parse_now(now),
            fail_on=fail_on,
            base_ref=run.base_ref,
            progress=bar,
            steps=bar.step if bar is not None else None,
            decision_log=decision_log.resolve() if decision_log else None,
            jobs=jobs or os.cpu_count() or 1,
            sample_rows=sample_rows,
            sample_fraction=sample_fraction,
        )
        mesh = check_config(config, run.paths, options)
    store = None
    if with_history:
        from meshguard.history import open_history

        store = open_history(config, history_url, reports)
        compare(mesh, store.latest())  # new failures and fixes since the last recorded run
        store.record(mesh, keep=config.history_keep)
    try:
        ctx = context(store, color=use_colour(sys.stdout), source_link=source_link(config, reports))
        publish(mesh, ctx, stdout_format=fmt, outputs=specs, reports_dir=None if no_reports else reports)
        if run.ci is not None:
            ci_report.finish(mesh, run.ci)
    except BaseException:
        if store is not None:  # the run did not complete: it is not recorded
            with contextlib.suppress(Exception):
                store.forget(mesh.run_id)
        raise
    finally:
        if store is not None:
            store.close()
    return exit_code(mesh, fail_on or config.fail_on)
