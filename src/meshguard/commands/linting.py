"""``meshguard lint``'s work, without click: the click command (:mod:`meshguard.commands.lint`)
and the pre-commit hook's plain ``meshguard lint FILE…`` (:func:`meshguard.cli.main` serves it
without loading click) both run :func:`lint_paths`."""

from __future__ import annotations

from pathlib import Path

from meshguard.commands.shared import Outputs, finish, get_config, resolve_paths
from meshguard.contracts.repo import lint_repo


def lint_paths(
    paths: tuple[Path, ...],
    outputs: Outputs,
    fail_on: str | None,
    root: Path | None,
    config_file: Path | None,
) -> int:
    """Lint ``paths`` (default: the repo's contracts), render the outcome, return the exit code."""
    from meshguard.outcomes import lint_outcome

    config = get_config(root, config_file)
    result = lint_repo(resolve_paths(config, paths), config)  # not through meshguard.api: it imports more
    return finish(lint_outcome(result, config), outputs, fail_on, config.fail_on)
