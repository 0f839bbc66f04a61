"""Where ``check`` runs: options and planning for pre-commit hooks and CI gates.

``--changed-only`` narrows the run to the products whose contract or sample
data changed (the files given, as pre-commit passes them, or what git says
changed against the base ref); ``--ci`` takes the base ref and the outputs
from the CI environment (:mod:`meshguard.ci_env`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from meshguard.ci.env import CIEnv, detect
from meshguard.ci.gitfiles import changed_files, resolve_ref
from meshguard.ci.scope import select
from meshguard.config import Config

F = TypeVar("F", bound=Callable[..., Any])


def gate_options(fn: F) -> F:
    fn = click.option(
        "--changed-only",
        is_flag=True,
        help="Check only the products whose contract or sample data changed: the files given "
        "(as pre-commit passes them), else what git reports against the base ref (--base, the CI "
        "environment's with --ci, MESHGUARD_BASE_REF) or, outside CI, HEAD. In CI without a base "
        "ref every product is checked (fail closed).",
    )(fn)
    fn = click.option(
        "--ci",
        "ci",
        is_flag=True,
        help="CI defaults: base ref from the CI environment, JUnit + SARIF in the reports folder, "
        "markdown summary to $GITHUB_STEP_SUMMARY, workflow annotations on GitHub.",
    )(fn)
    fn = click.option(
        "--with-data",
        is_flag=True,
        help="Read the sample data even when --no-data is given (opt-in for the pre-commit hook).",
    )(fn)
    return fn


@dataclass
class Plan:
    """What a check run covers: the contracts, the mode and the base to compare with."""

    paths: list[Path]
    mode: str
    base_ref: str | None = None
    ci: CIEnv | None = None
    #: --changed-only found nothing to check
    nothing: bool = False
    ignored: list[Path] = field(default_factory=list)
    #: why the run is wider than asked (shown on stderr)
    note: str | None = None


def mode_for(ci: bool) -> str:
    """``pre-commit`` inside a pre-commit hook (it sets PRE_COMMIT=1), else ``ci``."""
    return "pre-commit" if os.environ.get("PRE_COMMIT") == "1" and not ci else "ci"


def plan(
    config: Config,
    paths: tuple[Path, ...],
    *,
    changed_only: bool,
    base_ref: str | None,
    ci: bool,
) -> Plan:
    env = detect(os.environ)
    if base_ref:
        refs: tuple[str, ...] = (base_ref,)
    elif ci:
        refs = env.base_refs  # MESHGUARD_BASE_REF included
    else:
        refs = tuple(r for r in [os.environ.get("MESHGUARD_BASE_REF", "").strip()] if r)
    out = Plan(paths=list(paths), mode=mode_for(ci), ci=env if ci else None)
    if refs:
        out.base_ref = resolve_ref(config.root, refs) or refs[0]
    if not changed_only:
        return out
    if not paths and not refs and (ci or env.is_ci):
        # in CI, HEAD is the commit under test: comparing with it finds nothing, whatever the
        # branch holds. Without a base ref, fail closed: check everything, and say why.
        out.note = (
            "--changed-only: no base ref in this CI environment (give --base REF or set "
            "MESHGUARD_BASE_REF): checking every contract"
        )
        return out
    changed = list(paths) if paths else changed_files(config.root, refs)
    scope = select(changed, config)
    out.paths = scope.contracts
    out.ignored = scope.ignored
    out.nothing = not scope.contracts
    return out
