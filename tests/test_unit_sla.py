"""SLA checks, in-process (``quality/sla.py``): freshness, retention and latency measured on the
data against the run's clock; units, the element that names the column, and every way an SLA
is passed, failed, errored, unsupported or only documented."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from check_tables import PATH, contract, table
from meshguard.contracts.catalogue import catalogue
from meshguard.errors import UsageError
from meshguard.quality.results import Table
from meshguard.quality.sla import parse_instant, period_seconds, sla_checks
from meshguard.results.model import CheckResult, Location

NOW = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
NOW_TEXT = "2025-01-10T12:00:00+00:00"


def customers() -> pl.DataFrame:
    signed = [dt.datetime(2025, 1, 9, 12), dt.datetime(2025, 1, 10, 6), dt.datetime(2024, 12, 1)]
    return pl.DataFrame(
        {
            "id": [1, 2, 3],
            "signed_up": signed,  # newest 6 h old at NOW, oldest 972 h
            "loaded_at": [signed[0] + dt.timedelta(hours=1), signed[1] + dt.timedelta(hours=3), None],
            "joined": [dt.date(2025, 1, 8), dt.date(2025, 1, 9), None],  # newest 36 h old
            "email": ["a@x.org", "b@x.org", "c@x.org"],
            "nothing": [None, None, None],
        }
    )


def orders() -> pl.DataFrame:
    return pl.DataFrame({"order_id": [7], "placed": [dt.datetime(2025, 1, 10, 11)]})


def run(
    *slas: dict[str, Any], masked: tuple[str, ...] = (), frame: pl.DataFrame | None = None
) -> list[CheckResult]:
    c = contract(slaProperties=list(slas))
    tables = {
        "customers": table(customers() if frame is None else frame, of=c, masked=masked),
        "orders": table(orders(), of=c, schema=1),
    }
    return sla_checks(c, tables, NOW)


def one(**sla: Any) -> CheckResult:
    (c,) = run(sla)
    return c


def outcome(c: CheckResult) -> tuple[Any, ...]:
    return (c.status, c.measured, c.threshold, c.message)


def test_freshness_passes_with_every_field_of_the_check() -> None:
    c = one(property="freshness", value=1, unit="d", element="customers.signed_up")
    assert c == CheckResult(
        id="sla.freshness",
        name="SLA freshness 1 d",
        stage="sla",
        status="passed",
        severity="error",
        dimension="timeliness",
        message="",
        field="customers.signed_up",
        schema="customers",
        location=Location(PATH, 19, 3, "/slaProperties/0"),
        measured=6.0,
        threshold="<= 24.0 h",
        details={"now": NOW_TEXT, "age_hours": 6.0, "edge": "2025-01-10T06:00:00+00:00"},
    )


@pytest.mark.parametrize(("value", "status"), [(6, "passed"), (5.99, "failed")])
def test_freshness_on_both_sides_of_its_limit(value: float, status: str) -> None:
    c = one(property="freshness", value=value, unit="h", element="customers.signed_up")
    assert c.status == status


def test_late_freshness_fails_with_its_age_and_limit() -> None:
    c = one(property="freshness", value=5, unit="h", element="signed_up")
    message = f"newest signed_up is 6.0 h old at {NOW_TEXT}, limit 5 h"
    assert outcome(c) == ("failed", 6.0, "<= 5.0 h", message)
    assert (c.failing_rows, c.samples) == (None, ())


def test_days_are_the_default_unit() -> None:
    c = one(property="freshness", value=0.2, element="signed_up")
    message = f"newest signed_up is 6.0 h old at {NOW_TEXT}, limit 0.2 d"
    assert outcome(c) == ("failed", 6.0, "<= 4.8 h", message)
    assert c.name == "SLA freshness 0.2"


def test_retention_measures_the_oldest_value() -> None:
    c = one(property="retention", value=30, unit="d", element="customers.signed_up")
    message = f"oldest signed_up is 972.0 h old at {NOW_TEXT}, limit 30 d"
    assert outcome(c) == ("failed", 972.0, "<= 720.0 h", message)
    assert c.details == {"now": NOW_TEXT, "age_hours": 972.0, "edge": "2024-12-01T00:00:00+00:00"}


def test_m_is_months_for_retention_and_minutes_otherwise() -> None:
    kept = one(property="retention", value=2, unit="m", element="signed_up")
    assert outcome(kept) == ("passed", 972.0, "<= 1440.0 h", "")
    fresh = one(property="freshness", value=300, unit="m", element="signed_up")
    assert (fresh.status, fresh.threshold) == ("failed", "<= 5.0 h")


def test_a_masked_column_does_not_show_its_edge() -> None:
    (c,) = run({"property": "freshness", "value": 1, "element": "signed_up"}, masked=("signed_up",))
    assert c.details == {"now": NOW_TEXT, "age_hours": 6.0}


def test_a_date_column_is_read_as_midnight_utc() -> None:
    c = one(property="freshness", value=1, unit="d", element="joined")
    message = f"newest joined is 36.0 h old at {NOW_TEXT}, limit 1 d"
    assert outcome(c) == ("failed", 36.0, "<= 24.0 h", message)
    assert c.details["edge"] == "2025-01-09T00:00:00+00:00"


def test_an_aware_timestamp_keeps_its_offset() -> None:
    paris = customers().with_columns(pl.col("signed_up").dt.replace_time_zone("Europe/Paris"))
    (c,) = run({"property": "freshness", "value": 1, "element": "signed_up"}, frame=paris)
    assert (c.measured, c.details["edge"]) == (7.0, "2025-01-10T06:00:00+01:00")


def test_the_table_of_another_schema_is_found_by_its_element() -> None:
    c = one(property="freshness", value=1, unit="h", element="orders.placed")
    assert (c.status, c.measured, c.schema) == ("passed", 1.0, "orders")
    assert one(property="freshness", value=1, unit="h", element="placed").schema == "orders"


def test_only_the_first_element_is_measured() -> None:
    c = one(property="freshness", value=1, unit="h", element="orders.placed, customers.signed_up")
    assert (c.status, c.schema) == ("passed", "orders")


@pytest.mark.parametrize("element", ["customers.placed", "orders.signed_up", "shipments.signed_up", "when"])
def test_an_element_that_is_not_a_column_is_errored(element: str) -> None:
    c = one(property="freshness", value=1, element=element)
    message = f"SLA freshness element {element!r} is not a column of the data"
    assert outcome(c) == ("errored", None, None, message)
    assert c.schema == "customers"


def test_an_sla_without_element_is_unsupported() -> None:
    c = one(property="freshness", value=1)
    message = (
        "SLA freshness names no element: meshguard measures it on a date or timestamp column "
        "(element: table.column); not evaluated"
    )
    assert outcome(c) == ("unsupported", None, None, message)


def test_other_properties_are_documented_only() -> None:
    c = one(property="availability", value="99.9", unit="percent", element="customers.id")
    message = "SLA 'availability' is not measurable from the data (documented only)"
    assert outcome(c) == ("info", None, None, message)
    assert (c.name, c.schema, c.severity) == ("SLA availability 99.9 percent", "customers", "error")


@pytest.mark.parametrize(
    ("value", "unit", "why"),
    [
        ("1", "d", "value '1' is not a number"),
        (True, "d", "value True is not a number"),
        (None, "d", "value None is not a number"),
        (1, "parsec", "unknown unit 'parsec'"),
    ],
)
def test_a_bad_limit_is_errored(value: Any, unit: str, why: str) -> None:
    c = one(property="freshness", value=value, unit=unit, element="signed_up")
    assert outcome(c) == ("errored", None, None, f"SLA freshness: {why}")


def test_a_column_that_is_not_a_date_is_errored() -> None:
    c = one(property="retention", value=1, element="email")
    assert outcome(c) == ("errored", None, None, "SLA retention: email is not a date or timestamp column")


def test_a_column_without_values_is_errored() -> None:
    c = one(property="freshness", value=1, element="nothing")
    assert outcome(c) == ("errored", None, None, "SLA freshness: no timestamps in the data")
    empty = customers().with_columns(pl.lit(None, pl.Datetime).alias("signed_up"))
    (c,) = run({"property": "freshness", "value": 1, "element": "signed_up"}, frame=empty)
    assert outcome(c) == ("errored", None, None, "SLA freshness: no timestamps in the data")


def test_dates_out_of_range_are_errored() -> None:
    far = customers().with_columns(pl.col("joined") + pl.duration(days=3_000_000))
    c, after = run(
        {"property": "freshness", "value": 1, "element": "joined"},
        {"property": "retention", "value": 100, "element": "signed_up"},
        frame=far,
    )
    assert outcome(c) == ("errored", None, None, "SLA freshness: joined holds dates out of range")
    assert after.status == "passed"


class TextTable(Table):
    """An engine that answers an extreme as text (not a date)."""

    def extreme(self, column: str, which: str) -> Any:
        return "2025-01-10"


def test_an_extreme_that_is_not_a_date_is_errored() -> None:
    twice = {"property": "freshness", "value": 1, "element": "signed_up"}
    c = contract(slaProperties=[twice, twice])
    t = TextTable(c, c.schemas[0], customers(), frozenset(), 5, False)
    message = "SLA freshness: signed_up is not a date or timestamp column"
    assert [outcome(r) for r in sla_checks(c, {"customers": t}, NOW)] == [
        ("errored", None, None, message)
    ] * 2


def test_repeated_properties_get_their_index_in_the_id() -> None:
    checks = run(
        {"property": "freshness", "value": 1, "element": "signed_up"},
        {"property": "retention", "value": 100, "element": "signed_up"},
        {"property": "freshness", "value": 2, "unit": "h", "element": "placed"},
    )
    assert [(c.id, c.status) for c in checks] == [
        ("sla.freshness.0", "passed"),
        ("sla.retention", "passed"),
        ("sla.freshness.2", "passed"),
    ]


def test_no_tables_no_checks() -> None:
    c = contract(slaProperties=[{"property": "freshness", "value": 1, "element": "signed_up"}])
    assert sla_checks(c, {}, NOW) == []


# --- latency: the largest delay between two timestamps of a row -------------------------------------


def test_late_rows_fail_latency_with_their_samples() -> None:
    c = one(property="latency", value=2, unit="h", element="customers.signed_up, customers.loaded_at")
    assert outcome(c) == ("failed", 3.0, "<= 2.0 h", "1 row(s) took longer than 2 h")
    assert (c.failing_rows, c.failing_fraction) == (1, 0.333333)
    assert [s["id"] for s in c.samples] == [2]
    assert (c.id, c.stage, c.dimension) == ("sla.latency", "sla", "timeliness")


def test_latency_at_its_limit_passes() -> None:
    c = one(property="latency", value=3, unit="h", element="signed_up, loaded_at")
    assert outcome(c) == ("passed", 3.0, "<= 3.0 h", "")
    assert (c.failing_rows, c.samples) == (0, ())


def test_latency_in_days_by_default() -> None:
    c = one(property="latency", value=0.1, element="signed_up,loaded_at")
    assert outcome(c) == ("failed", 3.0, "<= 2.4 h", "1 row(s) took longer than 0.1 d")


def test_latency_without_any_delay_measured() -> None:
    c = one(property="latency", value=1, element="signed_up, nothing")
    assert c.status == "errored"
    nulls = customers().with_columns(pl.lit(None, pl.Datetime).alias("loaded_at"))
    (c,) = run({"property": "latency", "value": 1, "element": "signed_up, loaded_at"}, frame=nulls)
    assert outcome(c) == ("passed", None, "<= 24.0 h", "")


@pytest.mark.parametrize("element", [None, "signed_up", "signed_up, ", "a, b, c"])
def test_latency_needs_two_elements(element: str | None) -> None:
    sla: dict[str, Any] = {"property": "latency", "value": 1}
    if element:
        sla["element"] = element
    c = one(**sla)
    message = "latency (source → availability) needs two elements, 'event_ts, available_ts'; documented only"
    assert outcome(c) == ("info", None, None, message)


@pytest.mark.parametrize(
    "element",
    [
        "customers.signed_up, orders.placed",
        "signed_up, shipped",
        "placed, customers.loaded_at",
        "shipments.signed_up, customers.loaded_at",  # no such table
        "customers.placed, customers.loaded_at",  # no such column in that table
    ],
)
def test_latency_elements_of_one_table(element: str) -> None:
    c = one(property="latency", value=1, element=element)
    assert outcome(c) == (
        "errored",
        None,
        None,
        "latency elements must be two timestamp columns of one table",
    )


def test_latency_errors() -> None:
    c = one(property="latency", value=1, unit="parsec", element="signed_up, loaded_at")
    assert outcome(c) == ("errored", None, None, "SLA latency: unknown unit 'parsec'")
    c = one(property="latency", value=1, element="email, id")
    assert (c.status, c.message[:13]) == ("errored", "SLA latency: ")


def test_a_long_latency_error_is_cut_at_120_characters() -> None:
    long = "a_column_whose_name_is_long_enough_to_make_the_error_message_longer_than_the_limit"
    text = customers().with_columns(pl.col("email").alias(long), pl.col("email").alias(long + "_too"))
    (c,) = run({"property": "latency", "value": 1, "element": f"{long}, {long}_too"}, frame=text)
    assert c.status == "errored"
    assert len(c.message) == len("SLA latency: ") + 120


def late_by(delay: dt.timedelta) -> pl.DataFrame:
    """The customers, the second signed up ``delay`` before the run and loaded at the run."""
    return customers().with_columns(
        pl.Series(
            "signed_up", [dt.datetime(2025, 1, 1), NOW.replace(tzinfo=None) - delay, dt.datetime(2025, 1, 1)]
        ),
        pl.Series("loaded_at", [dt.datetime(2025, 1, 1), NOW.replace(tzinfo=None), None]),
    )


def test_hours_are_rounded_to_two_places() -> None:
    odd = late_by(dt.timedelta(hours=100, seconds=30))  # 100.0083 h
    fresh, latency = run(
        {"property": "freshness", "value": 100, "unit": "min", "element": "customers.signed_up"},
        {"property": "latency", "value": 100, "unit": "min", "element": "signed_up, loaded_at"},
        frame=odd,
    )
    assert (fresh.measured, fresh.threshold, fresh.details["age_hours"]) == (100.01, "<= 1.67 h", 100.01)
    assert fresh.message == f"newest signed_up is 100.01 h old at {NOW_TEXT}, limit 100 min"
    assert outcome(latency) == ("failed", 100.01, "<= 1.67 h", "1 row(s) took longer than 100 min")
    (old,) = run({"property": "retention", "value": 1, "unit": "h", "element": "signed_up"}, frame=odd)
    assert (old.measured, old.threshold) == (228.0, "<= 1.0 h")


def test_a_schema_name_may_hold_dots() -> None:
    c = contract(slaProperties=[{"property": "freshness", "value": 1, "element": "shop.customers.signed_up"}])
    tables = {"shop.customers": table(customers(), of=c)}
    assert sla_checks(c, tables, NOW)[0].measured == 6.0
    c = contract(
        slaProperties=[
            {"property": "latency", "value": 3, "unit": "h", "element": "shop.customers.signed_up, loaded_at"}
        ]
    )
    assert outcome(sla_checks(c, {"shop.customers": table(customers(), of=c)}, NOW)[0]) == (
        "passed",
        3.0,
        "<= 3.0 h",
        "",
    )


# --- units and instants ------------------------------------------------------------------------------

UNITS = {
    1: ["s", "sec", "secs", "second", "seconds"],
    60: ["min", "mins", "minute", "minutes"],
    3600: ["h", "hr", "hrs", "hour", "hours"],
    86400: ["d", "day", "days"],
    7 * 86400: ["w", "wk", "week", "weeks"],
    30 * 86400: ["mo", "mon", "month", "months"],
    365 * 86400: ["y", "yr", "yrs", "year", "years"],
}


@pytest.mark.parametrize(("unit", "seconds"), [(u, s) for s, units in UNITS.items() for u in units])
def test_every_unit(unit: str, seconds: int) -> None:
    assert period_seconds(2, unit, "freshness") == 2.0 * seconds
    assert period_seconds(2, f" {unit.upper()} ", "freshness") == 2.0 * seconds


def test_period_defaults() -> None:
    assert period_seconds(1.5, None, "freshness") == 1.5 * 86400
    assert period_seconds(1, "m", "retention") == 30 * 86400
    assert period_seconds(1, "M", "freshness") == 60
    assert period_seconds(1, "m", "latency") == 60
    with pytest.raises(ValueError, match=r"^unknown unit 'fortnight'$"):
        period_seconds(1, "fortnight", "freshness")
    with pytest.raises(ValueError, match=r"^value False is not a number$"):
        period_seconds(False, "d", "freshness")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2025-01-10", dt.datetime(2025, 1, 10, tzinfo=dt.UTC)),
        ("2025-01-10T12:30:00Z", dt.datetime(2025, 1, 10, 12, 30, tzinfo=dt.UTC)),
        ("2025-01-10T12:30:00", dt.datetime(2025, 1, 10, 12, 30, tzinfo=dt.UTC)),
        (
            "2025-01-10T12:30:00+02:00",
            dt.datetime(2025, 1, 10, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
    ],
)
def test_parse_instant(text: str, instant: dt.datetime) -> None:
    parsed = parse_instant(text, "--as-of")
    assert (parsed, parsed.utcoffset()) == (instant, instant.utcoffset())


def test_a_bad_instant_is_a_usage_error() -> None:
    with pytest.raises(UsageError) as err:
        parse_instant("yesterday", "--as-of")
    assert str(err.value) == "--as-of: 'yesterday' is not an ISO date or timestamp"
    assert err.value.__cause__ is None


def test_every_kind_of_outcome_lets_the_next_sla_run() -> None:
    checks = run(
        {"property": "latency", "value": 1, "element": "signed_up"},
        {"property": "availability", "value": "99.9"},
        {"property": "retention", "value": 1},
        {"property": "frequency", "value": 1, "element": "when"},
        {"property": "freshness", "value": 1, "element": "when"},
        {"property": "freshness", "value": 1, "unit": "parsec", "element": "signed_up"},
        {"property": "freshness", "value": 1, "element": "email"},
        {"property": "freshness", "value": 1, "element": "nothing"},
        {"property": "retention", "value": 1, "element": "joined"},
        {"property": "latency", "value": 1, "element": "signed_up, loaded_at"},
        {"property": "freshness", "value": 1, "element": "signed_up"},
    )
    assert [(c.id, c.status) for c in checks] == [
        ("sla.latency.0", "info"),
        ("sla.availability", "info"),
        ("sla.retention.2", "unsupported"),
        ("sla.frequency", "info"),
        ("sla.freshness.4", "errored"),
        ("sla.freshness.5", "errored"),
        ("sla.freshness.6", "errored"),
        ("sla.freshness.7", "errored"),
        ("sla.retention.8", "failed"),
        ("sla.latency.9", "passed"),
        ("sla.freshness.10", "passed"),
    ]


# --- the property's case: matched caselessly, as the version diff and the policies match it ---------


def _as_written(c: CheckResult) -> tuple[Any, ...]:
    return (c.id, c.name, c.status, c.measured, c.threshold, c.message, c.details)


@pytest.mark.parametrize(
    "sla",
    [
        {"value": 1, "unit": "d", "element": "customers.signed_up", "property": "freshness"},
        {"value": 5, "unit": "h", "element": "signed_up", "property": "freshness"},
        {"value": 30, "unit": "d", "element": "signed_up", "property": "retention"},
        {"value": 2, "unit": "m", "element": "signed_up", "property": "retention"},
        {"value": 2, "unit": "h", "element": "signed_up, loaded_at", "property": "latency"},
        {"value": 1, "element": "signed_up", "property": "latency"},
        {"value": 1, "property": "freshness"},
    ],
    ids=lambda s: f"{s['property']} {s['value']} {s.get('unit', '')}",
)
@pytest.mark.parametrize("spelt", [str.capitalize, str.upper])
def test_a_measured_property_in_any_case_is_measured_as_in_lower_case(
    sla: dict[str, Any], spelt: Any
) -> None:
    lower = one(**sla)
    other = one(**{**sla, "property": spelt(sla["property"])})
    assert _as_written(other) == _as_written(lower)
    assert lower.status != "info" or sla["property"] == "latency"


def test_freshness_capitalised_is_measured_not_documented_only() -> None:
    c = one(property="Freshness", value=5, unit="h", element="signed_up")
    message = f"newest signed_up is 6.0 h old at {NOW_TEXT}, limit 5 h"
    assert (c.id, *outcome(c)) == ("sla.freshness", "failed", 6.0, "<= 5.0 h", message)


def test_one_measured_property_in_two_cases_is_repeated() -> None:
    checks = run(
        {"property": "freshness", "value": 1, "element": "signed_up"},
        {"property": "Freshness", "value": 2, "unit": "h", "element": "placed"},
        {"property": "Availability", "value": "99.9"},
        {"property": "availability", "value": "99.5"},
    )
    assert [(c.id, c.status) for c in checks] == [
        ("sla.freshness.0", "passed"),
        ("sla.freshness.1", "passed"),
        ("sla.Availability", "info"),  # a property meshguard does not measure keeps its id as written
        ("sla.availability", "info"),
    ]
    assert checks[2].message == "SLA 'Availability' is not measurable from the data (documented only)"


@pytest.mark.parametrize("prop", ["retention", "Retention", "RETENTION"])
def test_the_council_catalogue_reads_a_retention_sla_in_any_case(prop: str) -> None:
    c = contract(
        slaProperties=[{"property": "freshness", "value": 1}, {"property": prop, "value": 2, "unit": "y"}]
    )
    assert catalogue(c)["retention"] == "2 y"
