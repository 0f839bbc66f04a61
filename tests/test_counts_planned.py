"""A streamed table's quality rules (library metrics, the SQL count polars runs) are counted in the
pass that counts the schema's value checks when their columns are read there: one pass, the counts
each rule gets alone; a rule on a column the checks do not read is counted alone (its column is
not held in flight); a rule whose mask breaks that pass (a bad pattern) leaves the checks counted
as before and errs on its own."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from meshguard.quality.results import Table
from spark_case import outcome, write_repo

SCHEMA = """\
    properties:
      - {name: id, logicalType: integer, required: true, logicalTypeOptions: {minimum: 1}}
      - name: code
        logicalType: string
        logicalTypeOptions: {maxLength: 5}
        quality:
          - {metric: nullValues, mustBe: 0}
          - {metric: invalidValues, arguments: {validValues: [a, b]}, mustBe: 0}
          - {metric: invalidValues, arguments: {pattern: "PATTERN"}, mustBe: 0}
      - name: note
        logicalType: string
        quality:
          - {metric: nullValues, mustBe: 0}
    quality:
      - {type: sql, query: "SELECT COUNT(*) FROM {object} WHERE id > 3", mustBe: 0}
"""


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [0, 1, 2, 3, 4, 5, None],
            "code": ["a", "b", "c", None, "a", "zz", "b"],
            "note": ["x", None, "y", None, "z", None, "w"],
        }
    )


def _checks(root: Path, pattern: str) -> dict[str, tuple[object, ...]]:
    write_repo(root, "t", "local", SCHEMA.replace("PATTERN", pattern), frame())
    out = outcome(root, "t", profile=False)
    return {c.id: (c.status, c.measured, c.failing_rows, c.message, c.samples) for c in out.checks}


def _passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    passes: list[str] = []
    real = pl.LazyFrame.collect

    def counted(self: pl.LazyFrame, *args: object, **kwargs: object) -> pl.DataFrame:
        passes.append(self.explain())
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pl.LazyFrame, "collect", counted)
    return passes


def test_the_rules_are_counted_in_the_checks_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passes = _passes(monkeypatch)
    got = _checks(tmp_path / "a", "^[a-z]$")
    sums = [p for p in passes if ".sum()" in p]
    planned = [p for p in sums if "planned" in p]
    assert len(planned) == 1 and "planned 3" in planned[0] and "planned 4" not in planned[0]
    assert "note" not in planned[0] and [p for p in sums if "note" in p]  # counted alone
    assert got["t.note.nullValues.0"][:3] == ("failed", 3, 3)
    assert got["t.code.nullValues.0"][:3] == ("failed", 1, 1)
    assert got["t.code.invalidValues.1"][:3] == ("failed", 2, 2)
    assert got["t.code.invalidValues.2"][:3] == ("failed", 1, 1)
    assert got["t.sql.0"][:2] == ("failed", 2)
    assert got["t.id.minimum"][:3] == ("failed", 1, 1)
    assert got["t.id.required"][:3] == ("failed", 1, 1)
    monkeypatch.undo()
    assert got == _checks(tmp_path / "b", "^[a-z]$")
    monkeypatch.setattr(Table, "plan_counts", lambda self, masks: None)  # each rule counted alone
    assert _checks(tmp_path / "c", "^[a-z]$") == got


def test_a_rule_that_breaks_the_pass_errs_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _checks(tmp_path / "a", "([")  # not a pattern: polars fails when it runs
    monkeypatch.setattr(Table, "plan_counts", lambda self, masks: None)
    assert _checks(tmp_path / "b", "([") == got
    assert got["t.code.invalidValues.2"][0] == "errored"
    assert got["t.code.invalidValues.1"][:3] == ("failed", 2, 2)
    assert got["t.sql.0"][:2] == ("failed", 2)
    assert got["t.id.minimum"][:3] == ("failed", 1, 1)
