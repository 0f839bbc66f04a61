"""ODCS library metrics, in-process: how a measured value becomes passed, failed, warned, errored
or unsupported (``quality/library.py``), and the check result built from it (``quality/results.py``):
counts, shares, thresholds, messages, locations, masked samples."""

from __future__ import annotations

from typing import Any, ClassVar

import polars as pl
import pytest

from check_tables import PATH, RULE_POINTER, contract, rule, table
from meshguard.contracts.model import Contract, QualityRule
from meshguard.quality.library import library_check
from meshguard.quality.results import Table, check, location, severity_of, status_of, with_samples
from meshguard.results.model import CheckResult, Location
from meshguard.yamlio import LineMap

ROWS: dict[str, list[Any]] = {
    "id": [1, 2, 3, 3, None],
    "email": ["ann@x.org", None, "", "cid@x.org", None],
    "tier": ["gold", "silver", "N/A", "bronze", None],
    "age": [34, 51, 27, 45, 200],
    "code": ["1", "2", "x", "2", None],
}


def frame() -> pl.DataFrame:
    return pl.DataFrame(ROWS)


def run(*, field: str | None = "email", lazy: bool = False, **raw: Any) -> CheckResult:
    f = frame()
    t = table(f.lazy() if lazy else f, masked={"tier"})
    return with_samples([library_check(t, rule(field, **raw))], [t])[0]  # streamed: samples come late


def outcome(c: CheckResult) -> tuple[Any, ...]:
    return (c.status, c.measured, c.threshold, c.failing_rows, c.message)


def test_null_values_fail_with_every_field_of_the_check() -> None:
    c = run(metric="nullValues")
    assert c == CheckResult(
        id="customers.email.nullValues.0",
        name="customers.email.nullValues.0",
        stage="quality",
        status="failed",
        severity="error",
        dimension="completeness",
        message="nullValues = 2, expected = 0",
        field="email",
        schema="customers",
        location=Location(PATH, 13, 7, "/schema/0/properties/1/quality/0"),
        measured=2,
        threshold="= 0",
        failing_rows=2,
        failing_fraction=0.4,
        samples=(
            {"id": 2, "email": None, "tier": "***", "age": 51, "code": "2"},
            {"id": None, "email": None, "tier": None, "age": 200, "code": None},
        ),
        sampled=False,
        details={},
    )


@pytest.mark.parametrize("lazy", [False, True], ids=["memory", "streamed"])
def test_a_passing_rule_keeps_its_count_but_no_samples(lazy: bool) -> None:
    c = run(metric="nullValues", mustBeLessThan=3, lazy=lazy)
    assert outcome(c) == ("passed", 2, "< 3", 2, "")
    assert (c.failing_fraction, c.samples) == (0.4, ())


def test_samples_stop_at_the_tables_limit() -> None:
    c = library_check(table(frame(), samples=1), rule(metric="nullValues"))
    assert [s["age"] for s in c.samples] == [51]
    assert c.failing_rows == 2


@pytest.mark.parametrize("unit", ["percent", "Percent"])
def test_percent_is_the_share_of_rows(unit: str) -> None:
    c = run(metric="nullValues", unit=unit, mustBeLessThan=40)
    assert outcome(c) == ("failed", 40.0, "< 40 %", 2, "nullValues = 40.0 %, expected < 40")
    assert run(metric="nullValues", unit=unit, mustBeLessThanOrEqualTo=40).status == "passed"


def test_percent_is_rounded_to_four_places() -> None:
    three = pl.DataFrame({"email": ["a@x.org", None, "b@x.org"]})
    c = library_check(table(three), rule(metric="nullValues", unit="percent", mustBeLessThan=50))
    assert outcome(c) == ("passed", 33.3333, "< 50 %", 1, "")
    assert c.failing_fraction == 0.333333


def test_percent_of_an_empty_table_is_zero() -> None:
    empty = pl.DataFrame({"email": []}, schema={"email": pl.String})
    c = library_check(table(empty), rule(metric="nullValues", unit="percent"))
    assert outcome(c) == ("passed", 0.0, "= 0 %", 0, "")
    assert c.failing_fraction == 0.0


