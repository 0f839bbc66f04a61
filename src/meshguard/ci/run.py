"""One ``check`` run from start to exit code: check → history → reports → CI outputs → gate.

The command line parses its options into a :class:`RunOptions` and a :class:`Delivery`
and calls :func:`run_check`; the computation is :func:`meshguard.api.check_config`, the
same code ``meshguard.check(...)`` runs. A run that does not complete (a report that
cannot be written, an interrupt) is not left in the history.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from meshguard import gcpause

if TYPE_CHECKING:  # the options are parsed before the run's heavier imports start
    from meshguard.ci.env import CIEnv
    from meshguard.config import Config
    from meshguard.report.publish import OutputSpec
    from meshguard.results.model import MeshResult
    from meshguard.stages import RunOptions


@dataclass(frozen=True)
class Delivery:
    """Where a run's results go: stdout, files, the HTML scorecards, the run history."""

    stdout_format: str | None = "text"
    outputs: Sequence[OutputSpec] = field(default_factory=tuple)
    #: the HTML scorecards, the CI outputs and (by default) history.db go here;
    #: None: ``reports`` in meshguard.yaml
    reports_dir: Path | None = None
    scorecards: bool = True
    with_history: bool = True
    history_url: str | None = None


@dataclass
class CheckRun:
    mesh: MeshResult
    exit_code: int
    written: list[Path] = field(default_factory=list)


@gcpause.paused()  # one pause from the check to the last report: see meshguard.gcpause
def run_check(
    config: Config,
    paths: Sequence[Path],
    options: RunOptions,
    delivery: Delivery,
    *,
    fail_on: str | None = None,
    ci: CIEnv | None = None,
    checked: Callable[[], None] | None = None,
) -> CheckRun:
    """Check, record, render, then decide the exit code with the one gate. ``checked`` is called
    once the products are checked (or the check failed), before anything is printed."""
    from meshguard.api import check_config
    from meshguard.ci import report as ci_report
    from meshguard.report.publish import context, publish, source_link, use_colour
    from meshguard.results.gate import exit_code
    from meshguard.results.since import compare

    folder = delivery.reports_dir or config.reports_path
    outputs = list(delivery.outputs)
    if ci is not None:
        outputs += ci_report.outputs(folder)
    try:
        mesh = check_config(config, paths, options)
    finally:
        if checked is not None:
            checked()
    store = None
    if delivery.with_history:
        from meshguard.history import open_history

        store = open_history(config, delivery.history_url, folder)
        compare(mesh, store.latest())  # new failures and fixes since the last recorded run
        store.record(mesh, keep=config.history_keep)
    try:
        ctx = context(store, color=use_colour(sys.stdout), source_link=source_link(config, folder))
        written = publish(
            mesh,
            ctx,
            stdout_format=delivery.stdout_format,
            outputs=outputs,
            reports_dir=folder if delivery.scorecards else None,
        )
        if ci is not None:
            written += ci_report.finish(mesh, ci)
    except BaseException:
        if store is not None:  # the run did not complete: it is not recorded
            with contextlib.suppress(Exception):
                store.forget(mesh.run_id)
        raise
    finally:
        if store is not None:
            store.close()
    return CheckRun(mesh, exit_code(mesh, fail_on or options.fail_on or config.fail_on), written)
