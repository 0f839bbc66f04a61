"""``data.batch``: a date or time without a format is read in the format polars infers from the
column's first value. Each product of a batch infers it from its own values, as alone: two
products of one layout that write their dates (or times) differently get what they get alone.
And a table whose column is named as the batch's own product column gets what it gets alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from meshguard.config import load_config
from meshguard.contracts.repo import lint_repo
from meshguard.stages import QualityContext

CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: {id}
name: {id}
version: 1.0.0
status: active
domain: shop
dataProduct: {id}
schema:
  - name: t
    physicalType: table
    properties:
      - name: id
        logicalType: integer
      - name: day
        logicalType: date
      - name: at
        logicalType: time
servers:
  - server: sample
    type: local
    path: ./{id}.csv
    format: csv
"""

#: per product, (day, at) of its rows: one writes ISO dates and seconds, the next day/month/year
#: and no seconds, the last ISO again with one value that is no date
PRODUCTS: dict[str, list[tuple[str, str]]] = {
    "p1-iso": [("2026-01-02", "10:00:00"), ("", ""), ("2026-02-03", "23:59:59")],
    "p2-dmy": [("", ""), ("10/01/2026", "10:00"), ("11/02/2026", "11:30"), ("31/12/2026", "00:05")],
    "p3-iso": [("2026-03-04", "08:00:00"), ("soon", "later"), ("2026-03-05", "09:00:00")],
}


def _repo(root: Path) -> Path:
    (root / "contracts").mkdir(parents=True)
    (root / "meshguard.yaml").write_text('contracts: {dir: contracts}\ndata: {as_of: "2026-03-01"}\n')
    for pid, rows in PRODUCTS.items():
        (root / "contracts" / f"{pid}.odcs.yaml").write_text(CONTRACT.format(id=pid))
        lines = ["id,day,at", *(f"{i},{d},{t}" for i, (d, t) in enumerate(rows))]
        (root / "contracts" / f"{pid}.csv").write_text("\n".join(lines) + "\n")
    return root


def _outcomes(root: Path, batch: bool) -> dict[str, Any]:
    from meshguard.quality.stage import run_qualities

    config = load_config(root)
    config = replace(config, data=replace(config.data, batch=batch))
    contracts = [lc.contract for lc in lint_repo([config.contracts_path], config).contracts]
    run = QualityContext()
    return {
        c.id: ([check.to_dict() for check in out.checks], out.data)
        for c, out in zip(contracts, run_qualities(contracts, config, run, {}), strict=True)
    }


def test_each_product_of_a_batch_reads_dates_and_times_in_its_own_format(tmp_path: Path) -> None:
    from meshguard.quality.batch import prepare_batch
    from meshguard.quality.stage import _read_options

    root = _repo(tmp_path)
    config = load_config(root)
    contracts = [lc.contract for lc in lint_repo([config.contracts_path], config).contracts]
    run = QualityContext()
    assert len(prepare_batch(contracts, config, run, _read_options(config, run))) == 3  # one batch
    alone, batched = _outcomes(root, False), _outcomes(root, True)
    assert batched == alone
    failed = {pid: [c["id"] for c in checks if c["status"] == "failed"] for pid, (checks, _) in alone.items()}
    assert failed == {"p1-iso": [], "p2-dmy": [], "p3-iso": ["t.day.type", "t.at.type"]}


@pytest.mark.parametrize("kind", ["date", "time"])
def test_a_batch_normalised_per_table_infers_each_tables_format(kind: str) -> None:
    import polars as pl

    from meshguard.contracts.model import Contract
    from meshguard.quality.types import normalise
    from meshguard.yamlio import parse_yaml

    text = CONTRACT.format(id="x")
    parsed = parse_yaml(text, "x.odcs.yaml")
    props = {p.path: p for p in Contract("x.odcs.yaml", parsed.data, parsed.lines).properties}
    column = "day" if kind == "date" else "at"
    tables = [[d if kind == "date" else t for d, t in rows] for rows in PRODUCTS.values()]
    values = [v or None for table in tables for v in table]
    ids = [i for i, table in enumerate(tables) for _ in table]
    frame = pl.DataFrame({column: values, "table": ids}, schema={column: pl.String, "table": pl.Int64})
    together = normalise(frame, {column: props[column]}, "text", "table").frame
    assert isinstance(together, pl.DataFrame)
    for i in range(len(tables)):
        part = frame.filter(pl.col("table") == i).select(column)
        own = normalise(part, {column: props[column]}, "text").frame
        assert isinstance(own, pl.DataFrame)
        assert (
            together.filter(pl.col("table") == i).get_column(column).to_list()
            == own.get_column(column).to_list()
        )


def test_a_column_named_as_the_batchs_product_column_is_its_own(tmp_path: Path) -> None:
    from meshguard.quality.batch import PRODUCT

    root = _repo(tmp_path)
    for pid in PRODUCTS:
        path = root / "contracts" / f"{pid}.odcs.yaml"
        extra = f"      - name: {PRODUCT}\n        logicalType: integer\n        logicalTypeOptions: {{minimum: 100}}\n"
        path.write_text(path.read_text().replace("servers:", extra + "servers:"))
        csv = root / "contracts" / f"{pid}.csv"
        lines = csv.read_text().splitlines()
        csv.write_text(
            "\n".join([f"{lines[0]},{PRODUCT}", *(f"{row},{500 + i}" for i, row in enumerate(lines[1:]))])
            + "\n"
        )
    alone, batched = _outcomes(root, False), _outcomes(root, True)
    assert batched == alone
    assert all(c["status"] == "passed" for checks, _ in alone.values() for c in checks if PRODUCT in c["id"])
