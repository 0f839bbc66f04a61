"""Service-level periods: the units ODCS ``slaProperties`` are written in, as seconds.

One table for measuring an SLA on the data (``quality.sla``) and for comparing two versions of
a contract's SLAs (``versioning``), so that both read ``12 m`` the same way.
"""

from __future__ import annotations

UNIT_SECONDS: dict[str, float] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "wk", "week", "weeks"), 7 * 86400),
    (("mo", "mon", "month", "months"), 30 * 86400),
    (("y", "yr", "yrs", "year", "years"), 365 * 86400),
):
    for _name in _names:
        UNIT_SECONDS[_name] = float(_seconds)


def caseless(text: str) -> str:
    """``text`` for comparing without regard to case: ``str.casefold``, which also folds what
    ``str.lower`` keeps apart (``"Maß"`` and ``"MASS"``); the same as ``lower`` for ASCII."""
    return text.casefold()


def unit_seconds(unit: str, prop: str) -> float | None:
    """Seconds in one ``unit`` of the SLA ``prop`` (None for a unit not known), whatever its case.
    ``m`` is ambiguous in ODCS examples: months for ``retention``, minutes otherwise."""
    u = caseless(unit.strip())
    if u == "m":
        u = "month" if caseless(prop) == "retention" else "min"
    return UNIT_SECONDS.get(u)