def test_rows_is_the_default_unit_and_others_are_errors() -> None:
    assert outcome(run(metric="nullValues", unit="ROWS")) == outcome(run(metric="nullValues"))
    c = run(metric="nullValues", unit="bytes")
    assert outcome(c) == ("errored", None, None, None, "rule cannot run: unit 'bytes' is not rows or percent")


@pytest.mark.parametrize(
    ("field", "arguments", "count"),
    [
        ("email", None, 3),  # nulls and empty strings
        ("email", {}, 3),
        ("email", ["N/A"], 3),  # arguments that are not a mapping: the default
        ("email", {"missingValues": [None]}, 2),
        ("email", {"missingValues": [""]}, 1),
        ("email", {"missingValues": [None, "", "ann@x.org"]}, 4),
        ("tier", {"missingValues": ["N/A"]}, 1),  # a null is not missing unless listed
        ("age", {"missingValues": [200]}, 1),  # compared as text
    ],
)
def test_missing_values(field: str, arguments: Any, count: int) -> None:
    raw: dict[str, Any] = {"metric": "missingValues"}
    if arguments is not None:
        raw["arguments"] = arguments
    c = run(field=field, **raw)
    assert outcome(c) == ("failed", count, "= 0", count, f"missingValues = {count}, expected = 0")
    assert c.dimension == "completeness"


def test_missing_values_must_be_a_list() -> None:
    c = run(metric="missingValues", arguments={"missingValues": "N/A"})
    assert outcome(c) == (
        "errored",
        None,
        None,
        None,
        "rule cannot run: arguments.missingValues must be a list",
    )


@pytest.mark.parametrize(
    ("field", "arguments", "count"),
    [
        ("tier", {"validValues": ["gold", "silver", "bronze"]}, 1),  # N/A; a null is not invalid
        ("tier", {"validValues": ["gold", "silver", "bronze", None]}, 1),
        ("code", {"validValues": [1, 2]}, 1),  # a text column compares the values as text
        ("age", {"validValues": [34, 51, 27, 45, None]}, 1),  # a number column as numbers
        ("email", {"pattern": "^[a-z]+@x\\.org$"}, 1),  # the empty string
        ("age", {"pattern": "^[0-9]{2}$"}, 1),  # numbers matched as text
        ("tier", {"validValues": ["gold", "silver", "N/A"], "pattern": "^[a-z]+$"}, 2),  # either fails
        ("tier", {"validValues": "gold"}, 0),  # not a list: no value is listed as invalid
    ],
)
def test_invalid_values(field: str, arguments: Any, count: int) -> None:
    c = run(field=field, metric="invalidValues", arguments=arguments, mustBeLessThan=1)
    status, message = ("passed", "") if count == 0 else ("failed", f"invalidValues = {count}, expected < 1")
    assert outcome(c) == (status, count, "< 1", count, message)
    assert c.dimension == "conformity"


@pytest.mark.parametrize("arguments", [{}, ["gold"], {"validValues": None}])
def test_invalid_values_need_a_list_or_a_pattern(arguments: Any) -> None:
    c = run(field="tier", metric="invalidValues", arguments=arguments)
    message = "rule cannot run: invalidValues needs arguments.validValues or arguments.pattern"
    assert outcome(c) == ("errored", None, None, None, message)


def test_a_bad_pattern_is_errored_with_the_column_type() -> None:
    c = run(metric="invalidValues", arguments={"pattern": "("})
    assert c.status == "errored"
    assert c.message.startswith("rule cannot run (email is String): ")
    assert "regex" in c.message
    assert (c.measured, c.failing_rows) == (None, None)


def test_an_error_of_the_table_itself_names_no_column() -> None:
    broken = pl.LazyFrame({"a": ["x"]}).filter(pl.col("a").cast(pl.Int64) > 0)
    c = library_check(table(broken), rule(None, metric="rowCount"))
    assert c.status == "errored"
    assert c.message == (
        "rule cannot run (no column): "
        "conversion from '…' to '…' failed in column '…' for 1 out of 1 values: ['…']"
    )


