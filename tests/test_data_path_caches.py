"""What the data path computes once instead of per check or per product, and that it stays right:
a table's column names (once per frame, again when the frame is replaced), a pointer's text (per
pointer), the confinement roots' real paths (per process and working folder)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import polars as pl
import pytest

from meshguard.errors import DataError
from meshguard.quality import results
from meshguard.quality.results import Table, location
from meshguard.sources import paths


def test_a_tables_columns_are_read_once_per_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    original = pl.DataFrame.collect_schema

    def counted(self: pl.DataFrame) -> Any:
        asked.append(id(self))
        return original(self)

    monkeypatch.setattr(pl.DataFrame, "collect_schema", counted)
    table = Table(None, None, pl.DataFrame({"a": [1], "__bad__x": [True], "b": [2]}), frozenset(), 5, False)  # type: ignore[arg-type]
    assert table.columns == ["a", "b"]
    table.columns.append("c")  # a copy: the table's own names are not changed
    assert table.columns == ["a", "b"]
    assert len(asked) == 1
    table.frame = pl.DataFrame({"z": [1]})  # another frame: its own names
    assert table.columns == ["z"]
    assert len(asked) == 2


def test_a_pointers_text_is_the_same_each_time() -> None:
    contract: Any = SimpleNamespace(
        path="c.yaml", lines=SimpleNamespace(locate=lambda p: (3, 5) if p else None)
    )
    pointer = ("schema", 0, "properties", 12, "logicalTypeOptions", "minimum")
    first = location(contract, pointer)
    assert (first.path, first.line, first.column) == ("c.yaml", 3, 5)
    assert first.pointer == "/schema/0/properties/12/logicalTypeOptions/minimum"
    assert results._POINTERS[pointer] == first.pointer  # kept: the next check with it joins nothing
    assert location(contract, pointer) == first
    assert location(contract, ()).pointer == "/"
    assert location(contract, ("schema", "0")).pointer == "/schema/0"


def test_the_roots_are_resolved_once_and_per_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for repo in ("one", "two"):
        (tmp_path / repo).mkdir()
        (tmp_path / repo / "d.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "outside.csv").write_text("a\n1\n", encoding="utf-8")
    paths._resolved.cache_clear()
    monkeypatch.chdir(tmp_path / "one")
    assert paths.resolve_data_paths("d.csv", Path("."), (), "p") == [tmp_path / "one" / "d.csv"]
    paths.resolve_data_paths("d.csv", Path("."), (), "p")
    assert paths._resolved.cache_info().hits == 1
    # the same relative root from another folder is that folder
    monkeypatch.chdir(tmp_path / "two")
    assert paths.resolve_data_paths("d.csv", Path("."), (), "p") == [tmp_path / "two" / "d.csv"]
    with pytest.raises(DataError, match="outside the governance repo"):
        paths.resolve_data_paths("../outside.csv", Path("."), (), "p")
    os.chdir(tmp_path)
    assert paths.resolve_data_paths("outside.csv", Path("."), (), "p") == [tmp_path / "outside.csv"]
