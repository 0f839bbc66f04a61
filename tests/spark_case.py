"""A one-table repository for the Spark tests: one contract read from a Parquet file by the
polars path (``local`` server) or by Spark (``spark`` server, local[2], one shuffle partition)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext, QualityOutcome

if TYPE_CHECKING:
    import polars as pl

CONF = (
    'contracts: {dir: contracts}\nspark:\n  master: local[2]\n  conf: {spark.sql.shuffle.partitions: "1"}\n'
)

HEADER = """\
apiVersion: v3.1.0
kind: DataContract
id: NAME
name: NAME
version: 1.0.0
status: active
team: {name: data}
servers:
  - {server: s, type: KIND, path: NAME.parquet, format: parquet}
schema:
  - name: NAME
"""


def write_repo(root: Path, name: str, kind: str, schema: str, frame: pl.DataFrame) -> Path:
    """``root`` with meshguard.yaml, contracts/NAME.odcs.yaml (HEADER + ``schema``, the rest of
    the schema object's entry) on a ``kind`` server, and NAME.parquet holding ``frame``."""
    (root / "contracts").mkdir(parents=True)
    (root / "meshguard.yaml").write_text(CONF, encoding="utf-8")
    text = HEADER.replace("NAME", name).replace("KIND", kind) + schema
    (root / "contracts" / f"{name}.odcs.yaml").write_text(text, encoding="utf-8")
    frame.write_parquet(root / f"{name}.parquet")
    return root


def outcome(root: Path, name: str, *, profile: bool) -> QualityOutcome:
    config = load_config(root)
    contract = load_contract(root / "contracts" / f"{name}.odcs.yaml", root, config.sensitivity).contract
    return run_quality(contract, config, QualityContext(profile=profile), {})
