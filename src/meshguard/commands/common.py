"""Options and helpers shared by commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from meshguard.config import Config, load_config
from meshguard.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])


def repo_options(fn: F) -> F:
    fn = click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The governance repo (where meshguard.yaml lives).",
    )(fn)
    fn = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Config file (default: ROOT/meshguard.yaml, else [tool.meshguard] in pyproject.toml).",
    )(fn)
    return fn


def get_config(root: Path, config_file: Path | None) -> Config:
    return load_config(root, config_file)


def resolve_paths(config: Config, paths: tuple[Path, ...]) -> list[Path]:
    """Paths named on the command line, or the repo's contracts folder."""
    if paths:
        return list(paths)
    return [config.contracts_path]


def resolve_now(config: Config, as_of: str | None) -> datetime:
    """ "now" for SLAs: ``--as-of``, else ``data.as_of`` in meshguard.yaml, else the clock (UTC)."""
    text = as_of or config.data.as_of
    if not text:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        where = "--as-of" if as_of else "data.as_of"
        raise UsageError(f"{where}: {text!r} is not an ISO date or timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