@pytest.mark.parametrize(
    ("field", "raw", "count"),
    [
        ("id", {}, 1),  # 3 twice: one row more than the first; the null is never a duplicate
        ("email", {}, 0),  # two nulls are not duplicates
        ("email", {"arguments": {"properties": ["code"]}}, 1),  # the properties win over the field
        ("email", {"arguments": {"properties": ["id", "code"]}}, 0),  # (3, x) and (3, 2) differ
        (None, {}, 0),  # schema level: whole rows
    ],
)
def test_duplicate_values(field: str | None, raw: dict[str, Any], count: int) -> None:
    c = run(field=field, metric="duplicateValues", **raw)
    status, message = ("passed", "") if count == 0 else ("failed", f"duplicateValues = {count}, expected = 0")
    assert outcome(c) == (status, count, "= 0", count, message)
    assert c.dimension == "uniqueness"


def test_duplicate_rows_at_schema_level() -> None:
    doubled = pl.concat([frame(), frame().head(2)])
    c = library_check(table(doubled), rule(None, metric="duplicateValues", unit="percent"))
    # the second repeated row has a null (e-mail): a key with a null is never a duplicate
    assert outcome(c) == ("failed", 14.2857, "= 0 %", 1, "duplicateValues = 14.2857 %, expected = 0")
    assert [s["age"] for s in c.samples] == [34, 34]


@pytest.mark.parametrize("lazy", [False, True], ids=["memory", "streamed"])
def test_duplicate_samples_are_every_row_of_the_key(lazy: bool) -> None:
    c = run(field="id", metric="duplicateValues", lazy=lazy)
    assert [(s["id"], s["code"]) for s in c.samples] == [(3, "x"), (3, "2")]


def test_row_count() -> None:
    c = run(field=None, metric="rowCount")
    assert outcome(c) == ("passed", 5, "> 0", None, "")
    assert (c.failing_fraction, c.dimension, c.field) == (None, "completeness", None)
    c = run(field=None, metric="rowCount", mustBeBetween=[3, 1])
    assert outcome(c) == ("failed", 5, "between 1 and 3", None, "rowCount = 5, expected between 1 and 3")
    assert c.samples == ()


def test_row_count_of_an_empty_table_fails_by_default() -> None:
    empty = pl.DataFrame({"email": []}, schema={"email": pl.String})
    c = library_check(table(empty), rule(None, metric="rowCount"))
    assert outcome(c) == ("failed", 0, "> 0", None, "rowCount = 0, expected > 0")


def test_row_count_in_percent_is_still_rows() -> None:
    c = run(field="email", metric="rowCount", unit="percent", mustBeLessThan=10)
    assert outcome(c) == ("passed", 5, "< 10 %", None, "")


@pytest.mark.parametrize(("metric", "shown"), [("distinctValues", "'distinctValues'"), (None, "'(none)'")])
def test_unknown_metrics_are_unsupported_not_skipped(metric: str | None, shown: str) -> None:
    raw = {"metric": metric} if metric else {}
    c = run(**raw)
    message = f"library metric {shown} is not supported by meshguard"
    assert outcome(c) == ("unsupported", None, None, None, message)
    assert (c.dimension, c.severity) == (None, "error")


def test_metric_may_be_named_rule() -> None:
    assert outcome(run(rule="nullValues")) == outcome(run(metric="nullValues"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"mustBe": 0, "mustBeLessThan": 3},
            "rule cannot run: more than one operator: mustBe, mustBeLessThan",
        ),
        ({"mustBe": "none"}, "rule cannot run: mustBe needs a number"),
    ],
)
def test_bad_operators_are_errored(raw: dict[str, Any], message: str) -> None:
    assert outcome(run(metric="nullValues", **raw)) == ("errored", None, None, None, message)


