"""The one shape of a rule-catalogue entry, shared by lint rules, change rules and semver rules.

Every rule meshguard reports under its own id (``MG0xx`` lint, ``MGV1xx``/``MGV2xx``
changes, ``MGV00x`` semver) is a :class:`RuleSpec`: a stable id and name, the
severity (for a change rule: its class of change for a consumer), the title and
remediation every finding of it carries, and the check that finds it, when the
rule is a function of its own (lint rules). Policy rules get the same fields
from their Rego METADATA.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

CheckT = TypeVar("CheckT", bound=Callable[..., Any])


@dataclass(frozen=True)
class RuleSpec(Generic[CheckT]):
    """A declared rule: its id, name, severity and how it is checked."""

    id: str
    name: str
    severity: str
    title: str
    remediation: str | None = None
    check: CheckT | None = None
