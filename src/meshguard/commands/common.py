"""Options and helpers shared by commands (what needs no click: :mod:`meshguard.commands.shared`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from meshguard.errors import UsageError

if TYPE_CHECKING:
    from meshguard.report.progress import Progress

F = TypeVar("F", bound=Callable[..., Any])


class PluginChoice(click.Choice):  # type: ignore[type-arg]
    """A choice among built-in names and those plugins add (entry points read only when needed:
    a built-in name, the usual case, is accepted without scanning the installed distributions)."""

    def __init__(self, builtins: Sequence[str], everything: Callable[[], Sequence[str]]) -> None:
        super().__init__(list(builtins))
        self._builtins = tuple(builtins)
        self._everything = everything

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value in self._builtins:
            return value
        self.choices = tuple(self._everything())
        return super().convert(value, param, ctx)

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str | None:
        # click >= 8.2 passes ctx by keyword
        self.choices = tuple(self._everything())
        metavar: str | None = super().get_metavar(param, *args, **kwargs)
        return metavar


def format_choice() -> PluginChoice:
    """``--format``: the reporters' names (built-in and plugins)."""
    from meshguard.report import formats

    return PluginChoice(list(formats.REPORTERS), formats.names)


def repo_options(fn: F) -> F:
    fn = click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The governance repo (default: the nearest folder holding meshguard.yaml, from the "
        "current one upwards; else the current folder).",
    )(fn)
    fn = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Config file (default: ROOT/meshguard.yaml, else [tool.meshguard] in pyproject.toml).",
    )(fn)
    return fn


def parse_as_of(as_of: str | None) -> datetime | None:
    """``--as-of`` ("now" for SLA checks) as a datetime, None when not given."""
    if not as_of:
        return None
    from meshguard.quality.sla import parse_instant

    return parse_instant(as_of, "--now")


def engine_options(fn: F) -> F:
    """``--engine``, ``--opa-url``, ``--push-policies`` and ``--policies`` (fields of RunOptions)."""
    fn = click.option(
        "--policies",
        "policies",
        type=click.Path(path_type=Path),
        default=None,
        help="Policies directory (default: policies in meshguard.yaml, else ROOT/policies).",
    )(fn)
    fn = click.option(
        "--push-policies/--no-push-policies",
        "push_policies",
        default=None,
        help="opa engine: upload the repo's policies to the server first (default: engine.opa.push_policies).",
    )(fn)
    fn = click.option(
        "--opa-url", default=None, help="opa engine: server URL (default: engine.opa.url in meshguard.yaml)."
    )(fn)
    from meshguard.policy.engine import ENGINES, engine_names

    fn = click.option(
        "--engine",
        type=PluginChoice(list(ENGINES), engine_names),
        default=None,
        help="Policy engine (default: engine.kind in meshguard.yaml, else embedded).",
    )(fn)
    return fn


def parse_now(value: str | None) -> datetime:
    """``--now`` (ISO 8601, default: the current time, UTC): the run's clock."""
    if not value:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--now: not an ISO 8601 date/time: {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def now_option(fn: F) -> F:
    return click.option(
        "--now",
        default=None,
        help="The run's clock (ISO 8601, e.g. 2026-11-25T00:00:00Z): waiver expiry, freshness.",
    )(fn)


def progress_options(fn: F) -> F:
    """``--progress/--no-progress`` and ``-q/--quiet``: the status line on stderr while products
    are read and checked (see :mod:`meshguard.report.progress`)."""
    fn = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        help="No progress and no notes on stderr (errors and CI annotations still go there).",
    )(fn)
    return click.option(
        "--progress/--no-progress",
        default=None,
        help="Status line on stderr while products are read and checked (default: on a terminal).",
    )(fn)


@contextmanager
def status_line(progress: bool | None, quiet: bool) -> Iterator[Progress | None]:
    """The run's status line (None when off); closed at the end, so that an unfinished line is
    cleared before an error is printed."""
    from meshguard.report.progress import Progress

    bar = Progress(0, force=bool(progress)) if progress is not False and not quiet else None
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()
