"""The Spark path (``meshguard[spark]``, local[2]) gives the polars path's check results.

Marked ``spark``: deselected by default, run by scripts/test.sh in its own environment
(.venv-spark: ``meshguard[spark]``, i.e. pyspark + the pandas < 3 pandera's pyspark
backend needs, kept out of the core install). One Spark session for the module.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT
from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality.mesh import mesh_contracts
from meshguard.quality.stage import run_quality
from meshguard.stages import QualityContext, QualityOutcome

pytestmark = pytest.mark.spark

PARQUET = ("contracts/ecommerce/orders/2.0.0.odcs.yaml", "contracts/healthcare/encounters.odcs.yaml")


def _repo(root: Path, spark: bool) -> Path:
    for part in ("contracts", "data", "meshguard.yaml"):
        src = PROJECT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    if spark:
        for rel in PARQUET:
            path = root / rel
            text = path.read_text(encoding="utf-8")
            assert "    type: local\n" in text
            path.write_text(text.replace("    type: local\n", "    type: spark\n", 1), encoding="utf-8")
    with (root / "meshguard.yaml").open("a", encoding="utf-8") as fh:
        fh.write('\nspark:\n  master: local[2]\n  conf: {spark.sql.shuffle.partitions: "1"}\n')
    return root


def _run(root: Path, products: tuple[str, ...] = PARQUET, **options: Any) -> dict[str, QualityOutcome]:
    config = load_config(root)
    contracts = [load_contract(root / rel, root, config.sensitivity).contract for rel in products]
    mesh = mesh_contracts(config, contracts)
    return {c.path: run_quality(c, config, QualityContext(**options), mesh) for c in contracts}


def _comparable(out: QualityOutcome) -> str:
    data = dict(out.data or {})
    data.pop("source", None)  # parquet:… vs spark:…
    doc = {
        "checks": [c.to_dict() for c in out.checks],
        "data": data,
        "rows": out.rows,
        "sampled": out.sampled,
    }
    return json.dumps(doc, sort_keys=True, default=str, indent=1)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return (
        _repo(tmp_path_factory.mktemp("polars"), spark=False),
        _repo(tmp_path_factory.mktemp("spark"), spark=True),
    )


def test_spark_and_polars_give_identical_check_results(repos: tuple[Path, Path]) -> None:
    polars_side, spark_side = _run(repos[0]), _run(repos[1])
    for rel in PARQUET:
        assert spark_side[rel].source is not None and spark_side[rel].source.startswith("spark:")
        assert _comparable(spark_side[rel]) == _comparable(polars_side[rel]), rel
    failed = [c.id for out in spark_side.values() for c in out.checks if c.status == "failed"]
    assert failed  # the documented defects of the sample data, found by Spark too
    samples = [s for out in spark_side.values() for c in out.checks for s in c.samples]
    assert samples and all("patient_id" not in s or s["patient_id"] == "***" for s in samples)


def test_spark_sampling_is_seeded_and_reported(repos: tuple[Path, Path]) -> None:
    one = PARQUET[:1]
    first, again = _run(repos[1], one, sample_rows=25), _run(repos[1], one, sample_rows=25)
    for rel in one:
        assert (first[rel].rows, first[rel].sampled) == (25, True)
        assert _comparable(first[rel]) == _comparable(again[rel])
