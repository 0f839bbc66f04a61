"""Waivers, in-process: the expiry boundary (a waiver is valid through its ``expires`` day), field
matching, and which run-level notice each waiver gives (expired, expiring soon, stale)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from meshguard.errors import WaiverError
from meshguard.policy.waivers import EXPIRING_SOON_DAYS, WaiverSet, load_waivers
from meshguard.results.model import Severity, Status, Waiver
from meshguard.yamlio import Limits

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


def test_a_waiver_that_does_not_match_does_not_stop_the_search() -> None:
    other_product, other_field, right = _waiver(product="x"), _waiver(field="phone"), _waiver(field="email")
    ws = _set(EXPIRES, other_product, other_field, right)
    assert ws.match(("OWN-003",), "bad", "t.email") == right
    assert ws.used == {2}


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
    assert (f.stage, f.title, f.field) == ("policy", "Expired waiver", None)
    assert f.remediation == "Fix the finding, or renew the waiver with a new approval and expiry date."


def test_every_notice_is_located_and_carries_its_waiver() -> None:
    today = EXPIRES - timedelta(days=3)
    used, stale = _waiver(field="email"), _waiver(policy="OTHER", field="phone")
    ws = _set(today, used, stale)
    ws.products_seen.add("bad")
    ws.match(("OWN-003",), "bad", "t.email")
    notices = {f.rule_id: f for f in ws.mesh_findings()}
    assert set(notices) == {"MG-WAIVER-EXPIRING", "MG-WAIVER-STALE"}
    for f in notices.values():
        assert f.location is not None and (f.location.path, f.location.line) == ("waivers.yaml", 3)
        assert f.stage == "policy"
    expiring, stale_notice = notices["MG-WAIVER-EXPIRING"], notices["MG-WAIVER-STALE"]
    assert (expiring.field, expiring.waiver, expiring.title) == ("email", used, "Waiver expiring soon")
    assert expiring.remediation == "Fix the finding before the waiver expires, or renew the waiver."
    assert (stale_notice.field, stale_notice.waiver, stale_notice.title) == ("phone", stale, "Stale waiver")
    assert stale_notice.remediation == (
        "Remove the waiver: the finding it covered is gone (or the policy id changed)."
    )


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


# ---------------------------------------------------------------- waivers.yaml


def _load(tmp_path: Path, text: str | None) -> WaiverSet:
    f = tmp_path / "waivers.yaml"
    if text is not None:
        f.write_text(text, encoding="utf-8")
    return load_waivers(f, "waivers.yaml", EXPIRES)


def test_a_missing_or_empty_file_has_no_waivers(tmp_path: Path) -> None:
    for text in (None, "", "# nothing\n", "waivers:\n", "waivers: []\n"):
        ws = _load(tmp_path, text)
        assert (ws.path, ws.waivers, ws.today) == ("waivers.yaml", [], EXPIRES), text


def test_waivers_are_read_trimmed_with_their_lines(tmp_path: Path) -> None:
    ws = _load(
        tmp_path,
        "waivers:\n"
        "  - policy: ' OWN-003 '\n    product: bad\n    reason: ' legal review '\n"
        "    approved_by: dpo@example.com\n    expires: '2026-01-10'\n"
        "  - {policy: GDPR-007, product: p, field: ' email ', reason: r, approved_by: a, expires: 2027-02-03}\n",
    )
    assert ws.waivers == [
        Waiver("OWN-003", "bad", "legal review", "dpo@example.com", "2026-01-10", None, 2),
        Waiver("GDPR-007", "p", "r", "a", "2027-02-03", "email", 7),
    ]
    top_level_list = _load(
        tmp_path,
        "- {policy: A, product: p, reason: r, approved_by: a, expires: 2027-01-01}\n"
        "- {policy: B, product: p, reason: r, approved_by: a, expires: 2027-01-01}\n",
    )
    assert [(w.policy, w.source_line) for w in top_level_list.waivers] == [("A", 1), ("B", 2)]


def test_yaml_errors_keep_their_place_and_hint(tmp_path: Path) -> None:
    f = tmp_path / "waivers.yaml"
    f.write_text("waivers: []\n" + "# pad\n" * 50, encoding="utf-8")
    with pytest.raises(WaiverError) as err:
        load_waivers(f, "waivers.yaml", EXPIRES, Limits(max_bytes=100))
    assert err.value.message == "file is 312 bytes, over the 100-byte limit"
    assert err.value.hint and "limits.max_bytes" in err.value.hint
    f.write_text("waivers:\n  - policy: [A\n", encoding="utf-8")
    with pytest.raises(WaiverError) as err:
        load_waivers(f, "waivers.yaml", EXPIRES)
    assert (err.value.path, err.value.line, err.value.column) == ("waivers.yaml", 3, 1)
    assert err.value.message


ENTRY = "waivers:\n  - policy: A\n    product: p\n    reason: r\n    approved_by: x\n"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (ENTRY, "waiver is missing 'expires'", 2),
        (ENTRY.replace("    product: p\n", ""), "waiver is missing 'product'", 2),
        (
            ENTRY.replace("reason: r", "reason: '  '") + "    expires: 2027-01-01\n",
            "waiver is missing 'reason'",
            2,
        ),
        (ENTRY + "    expires: soon\n", "waiver 'expires' must be a date YYYY-MM-DD, got 'soon'", 6),
        (
            ENTRY + "    expires: '2027-1-1'\n",
            "waiver 'expires' must be a date YYYY-MM-DD, got '2027-1-1'",
            6,
        ),
        (
            ENTRY + "    expires: '2027-02-30'\n",
            "waiver 'expires' must be a date YYYY-MM-DD, got '2027-02-30'",
            6,
        ),
        (
            ENTRY + "    expires: 2027-01-01\n    owner: y\n",
            "unknown waiver key 'owner' (known: policy, product, reason, approved_by, expires, field)",
            7,
        ),
        (
            ENTRY.replace("policy: A", "policy: 7") + "    expires: 2027-01-01\n",
            "waiver 'policy' must be a string",
            2,
        ),
        (ENTRY + "    expires: 2027-01-01\n    field: [a]\n", "waiver 'field' must be a string", 7),
        ("waivers:\n  - just a string\n", "each waiver must be a mapping", 2),
        ("waivers: {a: 1}\n", "waivers must be a list", 1),
        ("rules: []\n", "unknown top-level key 'rules' (expected 'waivers')", 1),
        ("waivers: []\nrules: []\n", "unknown top-level key 'rules' (expected 'waivers')", 2),
        ("waivers: [\n", None, None),
    ],
)
def test_malformed_waivers_name_the_line(
    tmp_path: Path, text: str, message: str | None, line: int | None
) -> None:
    with pytest.raises(WaiverError) as err:
        _load(tmp_path, text)
    assert err.value.path == "waivers.yaml"
    if message is not None:
        assert (err.value.message, err.value.line) == (message, line)
    assert err.value.exit_code == 2


def test_a_workers_usage_is_merged_into_the_runs_set() -> None:
    waivers = (_waiver(), _waiver(policy="GDPR-001"), _waiver(product="other"))
    worker = _set(EXPIRES, *waivers)
    assert worker.match(("OWN-003",), "bad", None) == waivers[0]
    worker.products_seen.add("bad")
    usage = worker.usage()
    assert usage == (frozenset({0}), frozenset({"bad"}))
    assert (type(usage[0]), type(usage[1])) == (frozenset, frozenset)
    parent = _set(EXPIRES, *waivers)
    parent.used.add(2)
    parent.products_seen.add("other")
    parent.absorb(usage)
    assert (parent.used, parent.products_seen) == ({0, 2}, {"bad", "other"})
    assert [f.rule_id for f in parent.mesh_findings()] == [
        "MG-WAIVER-EXPIRING",
        "MG-WAIVER-STALE",
        "MG-WAIVER-EXPIRING",
    ]
    assert worker.usage() == usage  # reading it leaves the worker's set as it was
    assert (worker.used, worker.products_seen) == ({0}, {"bad"})