def test_schema_level_columns_must_be_named() -> None:
    c = run(field=None, metric="nullValues")
    message = "rule cannot run: nullValues at schema level needs arguments.properties"
    assert outcome(c) == ("errored", None, None, None, message)


@pytest.mark.parametrize(
    ("field", "arguments"), [("phone", None), ("email", {"properties": ["id", "phone", "fax"]})]
)
def test_a_missing_column_is_not_evaluated(field: str, arguments: Any) -> None:
    raw: dict[str, Any] = {"metric": "nullValues"}
    if arguments:
        raw["arguments"] = arguments
    c = run(field=field, **raw)
    assert outcome(c) == ("errored", None, None, None, "not evaluated: column phone is missing")


@pytest.mark.parametrize(
    ("severity", "shown", "status"),
    [("warn", "warning", "warned"), ("info", "info", "warned"), ("critical", "error", "failed")],
)
def test_severity_decides_failed_or_warned(severity: str, shown: str, status: str) -> None:
    c = run(metric="nullValues", severity=severity)
    assert (c.severity, c.status) == (shown, status)


def test_the_rules_own_id_name_and_dimension_are_kept() -> None:
    c = run(metric="nullValues", id="email-present", name="No null e-mail", dimension="accuracy")
    assert (c.id, c.name, c.dimension) == ("email-present", "No null e-mail", "accuracy")


class EngineTable(Table):
    """A table whose engine computes the library metrics itself (as the in-database ones do)."""

    asked: ClassVar[list[tuple[str, str, QualityRule]]] = []

    def metric(self, metric: str, column: str, rule: Any) -> Any:
        self.asked.append((metric, column, rule))
        return pl.col("id").is_null()


def test_a_metric_the_engine_computes_is_used() -> None:
    c = contract()
    t = EngineTable(c, c.schemas[0], frame(), frozenset(), 5, False)
    r = rule(metric="nullValues")
    EngineTable.asked = []
    assert outcome(library_check(t, r)) == ("failed", 1, "= 0", 1, "nullValues = 1, expected = 0")
    assert EngineTable.asked == [("nullValues", "email", r)]
    assert Table.metric(t, "nullValues", "email", r) is None


@pytest.mark.parametrize(
    ("raw", "severity"),
    [
        (None, "error"),
        ("", "error"),
        ("error", "error"),
        ("ERROR", "error"),
        ("warn", "warning"),
        ("Warning", "warning"),
        ("critical", "error"),
        ("high", "error"),
        ("low", "info"),
        ("info", "info"),
        ("medium", "error"),
    ],
)
def test_severity_of(raw: str | None, severity: str) -> None:
    assert severity_of(raw) == severity


def test_status_of() -> None:
    assert [status_of(True, s) for s in ("error", "warning", "info")] == ["passed"] * 3
    assert [status_of(False, s) for s in ("error", "warning", "info")] == ["failed", "warned", "warned"]


# --- check(): counts, shares and samples from the failing rows -------------------------------------


def build(t: Table | None = None, **kw: Any) -> CheckResult:
    args: dict[str, Any] = dict(id="c1", name="check one", stage="quality", pointer=RULE_POINTER)
    return check(t or table(frame(), masked={"tier"}), dimension=None, **{**args, **kw})


def test_a_mask_gives_the_count_share_and_samples() -> None:
    c = build(ok=False, failing=pl.Series([True, False, None, True, False]))
    assert (c.status, c.failing_rows, c.failing_fraction) == ("failed", 2, 0.4)
    assert [s["age"] for s in c.samples] == [34, 45]


def test_row_indexes_give_the_count_and_samples_in_their_order() -> None:
    c = build(table(frame(), samples=2), ok=False, failing=[4, 0, 2])
    assert (c.failing_rows, c.failing_fraction) == (3, 0.6)
    assert [s["age"] for s in c.samples] == [200, 34]
    c = build(ok=False, failing=())
    assert (c.failing_rows, c.failing_fraction, c.samples) == (0, 0.0, ())


