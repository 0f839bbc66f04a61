"""The local Spark JVM's class-data archive (meshguard.sources.spark_cds): a mark on the first
run, the dump on the second, and a dump mapped only once the JVM's log says it was written whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meshguard.sources import spark_cds
from meshguard.sources.spark_cds import QUIET, STALE_S, WRITTEN, archive_options

NAME = "k"
NOW = 1_000_000.0


def _dump(folder: Path, pid: int, *, written: bool, age: float = 0.0) -> tuple[Path, Path]:
    """A dump a JVM of ``pid`` left: its archive and its log (finished or not), ``age`` old."""
    folder.mkdir(parents=True, exist_ok=True)
    part, log = folder / f"{NAME}-{pid}.part", folder / f"{NAME}-{pid}.log"
    part.write_bytes(b"archive")
    log.write_text(f"[1.0s][info][cds,dynamic] {WRITTEN} 0x0 - 0x1\n" if written else "", encoding="utf-8")
    os.utime(log, (NOW - age, NOW - age))
    return part, log


def test_first_run_marks_second_dumps_under_its_own_name(tmp_path: Path) -> None:
    assert archive_options(tmp_path, NAME, NOW, 7) == ""  # a one-off run pays nothing
    assert (tmp_path / f"{NAME}.seen").is_file()
    got = archive_options(tmp_path, NAME, NOW, 7)
    own = tmp_path / f"{NAME}-7"
    assert got == f"-XX:ArchiveClassesAtExit={own}.part {QUIET} -Xlog:cds+dynamic=info:file={own}.log"
    assert not (tmp_path / f"{NAME}.jsa").exists()


def test_a_finished_dump_is_put_in_place_and_mapped(tmp_path: Path) -> None:
    (tmp_path / f"{NAME}.seen").touch()
    part, log = _dump(tmp_path, 7, written=True)
    archive = tmp_path / f"{NAME}.jsa"
    assert archive_options(tmp_path, NAME, NOW, 8) == f"-XX:SharedArchiveFile={archive} {QUIET}"
    assert archive.read_bytes() == b"archive" and not part.exists() and not log.exists()
    assert archive_options(tmp_path, NAME, NOW, 9) == f"-XX:SharedArchiveFile={archive} {QUIET}"


def test_an_archive_cut_short_since_is_removed_not_mapped(tmp_path: Path) -> None:
    """A truncated archive kills the JVM that maps it (a bus error, its report on standard
    output): the archive is mapped only while it has the size recorded when it was put in place."""
    (tmp_path / f"{NAME}.seen").touch()
    _dump(tmp_path, 7, written=True)
    archive = tmp_path / f"{NAME}.jsa"
    assert archive_options(tmp_path, NAME, NOW, 8) == f"-XX:SharedArchiveFile={archive} {QUIET}"
    archive.chmod(0o644)
    archive.write_bytes(b"arch")  # a copy cut short
    assert archive_options(tmp_path, NAME, NOW, 9).startswith(
        f"-XX:ArchiveClassesAtExit={tmp_path / NAME}-9.part "
    )
    assert not archive.exists()


def test_an_unfinished_dump_is_never_mapped(tmp_path: Path) -> None:
    """A JVM still dumping (or killed while dumping) leaves a part without the log's line: it
    is not mapped, and no second dump starts while it may still finish."""
    (tmp_path / f"{NAME}.seen").touch()
    part, log = _dump(tmp_path, 7, written=False, age=STALE_S / 2)
    assert archive_options(tmp_path, NAME, NOW, 8) == ""
    assert part.exists() and log.exists() and not (tmp_path / f"{NAME}.jsa").exists()


def test_a_stale_dump_is_removed_and_made_again(tmp_path: Path) -> None:
    (tmp_path / f"{NAME}.seen").touch()
    part, log = _dump(tmp_path, 7, written=False, age=STALE_S + 1)
    got = archive_options(tmp_path, NAME, NOW, 8)
    assert not part.exists() and not log.exists() and not (tmp_path / f"{NAME}.jsa").exists()
    assert got.startswith(f"-XX:ArchiveClassesAtExit={tmp_path / NAME}-8.part ")


def test_no_archive_where_the_cache_cannot_hold_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spark_cds, "key", lambda options, conf, env: NAME)
    spaced = tmp_path / "a b"
    assert spark_cds.java_options("-Xa", {}, {"MESHGUARD_CACHE_DIR": str(spaced)}) == "-Xa"
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")  # the cache folder's parent is a file: OSError
    assert spark_cds.java_options("-Xa", {}, {"MESHGUARD_CACHE_DIR": str(blocked)}) == "-Xa"
    assert spark_cds.java_options("-Xa", {}, {"MESHGUARD_CACHE_DIR": str(tmp_path / "c")}) == "-Xa"
    assert (tmp_path / "c" / "spark-cds" / f"{NAME}.seen").is_file()


@pytest.mark.spark  # reads pyspark's version and folder: runs where the spark extra is installed
def test_the_archive_belongs_to_pyspark_java_and_the_options(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "")}
    base = spark_cds.key("-Xa", {}, env)
    assert base == spark_cds.key("-Xa", {}, env)
    assert base != spark_cds.key("-Xb", {}, env)
    assert base != spark_cds.key("-Xa", {"spark.driver.memory": "1g"}, env)
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("", encoding="utf-8")
    assert base != spark_cds.key("-Xa", {}, {**env, "JAVA_HOME": str(tmp_path)})


def test_meshguard_yaml_opts_out(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from meshguard.sources import spark

    monkeypatch.setenv("MESHGUARD_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(spark_cds, "key", lambda options, conf, env: NAME)
    assert spark.driver_options({"class_data": False}) is None
    assert spark.driver_options({"conf": {"spark.driver.extraJavaOptions": "-Xmine"}}) is None
    assert spark.driver_options({}) == spark.LOCAL[spark.JAVA_OPTIONS]  # the first run: a mark
    assert "-XX:ArchiveClassesAtExit=" in str(spark.driver_options({"conf": {"spark.sql.x": "1"}}))
