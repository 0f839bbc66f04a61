"""The decisions tree an engine answers with, read into ``{"meshguard.pkg.rule": [findings]}``.

Kept apart from :mod:`meshguard.policy.engine` because the embedded engine's worker
process imports it: everything here runs on the standard library's ``re`` alone (no
``typing``, no ``dataclasses``), so the worker, started beside every policy run, the
pre-commit hook's included, is ready sooner and costs less.
"""

from __future__ import annotations

import re

TYPE_CHECKING = (
    False  # not typing.TYPE_CHECKING: importing typing would cost the worker more than this module
)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, Protocol

    class Module(Protocol):
        """A Rego module as the cores read it (:class:`meshguard.policy.bundle.Module` is one)."""

        @property
        def path(self) -> str: ...

        @property
        def text(self) -> str: ...


ROOT = "meshguard"

#: rule names the policy stage reports (conftest's convention)
_DECISION = re.compile(r"^(deny|warn|violation)(_\w+)?$")


def is_decision_rule(name: str) -> bool:
    return bool(_DECISION.match(name))


def flatten_tree(tree: Any, prefix: str = ROOT) -> dict[str, list[Any]] | None:
    """``data.meshguard`` as returned by an engine → ``{"meshguard.pkg.rule": [findings]}``.

    Returns None when the tree is not an object (a malformed answer). Decision
    rules must be sets (JSON arrays); anything else is malformed too.
    """
    if not isinstance(tree, dict):
        return None
    out: dict[str, list[Any]] = {}
    for key, value in tree.items():
        name = f"{prefix}.{key}"
        if is_decision_rule(key) and not isinstance(value, dict):
            if not isinstance(value, list):
                return None
            out[name] = value
        elif isinstance(value, dict):
            sub = flatten_tree(value, name)
            if sub is None:
                return None
            out.update(sub)
    return out


def per_rule(
    rules: Iterable[str], query: Callable[[str], Any], summarise: Callable[[str], str]
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Each rule queried on its own (after the whole tree failed): a rule that errors or is
    not a set of findings is recorded in the errors with ``summarise``'s line, the others
    decide. Returns (values, errors)."""
    values: dict[str, list[Any]] = {}
    errors: dict[str, str] = {}
    for rule in rules:
        try:
            value = query(f"data.{rule}")
        except RuntimeError as exc:
            errors[rule] = summarise(str(exc))
            continue
        if value is None:
            continue
        if not isinstance(value, list):
            errors[rule] = "a decision rule must be a set of findings"
            continue
        values[rule] = value
    return values, errors
