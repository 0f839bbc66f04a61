"""A streamed table's unique keys are found in a thread while the process first imports pandera
(meshguard.quality.keysahead): the checks then take those results, the same counts, masks and
samples as found in their place, and a key pass that fails fails the table as it would have."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from meshguard.quality import keysahead, streaming
from spark_case import outcome, write_repo

SCHEMA = """\
    properties:
      - {name: id, logicalType: integer, unique: true}
      - {name: a, logicalType: string, primaryKey: true, primaryKeyPosition: 2}
      - {name: b, logicalType: integer, primaryKey: true, primaryKeyPosition: 1}
      - {name: c, logicalType: integer, unique: true}
"""


def frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2, 2, None, None, 6, 7],
            "a": ["x", "y", "x", None, "x", "y", None],
            "b": [1, 2, 1, 3, 1, 2, 3],
            "c": [None, 1, 2, 3, 4, 5, 6],
        }
    )


def _checks(root: Path) -> dict[str, tuple[object, ...]]:
    write_repo(root, "t", "local", SCHEMA, frame())
    out = outcome(root, "t", profile=False)
    return {c.id: (c.status, c.measured, c.failing_rows, c.message, c.samples) for c in out.checks}


def _found_in(
    monkeypatch: pytest.MonkeyPatch, module: Any, fail: bool = False
) -> list[tuple[str, list[str]]]:
    """Each key pass of ``module``'s ``duplicates``: (the thread it ran in, its columns)."""
    passes: list[tuple[str, list[str]]] = []
    real = module.duplicates

    def found(table: Any, columns: list[str], *, skip_nulls: bool) -> Any:
        passes.append((threading.current_thread().name, columns))
        if fail:
            raise pl.exceptions.ComputeError("the key pass broke")
        return real(table, columns, skip_nulls=skip_nulls)

    monkeypatch.setattr(module, "duplicates", found)
    return passes


def test_the_keys_found_ahead_are_the_checks_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = _checks(tmp_path / "alone")
    assert alone["t.id.unique"][:3] == ("failed", 4, 4)
    assert alone["t.primaryKey"][:3] == ("failed", 7, 7)  # the null key too
    monkeypatch.setattr(keysahead, "_importing", lambda: True)
    ahead = _found_in(monkeypatch, keysahead)
    late = _found_in(monkeypatch, streaming)
    assert _checks(tmp_path / "ahead") == alone
    assert ahead == [("meshguard-keys", ["id"]), ("meshguard-keys", ["c"]), ("meshguard-keys", ["b", "a"])]
    assert late == []  # every key the checks count was found ahead


def test_a_failed_key_pass_fails_the_table_as_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _found_in(monkeypatch, streaming, fail=True)
    alone = _checks(tmp_path / "alone")
    assert alone["t.t.data"][0] == "errored" and "the key pass broke" in str(alone["t.t.data"][3])
    monkeypatch.undo()
    monkeypatch.setattr(keysahead, "_importing", lambda: True)
    _found_in(monkeypatch, keysahead, fail=True)
    assert _checks(tmp_path / "ahead") == alone


def test_nothing_ahead_once_pandera_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ahead = _found_in(monkeypatch, keysahead)
    late = _found_in(monkeypatch, streaming)
    _checks(tmp_path)
    assert ahead == [] and [c for _, c in late] == [["id"], ["c"], ["b", "a"]]


def test_a_table_of_many_rows_finds_its_keys_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _checks(tmp_path / "alone")
    monkeypatch.setattr(keysahead, "_importing", lambda: True)
    monkeypatch.setattr(keysahead, "AHEAD_ROWS", len(frame()) - 1)  # one row more than ahead finds
    ahead = _found_in(monkeypatch, keysahead)
    late = _found_in(monkeypatch, streaming)
    assert _checks(tmp_path / "many") == alone
    assert ahead == []
    assert late == [("MainThread", ["id"]), ("MainThread", ["c"]), ("MainThread", ["b", "a"])]
    monkeypatch.setattr(keysahead, "AHEAD_ROWS", len(frame()))  # as many rows: found ahead
    ahead = _found_in(monkeypatch, keysahead)
    assert _checks(tmp_path / "as many") == alone
    assert [c for _, c in ahead] == [["id"], ["c"], ["b", "a"]]
