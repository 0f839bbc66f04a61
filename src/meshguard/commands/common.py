"""Options and helpers shared by commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from meshguard.config import Config, load_config

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


def parse_as_of(as_of: str | None) -> datetime | None:
    """``--as-of`` ("now" for SLA checks) as a datetime, None when not given."""
    if not as_of:
        return None
    from meshguard.quality.sla import parse_instant

    return parse_instant(as_of, "--as-of")
