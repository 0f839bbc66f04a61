"""Waivers, in-process: the expiry boundary (a waiver is valid through its ``expires`` day), field
matching, and which run-level notice each waiver gives (expired, expiring soon, stale)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from meshguard.policy.waivers import EXPIRING_SOON_DAYS, WaiverSet
from meshguard.report.model import Severity, Status, Waiver

EXPIRES = date(2026, 1, 10)


def _waiver(
    policy: str = "OWN-003", product: str = "bad", field: str | None = None, expires: date = EXPIRES
) -> Waiver:
    return Waiver(
        policy=policy,
        product=product,
        reason="r",
        approved_by="a",
        expires=expires.isoformat(),
        field=field,
        source_line=3,
    )


def _set(today: date, *waivers: Waiver) -> WaiverSet:
    return WaiverSet("waivers.yaml", list(waivers), today=today)


@pytest.mark.parametrize(
    ("today", "waives"),
    [
        (EXPIRES - timedelta(days=1), True),
        (EXPIRES, True),  # the expiry day itself still waives
        (EXPIRES + timedelta(days=1), False),
    ],
    ids=["day-before", "expiry-day", "day-after"],
)
def test_a_waiver_waives_through_its_expiry_day(today: date, waives: bool) -> None:
    w = _waiver()
    ws = _set(today, w)
    assert ws.expired(w) is not waives
    assert ws.match(("OWN-003",), "bad", None) == (w if waives else None)
    assert ws.used == {0}  # matched either way: an expired waiver is never reported stale


def test_match_needs_the_product_and_one_of_the_policy_ids() -> None:
    w = _waiver()
    ws = _set(EXPIRES, w)
    assert ws.match(("OTHER",), "bad", None) is None
    assert ws.match(("OWN-003",), "good", None) is None
    assert ws.used == set()
    assert ws.match(("meshguard.ownership.deny", "OWN-003"), "bad", None) == w


@pytest.mark.parametrize(
    ("waived", "actual", "matches"),
    [
        ("email", "email", True),
        ("email", "patients.email", True),
        ("patients.email", "patients.email", True),
        ("email", "patients.email_hash", False),
        ("email", "xemail", False),
        ("email", None, False),
        ("patients.email", "email", False),
    ],
)
def test_field_matching(waived: str, actual: str | None, matches: bool) -> None:
    w = _waiver(field=waived)
    assert (_set(EXPIRES, w).match(("OWN-003",), "bad", actual) == w) is matches


def test_the_first_valid_waiver_wins_and_an_expired_one_does_not_hide_it() -> None:
    old, new = _waiver(expires=EXPIRES - timedelta(days=1)), _waiver(expires=EXPIRES + timedelta(days=90))
    ws = _set(EXPIRES, old, new)
    assert ws.match(("OWN-003",), "bad", None) == new
    assert ws.used == {0, 1}


def _notices(ws: WaiverSet) -> list[tuple[str, str, str, str]]:
    return [(f.rule_id, str(f.severity), str(f.status), f.message) for f in ws.mesh_findings()]


def test_expired_waiver_notice_is_a_warning_not_a_blocking_finding() -> None:
    ws = _set(EXPIRES + timedelta(days=1), _waiver())
    (f,) = ws.mesh_findings()
    assert (f.rule_id, f.severity, f.status) == ("MG-WAIVER-EXPIRED", Severity.WARNING, Status.WARNED)
    assert f.message == "waiver for OWN-003 on bad expired on 2026-01-10; it no longer waives"
    assert not f.blocking
    assert f.location is not None and (f.location.path, f.location.line) == ("waivers.yaml", 3)
    assert f.waiver == _waiver()


def test_expiring_soon_only_for_a_used_waiver_within_the_window() -> None:
    assert EXPIRING_SOON_DAYS == 30
    for days, expect in ((0, True), (30, True), (31, False)):
        ws = _set(EXPIRES - timedelta(days=days), _waiver())
        ws.match(("OWN-003",), "bad", None)
        got = _notices(ws)
        if expect:
            assert got == [
                (
                    "MG-WAIVER-EXPIRING",
                    "info",
                    "info",
                    f"waiver for OWN-003 on bad expires in {days} day(s), on 2026-01-10",
                )
            ]
        else:
            assert got == []


def test_stale_only_for_an_unused_waiver_of_an_evaluated_product() -> None:
    ws = _set(EXPIRES - timedelta(days=90), _waiver(), _waiver(product="elsewhere"))
    assert _notices(ws) == []  # no product evaluated yet: nothing is stale
    ws.products_seen.add("bad")
    assert _notices(ws) == [
        ("MG-WAIVER-STALE", "warning", "warned", "waiver for OWN-003 on bad matches no finding")
    ]
    ws.match(("OWN-003",), "bad", None)
    assert _notices(ws) == []  # used, far from expiry


def test_an_unused_expiring_waiver_is_stale_not_expiring() -> None:
    ws = _set(EXPIRES, _waiver())
    ws.products_seen.add("bad")
    assert [n[0] for n in _notices(ws)] == ["MG-WAIVER-STALE"]