def test_an_expression_is_counted_by_the_table() -> None:
    c = build(ok=False, failing=pl.col("age") > 40)
    assert (c.failing_rows, c.failing_fraction) == (3, 0.6)
    assert [s["age"] for s in c.samples] == [51, 45, 200]


def test_a_given_count_wins_and_zero_fetches_no_samples() -> None:
    c = build(ok=False, failing=pl.Series([True] * 5), failing_rows=7)
    assert (c.failing_rows, c.failing_fraction, len(c.samples)) == (7, 1.4, 5)
    c = build(ok=False, failing=pl.Series([True] * 5), failing_rows=0)
    assert (c.failing_rows, c.samples) == (0, ())


def test_no_samples_when_the_table_keeps_none() -> None:
    c = build(table(frame(), samples=0), ok=False, failing=pl.Series([True] * 5))
    assert (c.failing_rows, c.samples) == (5, ())


def test_shares_are_rounded_to_six_places() -> None:
    three = pl.DataFrame({"a": [1, 2, 3]})
    assert build(table(three), ok=False, failing_rows=1).failing_fraction == 0.333333
    assert build(table(three), ok=False, failing_rows=2).failing_fraction == 0.666667
    assert build(table(three), ok=False).failing_fraction is None


def test_check_keeps_what_it_is_given() -> None:
    c = build(
        table(frame(), sampled=True),
        ok=True,
        status="info",
        severity="warning",
        field="age",
        measured=1.5,
        threshold="< 2",
        message="m",
        details={"k": 1},
    )
    assert (c.status, c.severity, c.field, c.measured, c.threshold, c.message) == (
        "info",
        "warning",
        "age",
        1.5,
        "< 2",
        "m",
    )
    assert (c.sampled, c.details, c.schema) == (True, {"k": 1}, "customers")
    assert build(ok=False, severity="warning").status == "warned"
    assert build(ok=True).status == "passed"


def test_location_falls_back_to_the_nearest_known_key() -> None:
    c = contract()
    assert location(c, RULE_POINTER) == Location(PATH, 13, 7, "/schema/0/properties/1/quality/0")
    assert location(c, ("schema", 1, "quality", 3)) == Location(PATH, 14, 3, "/schema/1/quality/3")
    assert location(c, ()) == Location(PATH, 1, 1, "/")


class FailingTable(Table):
    """An engine whose duplicate count fails (a database that cannot compare these columns)."""

    def duplicates(self, columns: list[str], *, skip_nulls: bool) -> Any:
        raise pl.exceptions.ComputeError("cannot compare " + "values of these types " * 10 + "\nsecond line")


def test_an_engine_error_names_every_column_and_is_cut_at_120_characters() -> None:
    c = contract()
    t = FailingTable(c, c.schemas[0], frame(), frozenset(), 5, False)
    r = library_check(t, rule(metric="duplicateValues", arguments={"properties": ["id", "code"]}))
    assert r.status == "errored"
    head = "rule cannot run (id is Int64, code is String): "
    assert r.message == head + ("cannot compare " + "values of these types " * 10)[:120]


class RecordingTable(Table):
    """An engine that fetches samples by check id (as the ones fetching them late do)."""

    asked: ClassVar[list[str]] = []

    def failing_samples(self, check_id: str, failing: Any) -> tuple[dict[str, Any], ...]:
        self.asked.append(check_id)
        return ()


def test_samples_are_asked_for_by_the_checks_id() -> None:
    c = contract()
    t = RecordingTable(c, c.schemas[0], frame(), frozenset(), 5, False)
    RecordingTable.asked = []
    library_check(t, rule(metric="nullValues", id="email-present"))
    library_check(t, rule(metric="nullValues", mustBeLessThan=5))  # passes: no samples asked
    assert RecordingTable.asked == ["email-present"]


def test_a_check_without_message_has_none() -> None:
    assert build(ok=False).message == ""


def test_a_contract_without_positions_has_no_line() -> None:
    c = contract()
    bare = Contract(c.path, c.doc, LineMap())
    assert location(bare, RULE_POINTER) == Location(PATH, None, None, "/schema/0/properties/1/quality/0")
