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


@pytest.mark.parametrize("sample_rows", [10_000, 0], ids=["every-failing-row", "ranked-per-check"])
def test_spark_and_polars_give_identical_check_results(
    repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, sample_rows: int
) -> None:
    """Whether the samples job reads every failing row (few: at most SAMPLE_ROWS by the counts)
    or ranks each check's rows in Spark, the results are the polars path's."""
    import meshguard.quality.spark as spark_backend

    monkeypatch.setattr(spark_backend, "SAMPLE_ROWS", sample_rows)
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


def test_keys_of_duplicates_counted_by_a_job_of_their_own_past_the_exact_sum(
    repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys that rows share are counted by a double sum of 1/n, exact below EXACT_SUM_ROWS
    shared rows; past it one more job counts them: the same results as the polars path."""
    import meshguard.quality.spark as spark_backend
    import meshguard.quality.spark_keys as spark_keys

    calls: list[int] = []
    real_run = spark_backend.run

    def run(action: Any) -> Any:
        calls.append(1)
        return real_run(action)

    monkeypatch.setattr(spark_backend, "run", run)
    monkeypatch.setattr(spark_keys, "run", run)
    one = PARQUET[:1]
    summed = _run(repos[1], one)
    by_sum = len(calls)
    calls.clear()
    monkeypatch.setattr(spark_keys, "EXACT_SUM_ROWS", 1)
    recounted, polars_side = _run(repos[1], one), _run(repos[0], one)
    assert len(calls) > by_sum  # the recount ran: the sample data has rows sharing a key
    for rel in one:
        assert _comparable(recounted[rel]) == _comparable(polars_side[rel]) == _comparable(summed[rel])


def test_one_aggregation_and_one_samples_job_per_table(
    repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every count of a table (row count, value checks, library metrics) in one Spark
    aggregation, every failed check's samples in one more job: not a job per check. The
    profile (what policies read) is one aggregation of its own, run only when it is read."""
    import meshguard.quality.spark as spark_backend
    import meshguard.quality.spark_jobs as jobs

    aggregations: list[list[str]] = []
    sample_jobs: list[list[str]] = []
    kinds: list[str] = []
    real_aggregate = jobs.aggregate

    def aggregate(df: Any, named: Any) -> Any:
        aggregations.append([name for name, _ in named])
        return real_aggregate(df, named)

    def samples_job(name: str) -> Any:
        real = getattr(jobs, name)

        def job(df: Any, masks: Any, *args: Any) -> Any:
            sample_jobs.append(list(masks))
            kinds.append(name)
            return real(df, masks, *args)

        return job

    for module in (spark_backend, jobs):
        monkeypatch.setattr(module, "aggregate", aggregate)
    for name in ("first_failing", "every_failing"):
        monkeypatch.setattr(spark_backend, name, samples_job(name))
    _run(repos[1], profile=False)  # what `meshguard test` runs: no profile work at all
    tables = 2
    assert len(aggregations) == tables, aggregations
    assert all("__rows" in names and not any(n.startswith("n|") for n in names) for names in aggregations)
    aggregations.clear()
    sample_jobs.clear()
    out = _run(repos[1], profile=True)
    assert sum(len(o.checks) > 0 for o in out.values()) == tables
    counted = [names for names in aggregations if "__rows" in names]
    assert len(counted) == tables, aggregations
    for names in counted:  # the checks together, no profile among them
        assert any(n.startswith("m|") for n in names) and not any(n.startswith("n|") for n in names)
    profiles = [names for names in aggregations if names not in counted]
    assert len(profiles) == tables, aggregations  # nulls, distinct, min and max together
    for names in profiles:
        assert any(n.startswith("n|") for n in names) and any(n.startswith("d|") for n in names)
    sampled = {c.id for o in out.values() for c in o.checks if c.samples and c.stage != "relationship"}
    # a relationship's orphans (an anti-join, not a column mask) are read on their own
    assert sampled and len(sample_jobs) <= tables
    assert {sid for ids in sample_jobs for sid in ids} == sampled
    # the sample data fails on a few rows: every failing row is read, nothing ranked in Spark
    assert set(kinds) == {"every_failing"}, kinds


def test_the_one_aggregation_counts_each_mask_with_count_not_sum(
    repos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each failing-row count is ``count(when(mask, 1))``: half the JVM's CPU of
    ``sum(when(mask, 1, 0))`` for the same number (the results equal the polars path's in the
    tests above); the profile's null counts too."""
    import meshguard.quality.spark as spark_backend
    import meshguard.quality.spark_jobs as jobs

    seen: list[tuple[str, str]] = []
    real_aggregate = jobs.aggregate

    def aggregate(df: Any, named: Any) -> Any:
        seen.extend((name, str(expr)) for name, expr in named)
        return real_aggregate(df, named)

    for module in (spark_backend, jobs):
        monkeypatch.setattr(module, "aggregate", aggregate)
    _run(repos[1], PARQUET[:1], profile=True)
    counted = [expr for name, expr in seen if name.startswith(("m|", "n|"))]
    assert counted and all(expr.startswith("Column<'count(CASE WHEN") for expr in counted), counted


def _minority_rows(root: Path) -> Path:
    """A patients Parquet file with a free-text ``notes`` column, one value in ten a phone number."""
    import polars as pl

    rows = [
        {
            "patient_id": f"p{i}",
            "email": f"u{i}@example.com",
            "notes": PHONES[i // 10] if i % 10 == 0 else f"called about appointment {i} all fine",
        }
        for i in range(100)
    ]
    (root / "data").mkdir(parents=True, exist_ok=True)
    path = root / "data" / "patients.parquet"
    pl.DataFrame(rows).write_parquet(path)
    return path


PHONES = [f"+44 20 7946 {n:04d}" for n in range(3000, 3010)]


def _minority_contract(kind: str) -> dict[str, Any]:
    from policykit import compliant

    doc = compliant()
    doc["servers"][0].update({"type": kind, "path": "data/patients.parquet", "format": "parquet"})
    doc.pop("slaProperties")
    doc["schema"][0]["properties"] = [
        {"name": "patient_id", "logicalType": "string", "primaryKey": True, "classification": "internal"},
        {"name": "email", "logicalType": "string", "classification": "restricted", "tags": ["pii"]},
        {
            "name": "notes",
            "logicalType": "string",
            "classification": "internal",
            "description": "Agent notes",
            "quality": [
                {
                    "type": "library",
                    "metric": "invalidValues",
                    "arguments": {"validValues": ["ok"]},
                    "mustBe": 0,
                }
            ],
        },
    ]
    return doc


def test_minority_phone_numbers_found_counted_and_masked_on_spark(tmp_path: Path) -> None:
    from conftest import run_cli
    from policykit import make_repo

    config = 'contracts: {dir: contracts}\nspark:\n  master: local[2]\n  conf: {spark.sql.shuffle.partitions: "1"}\n'
    polars_repo = make_repo(tmp_path / "polars", {"good": _minority_contract("local")}, config=config)
    spark_repo = make_repo(tmp_path / "spark", {"good": _minority_contract("spark")}, config=config)
    for repo in (polars_repo, spark_repo):
        _minority_rows(repo)
    found = {}
    for name, repo in (("polars", polars_repo), ("spark", spark_repo)):
        cfg = load_config(repo)
        contract = load_contract(repo / "contracts" / "good.odcs.yaml", repo, cfg.sensitivity).contract
        got = run_quality(contract, cfg, QualityContext(profile=True), {})
        assert got.data is not None
        found[name] = got.data["columns"]
    notes = found["spark"]["notes"]
    assert (notes["detected"], notes["detected_counts"], notes["sampled"]) == (["phone"], {"phone": 10}, 100)
    assert found["spark"] == found["polars"]  # kinds, counts, nulls, distinct: the polars path's

    log = spark_repo / "decisions.jsonl"
    out = spark_repo / "out" / "r.json"
    r = run_cli(
        "check", "--decision-log", str(log), "--format", "text", "--output", f"json={out}", cwd=spark_repo
    )
    assert r.returncode == 1, r.stdout + r.stderr
    product = json.loads(out.read_text(encoding="utf-8"))["products"][0]
    flagged = [f for f in product["findings"] if f["rule_id"] == "GDPR-007"]
    assert [f["field"] for f in flagged] == ["patients.notes"], product["findings"]
    rule = next(c for c in product["checks"] if c["id"] == "patients.notes.invalidValues.0")
    assert rule["samples"] and all(s["notes"] == "***" for s in rule["samples"])
    files = [
        p for p in spark_repo.rglob("*") if p.is_file() and p.suffix not in (".parquet", ".yaml", ".rego")
    ]
    assert log in files and out in files
    for blob in [r.stdout.encode(), r.stderr.encode(), *(p.read_bytes() for p in files)]:
        for phone in PHONES:
            assert phone.encode() not in blob and phone.replace(" ", "").encode() not in blob


def test_a_local_session_reads_one_file_in_equal_parts_one_per_core(tmp_path: Path) -> None:
    """Spark adds 4 MiB per file to a scan's bytes before dividing them among the cores: left at
    that, a file under ~4 MiB is read by one task and a larger one in unequal parts (5M rows of
    the benchmark: 2.9M and 2.1M), so one core idles. A local session splits a file by its bytes."""
    import polars as pl
    from pyspark.sql import functions as F

    from meshguard.sources.spark import session

    path = tmp_path / "t.parquet"
    pl.DataFrame({"x": [(i * 2654435761) % 2**32 for i in range(400_000)]}).write_parquet(
        path, row_group_size=20_000
    )
    df = session({"master": "local[2]"}).read.parquet(str(path))
    rows = sorted(r[1] for r in df.groupBy(F.spark_partition_id()).count().collect())
    assert len(rows) == 2 and rows[1] - rows[0] <= 20_000, rows  # one row group apart at most


def test_the_head_read_runs_beside_the_checks_and_its_detections_still_mask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first values' read (for the personal-data detectors) runs in a thread of its own while
    the checks are planned and counted: here it ends only after the one aggregation has run, and
    the column it finds e-mail addresses in is still masked in every sample, as on polars."""
    import threading

    import polars as pl

    import meshguard.quality.spark_jobs as jobs
    from spark_case import outcome, write_repo

    schema = "    properties:\n      - {name: id, logicalType: integer, unique: true}\n      - {name: contact, logicalType: string}\n"
    frame = pl.DataFrame({"id": [1, 2, 2, 3], "contact": [f"user{i}@example.org" for i in range(4)]})
    polars_side = outcome(
        write_repo(tmp_path / "p", "people", "local", schema, frame), "people", profile=True
    )
    counted = threading.Event()
    waited: list[bool] = []
    real_head, real_aggregate = jobs.head_values, jobs.aggregate

    def aggregate(df: Any, named: Any) -> Any:
        got = real_aggregate(df, named)
        counted.set()
        return got

    def head_values(df: Any, columns: Any, *, ordered: bool) -> Any:
        waited.append(counted.wait(timeout=120))  # the checks went on without this read
        return real_head(df, columns, ordered=ordered)

    monkeypatch.setattr(jobs, "head_values", head_values)
    monkeypatch.setattr(jobs, "aggregate", aggregate)
    monkeypatch.setattr("meshguard.quality.spark.aggregate", aggregate)
    spark_side = outcome(write_repo(tmp_path / "s", "people", "spark", schema, frame), "people", profile=True)
    assert waited == [True]
    unique = next(c for c in spark_side.checks if c.id.endswith("id.unique"))
    assert unique.samples and all("***" in s["contact"] for s in unique.samples)  # u***@***.org
    assert [c.to_dict() for c in spark_side.checks] == [c.to_dict() for c in polars_side.checks]
    data = dict(spark_side.data or {})
    assert data["columns"] == (polars_side.data or {})["columns"]


def test_checking_imports_run_beside_the_schema_read_in_threads_given_the_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What checking imports (pandera, DuckDB) is imported in a thread while the JVM reads the
    table's schema: each side waits here for the other to have started. Each thread is given
    the session (Spark Connect's kind of thread needs it)."""
    import threading

    import polars as pl
    import pyspark

    import meshguard.quality.spark_prepare as spark_prepare
    from meshguard.sources.spark import SparkSource
    from spark_case import outcome, write_repo

    importing, reading = threading.Event(), threading.Event()
    waited: dict[str, bool] = {}
    sessions: list[Any] = []
    real_imports, real_dataframe = spark_prepare._imports, SparkSource.dataframe

    def imports(sql: bool) -> None:
        importing.set()
        waited["imports"] = reading.wait(timeout=60)
        real_imports(sql)

    def dataframe(self: SparkSource, table: str) -> Any:
        reading.set()
        waited["read"] = importing.wait(timeout=60)
        return real_dataframe(self, table)

    class Thread(threading.Thread):
        def __init__(self, *args: Any, session: Any = None, **kwargs: Any) -> None:
            sessions.append(session)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(spark_prepare, "_imports", imports)
    monkeypatch.setattr(SparkSource, "dataframe", dataframe)
    monkeypatch.setattr(pyspark, "InheritableThread", Thread)
    schema = "    properties:\n      - {name: id, logicalType: integer, unique: true}\n"
    frame = pl.DataFrame({"id": [1, 2, 2]})
    out = outcome(write_repo(tmp_path, "ids", "spark", schema, frame), "ids", profile=False)
    assert waited == {"imports": True, "read": True}
    assert len(sessions) == 2 and all(s is not None for s in sessions)  # the imports, the head read
    assert [c.status for c in out.checks if c.id.endswith("id.unique")] == ["failed"]
