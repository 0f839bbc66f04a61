"""Presentation helpers shared by reporters: pick and word what to show, never score."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from meshguard.results.model import CheckResult, Finding, Location, ProductResult, Severity, Status, Waiver

SHOWN_CHECK_STATUSES = frozenset({Status.FAILED, Status.ERRORED, Status.WARNED, Status.UNSUPPORTED})


@dataclass(frozen=True)
class Item:
    """One thing worth reporting: a non-passing check or a finding, worded the same everywhere."""

    kind: str  # "check" | "finding"
    rule_id: str
    title: str
    stage: str
    severity: str
    status: str
    message: str
    location: Location | None
    field: str | None
    regulation: str | None
    remediation: str | None
    description: str | None
    waiver: Waiver | None = None
    #: a data check's dimension (completeness, uniqueness…)
    dimension: str | None = None
    #: what tells two findings of one rule on one field apart (the check or the change they concern)
    subject: str = ""
    #: the policy decision a failed check carries (``CheckResult.details["policy"]``): id, title, regulation
    consequence: dict[str, Any] | None = None

    @property
    def level(self) -> str:
        """error | warning | note | none: how loudly to show it."""
        if self.status in (Status.WAIVED, Status.PASSED, Status.INFO, Status.UNSUPPORTED):
            return "note" if self.status == Status.UNSUPPORTED else "none"
        if self.status == Status.WARNED or self.severity == Severity.WARNING:
            return "warning"
        if self.severity == Severity.INFO:
            return "note"
        return "error"


def check_item(c: CheckResult, product: ProductResult) -> Item:
    return Item(
        kind="check",
        rule_id=c.id,
        title=c.title or c.name,
        stage=str(c.stage),
        severity=str(c.severity),
        status=str(c.status),
        message=c.message or c.title or c.name,
        location=c.location or Location(product.contract_path),
        field=c.field,
        regulation=c.regulation,
        remediation=c.remediation,
        description=c.description,
        dimension=c.dimension,
        consequence=c.details.get("policy") if isinstance(c.details.get("policy"), dict) else None,
    )


def finding_item(f: Finding, product: ProductResult | None) -> Item:
    fallback = Location(product.contract_path) if product else None
    return Item(
        kind="finding",
        rule_id=f.rule_id,
        title=f.title or f.rule_id,
        stage=str(f.stage),
        severity=str(f.severity),
        status=str(f.status),
        message=f.message,
        location=f.location or fallback,
        field=f.field,
        regulation=f.regulation,
        remediation=f.remediation,
        description=f.description,
        waiver=f.waiver,
        subject=str(f.details.get("check") or f.details.get("change") or ""),
        consequence=f.details.get("policy") if isinstance(f.details.get("policy"), dict) else None,
    )


def items(product: ProductResult, *, include_waived: bool = True) -> Iterator[Item]:
    """Findings first (they carry the detail), then checks that did not pass and have no finding."""
    finding_ids = {f.rule_id for f in product.findings}
    for f in product.findings:
        if include_waived or f.status != Status.WAIVED:
            yield finding_item(f, product)
    for c in product.checks:
        if c.status in SHOWN_CHECK_STATUSES and c.id not in finding_ids:
            yield check_item(c, product)


def rule_kind(it: Item) -> str:
    """The rule a code-scanning tool groups by: a finding's own rule id; for a data check its
    kind (``schema.required``, ``quality.completeness``, ``sla.freshness``, ``relationship``),
    because data-check ids are per product (``orders.order_id.unique``)."""
    if it.kind != "check" or it.stage == "policy":
        return it.rule_id
    if it.stage == "sla":
        return it.rule_id if it.rule_id.startswith("sla.") else f"sla.{it.rule_id}"
    if it.stage == "schema":
        return f"schema.{it.rule_id.rsplit('.', 1)[-1]}"
    if it.stage == "quality":
        if it.rule_id.endswith(".data"):
            return "quality.data"
        return f"quality.{it.dimension or 'rule'}"
    return it.stage


#: every ASCII punctuation character: CommonMark lets a backslash make each of them literal
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
#: an invisible word joiner after "@": GitHub autolinks e-mail addresses even when escaped
_WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """A string from a contract, data or a policy, made inert for GitHub-flavoured Markdown.

    One line; every ASCII punctuation character backslash-escaped, so no link,
    image, emphasis, code span, table pipe, HTML tag, entity or autolink
    (``https\\://``, ``www\\.``) can form; ``@`` is followed by a word joiner,
    which stops e-mail autolinks and is invisible.
    """
    one_line = " ".join(str(text).split())
    return _MD_PUNCT.sub(r"\\\1", one_line).replace("@", "@" + _WORD_JOINER)


def where(loc: Location | None) -> str:
    return str(loc) if loc else ""


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def joined(lines: list[str]) -> str:
    """``lines`` as one text, each ended by a newline; a newline inside one (a value's: a file
    name, a contract's string) is written ``\\n``, so that no value starts a line of its own (a
    CI log reads a line starting ``::`` as a command to the runner)."""
    text = "\n".join(lines)
    if text.count("\n") != len(lines) - 1 and lines:
        text = "\n".join(line.replace("\n", "\\n") for line in lines)
    return text + "\n"
