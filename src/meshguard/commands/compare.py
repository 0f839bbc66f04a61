"""Arguments shared by ``meshguard diff`` and ``meshguard changelog``: OLD NEW, or CONTRACT --base REF."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.errors import UsageError
from meshguard.stages import VersionInfo
from meshguard.versioning.stage import compare_files, compare_with_base

F = TypeVar("F", bound=Callable[..., Any])


def compare_options(fn: F) -> F:
    fn = click.option(
        "--base",
        "base",
        default=None,
        metavar="REF",
        help="Compare CONTRACT with its version at this git ref (branch, tag, commit).",
    )(fn)
    fn = click.option(
        "--perspective",
        type=click.Choice(["consumer", "producer"]),
        default="consumer",
        show_default=True,
        help="Whose compatibility decides what is breaking.",
    )(fn)
    fn = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))(fn)
    return fn


def run_compare(
    files: tuple[Path, ...], base: str | None, perspective: str, config: Config
) -> tuple[Contract, VersionInfo]:
    for f in files:
        if not f.is_file():
            raise UsageError(f"no such file: {f.as_posix()}")
    if len(files) == 2:
        if base:
            raise UsageError("give either OLD NEW or CONTRACT --base REF, not both")
        return compare_files(files[0], files[1], config, perspective)
    if len(files) == 1:
        # without --base: the side-by-side previous file, else git (merge-base in CI, HEAD otherwise)
        mode = "ci" if os.environ.get("CI") else "pre-commit"
        return compare_with_base(files[0], config, base, perspective, mode)
    raise UsageError("expected OLD NEW, or CONTRACT [--base REF]")
