"""``meshguard check``: the whole pipeline over the governance repo, scored, recorded and rendered.

The command only parses: its options come in groups, each collapsed into one
object (:class:`RunOptions` for what to run, :class:`Delivery` for where results
go, the gate's scope). :func:`meshguard.ci.run.run_check` does the rest —
check → history → reports → CI outputs → gate — with the same computation as
``meshguard.check(...)``. Exit codes: see :mod:`meshguard.results.gate`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from meshguard.commands.common import (
    engine_options,
    now_option,
    parse_now,
    progress_options,
    repo_options,
    status_line,
)
from meshguard.commands.gate import gate_options, plan
from meshguard.commands.options import fail_on_option, output_options
from meshguard.commands.shared import Outputs, get_config, parse_output

if TYPE_CHECKING:
    from meshguard.ci.run import Delivery
    from meshguard.stages import RunOptions

F = TypeVar("F", bound=Callable[..., Any])


def _options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(fn: F) -> F:
        for d in reversed(decorators):
            fn = d(fn)
        return fn

    return apply


def delivery_options(fn: F) -> F:
    """``--format``, ``--output``, ``--reports``, ``--no-reports``, ``--history``, ``--history-url``
    → ``delivery: Delivery``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        outputs: Outputs,
        reports_dir: Path | None,
        no_reports: bool,
        with_history: bool,
        history_url: str | None,
        **kwargs: Any,
    ) -> Any:
        from meshguard.ci.run import Delivery

        cwd = Path.cwd()
        delivery = Delivery(
            stdout_format=outputs.format,
            outputs=tuple(parse_output(o, cwd) for o in outputs.files),
            reports_dir=None if reports_dir is None else cwd / reports_dir,  # absolute stays absolute
            scorecards=not no_reports,
            with_history=with_history,
            history_url=history_url,
        )
        return fn(*args, delivery=delivery, **kwargs)

    return _options(
        output_options("check"),
        click.option(
            "--reports",
            "reports_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Where the HTML scorecards and history.db go (default: reports in meshguard.yaml).",
        ),
        click.option("--no-reports", is_flag=True, help="Write no HTML scorecards."),
        click.option(
            "--history/--no-history",
            "with_history",
            default=True,
            show_default=True,
            help="Record this run in the run history.",
        ),
        click.option("--history-url", default=None, help="History store (PostgreSQL URL or SQLite file)."),
    )(wrapper)  # type: ignore[return-value]


def run_options(fn: F) -> F:
    """What to run and how (stages, engine, clock, sampling, parallelism) → ``options: RunOptions``."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        mode: str | None,
        no_data: bool,
        no_policy: bool,
        no_versioning: bool,
        perspective: str,
        jobs: int | None,
        sample_rows: int | None,
        sample_fraction: float | None,
        engine: str | None,
        opa_url: str | None,
        push_policies: bool | None,
        policies: Path | None,
        now: str | None,
        decision_log: Path | None,
        fail_on: str | None,
        **kwargs: Any,
    ) -> Any:
        from meshguard.stages import RunOptions

        options = RunOptions(
            mode=mode or "",  # "": decided by where the run is (plan)
            with_data=not no_data,
            with_policy=not no_policy,
            with_versioning=not no_versioning,
            perspective=perspective,
            engine=engine,
            opa_url=opa_url,
            push_policies=push_policies,
            policies=policies.resolve() if policies else None,
            now=parse_now(now),
            fail_on=fail_on,
            decision_log=decision_log.resolve() if decision_log else None,
            jobs=jobs or os.cpu_count() or 1,
            sample_rows=sample_rows,
            sample_fraction=sample_fraction,
        )
        return fn(*args, options=options, **kwargs)

    return _options(
        fail_on_option,
        click.option(
            "--mode",
            type=click.Choice(["pre-commit", "ci", "council"]),
            default=None,
            help="Default: pre-commit inside a pre-commit hook, else ci.",
        ),
        click.option(
            "--no-data", is_flag=True, help="Skip reading data (contract, policy and versioning only)."
        ),
        click.option("--no-policy", is_flag=True, help="Skip the policy stage."),
        click.option("--no-versioning", is_flag=True, help="Skip comparing with previous contract versions."),
        click.option(
            "--perspective",
            type=click.Choice(["consumer", "producer"]),
            default="consumer",
            show_default=True,
            help="Whose compatibility decides what a breaking change is.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=None,
            help="Products checked concurrently (worker processes) when they pay: with data, or a remote "
            "policy engine. Default: the number of cores.",
        ),
        click.option(
            "--sample",
            "--sample-rows",
            "sample_rows",
            type=click.IntRange(min=1),
            default=None,
            help="Check a seeded random sample of N rows per table (reported as sampled).",
        ),
        click.option(
            "--sample-fraction",
            type=click.FloatRange(min=0, max=1, min_open=True),
            default=None,
            help="Check a seeded random fraction F of the rows per table (reported as sampled).",
        ),
        engine_options,
        now_option,
        click.option(
            "--decision-log",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="Append an OPA-style decision log (JSON lines, masked) to this file "
            "(or decision_log in meshguard.yaml).",
        ),
    )(wrapper)  # type: ignore[return-value]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@delivery_options
@run_options
@click.option(
    "--base",
    "base_ref",
    default=None,
    metavar="REF",
    help="Compare contracts with this git ref (default: merge-base with the default branch in "
    "ci mode, HEAD in pre-commit mode; see docs/versioning.md).",
)
@progress_options
@gate_options
@repo_options
def check(
    paths: tuple[Path, ...],
    delivery: Delivery,
    options: RunOptions,
    base_ref: str | None,
    progress: bool | None,
    quiet: bool,
    changed_only: bool,
    ci: bool,
    with_data: bool,
    root: Path,
    config_file: Path | None,
) -> int:
    """Check every data product of the governance repo and render the results.

    Exit 0 gate passed (warnings allowed unless --fail-on warn), 1 gate failed,
    2 bad input, 3 engine, data source or output unavailable.
    """
    from meshguard.policy import remote

    config = remote.resolve(get_config(root, config_file), options.policies)
    run = plan(config, paths, changed_only=changed_only, base_ref=base_ref, ci=ci)
    if run.nothing:
        click.echo("meshguard: no changed contract or sample data to check")
        return 0
    if options.with_policy and (options.engine or config.engine.kind) == "embedded":
        from meshguard.policy.embedded import prestart

        prestart()  # its start-up overlaps with the imports below and the stages before policy

    from meshguard.ci.run import run_check

    if run.note and not quiet:
        click.echo(f"meshguard: {run.note}", err=True)
    with status_line(progress, quiet) as bar:
        options = replace(
            options,
            mode=options.mode or run.mode,
            base_ref=run.base_ref,
            with_data=options.with_data or with_data,
            progress=bar,
            steps=bar.step if bar is not None else None,
        )
        done = bar.close if bar is not None else None  # the status line is cleared before any output
        return run_check(
            config, run.paths, options, delivery, fail_on=options.fail_on, ci=run.ci, checked=done
        ).exit_code
