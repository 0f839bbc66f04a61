"""Waivers (``waivers.yaml`` in the governance repo).

Each waiver names a policy id, a product, optionally a field, a reason, who
approved it and when it expires (a date; required). A matching finding is
reported as ``waived``; a waiver for an evaluated product that matched nothing
is stale. A malformed file is a :class:`WaiverError` (exit 2) naming the line.

Expiry: a waiver waives through its ``expires`` day and stops the day after.
An expired waiver never waives, so a finding it covered fails as if it had no
waiver (and blocks the gate if it is blocking); the expired waiver itself is a
warning (``MG-WAIVER-EXPIRED``), whether or not its finding is still there, so
it blocks only with ``--fail-on warn``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from meshguard.errors import WaiverError
from meshguard.results.model import Finding, Location, Severity, Status, Waiver
from meshguard.yamlio import DEFAULT_LIMITS, Limits, LineMap, YamlError, load_yaml_file

#: a valid waiver this close to its expiry is reported (info) so it gets renewed or resolved in time
EXPIRING_SOON_DAYS = 30
REQUIRED = ("policy", "product", "reason", "approved_by", "expires")
OPTIONAL = ("field",)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


#: which waivers matched and which products were seen, in one process (merged across workers)
WaiverUsage = tuple[frozenset[int], frozenset[str]]


@dataclass
class WaiverSet:
    """The waivers of waivers.yaml, and which of them a run used."""

    path: str
    waivers: list[Waiver] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    used: set[int] = field(default_factory=set)
    products_seen: set[str] = field(default_factory=set)

    def expired(self, w: Waiver) -> bool:
        """True from the day after ``expires``: the expiry day itself still waives."""
        return date.fromisoformat(w.expires) < self.today

    def match(self, policy_ids: tuple[str, ...], product: str, field_: str | None) -> Waiver | None:
        """The valid waiver covering this finding, if any. Expired waivers never match."""
        for i, w in enumerate(self.waivers):
            if w.product != product or w.policy not in policy_ids:
                continue
            if w.field is not None and not _field_matches(w.field, field_):
                continue
            if self.expired(w):
                self.used.add(i)  # it matched, so it is not stale, but it does not waive
                continue
            self.used.add(i)
            return w
        return None

    def usage(self) -> WaiverUsage:
        return frozenset(self.used), frozenset(self.products_seen)

    def absorb(self, usage: WaiverUsage) -> None:
        """Merge what another process saw (a worker's waiver usage) into this set."""
        self.used.update(usage[0])
        self.products_seen.update(usage[1])

    def mesh_findings(self) -> list[Finding]:
        """Expired waivers, waivers expiring soon, and stale ones (for products evaluated in this run)."""
        out: list[Finding] = []
        for i, w in enumerate(self.waivers):
            days = (date.fromisoformat(w.expires) - self.today).days
            what = f"waiver for {w.policy} on {w.product}"
            if days < 0:
                out.append(
                    _notice(
                        "MG-WAIVER-EXPIRED",
                        w,
                        self.path,
                        f"{what} expired on {w.expires}; it no longer waives",
                    )
                )
            elif i in self.used and days <= EXPIRING_SOON_DAYS:
                out.append(
                    _notice(
                        "MG-WAIVER-EXPIRING", w, self.path, f"{what} expires in {days} day(s), on {w.expires}"
                    )
                )
            elif i not in self.used and w.product in self.products_seen:
                out.append(_notice("MG-WAIVER-STALE", w, self.path, f"{what} matches no finding"))
        return out


#: rule id → (title, severity, remediation) of the waiver notices
_NOTICES: dict[str, tuple[str, str, str]] = {
    "MG-WAIVER-EXPIRED": (
        "Expired waiver",
        Severity.WARNING,
        "Fix the finding, or renew the waiver with a new approval and expiry date.",
    ),
    "MG-WAIVER-EXPIRING": (
        "Waiver expiring soon",
        Severity.INFO,
        "Fix the finding before the waiver expires, or renew the waiver.",
    ),
    "MG-WAIVER-STALE": (
        "Stale waiver",
        Severity.WARNING,
        "Remove the waiver: the finding it covered is gone (or the policy id changed).",
    ),
}


def _notice(rule_id: str, w: Waiver, path: str, message: str) -> Finding:
    title, severity, remediation = _NOTICES[rule_id]
    return Finding(
        rule_id=rule_id,
        stage="policy",
        severity=severity,
        message=message,
        status=Status.INFO if severity == Severity.INFO else Status.WARNED,
        location=Location(path, w.source_line),
        field=w.field,
        title=title,
        remediation=remediation,
        waiver=w,
    )


def _field_matches(waived: str, actual: str | None) -> bool:
    if actual is None:
        return False
    return waived == actual or actual.endswith("." + waived)


def _entry(raw: Any, index: int, path: str, lines: LineMap, within: tuple[str, ...]) -> Waiver:
    pointer: tuple[str | int, ...] = (*within, index)
    line = lines.line(pointer)
    if not isinstance(raw, dict):
        raise WaiverError("each waiver must be a mapping", path=path, line=line)
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise WaiverError(
            f"unknown waiver key {unknown[0]!r} (known: {', '.join(REQUIRED + OPTIONAL)})",
            path=path,
            line=lines.line((*pointer, unknown[0])) or line,
        )
    for key in REQUIRED:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise WaiverError(f"waiver is missing {key!r}", path=path, line=line)
    for key in (*REQUIRED, *OPTIONAL):
        if key in raw and raw[key] is not None and not isinstance(raw[key], str):
            raise WaiverError(f"waiver {key!r} must be a string", path=path, line=lines.line((*pointer, key)))
    expires = str(raw["expires"]).strip()
    try:
        if not _DATE.match(expires):
            raise ValueError
        date.fromisoformat(expires)
    except ValueError:
        raise WaiverError(
            f"waiver 'expires' must be a date YYYY-MM-DD, got {expires!r}",
            path=path,
            line=lines.line((*pointer, "expires")),
        ) from None
    return Waiver(
        policy=raw["policy"].strip(),
        product=raw["product"].strip(),
        reason=raw["reason"].strip(),
        approved_by=raw["approved_by"].strip(),
        expires=expires,
        field=raw["field"].strip() if raw.get("field") else None,
        source_line=line,
    )


def load_waivers(file: Path, shown: str, today: date, limits: Limits = DEFAULT_LIMITS) -> WaiverSet:
    """Read waivers.yaml (with the size/depth/alias limits of ``limits:`` in meshguard.yaml);
    a missing file means no waivers."""
    if not file.exists():
        return WaiverSet(shown, today=today)
    try:
        doc = load_yaml_file(file, shown, limits)
    except YamlError as exc:
        raise WaiverError(
            exc.message, path=exc.path, line=exc.line, column=exc.column, hint=exc.hint
        ) from None
    data = doc.data
    if data is None:
        return WaiverSet(shown, today=today)
    within: tuple[str, ...] = ()  # a list at the top, or under `waivers:`
    if isinstance(data, dict):
        within = ("waivers",)
        extra = sorted(set(data) - {"waivers"})
        if extra:
            raise WaiverError(
                f"unknown top-level key {extra[0]!r} (expected 'waivers')",
                path=shown,
                line=doc.lines.line((extra[0],)),
            )
        data = data.get("waivers") or []
    if not isinstance(data, list):
        raise WaiverError("waivers must be a list", path=shown, line=1)
    return WaiverSet(shown, [_entry(w, i, shown, doc.lines, within) for i, w in enumerate(data)], today=today)
