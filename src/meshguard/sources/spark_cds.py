"""The local Spark JVM's class-data archive (AppCDS), made once and then used by every run.

A local session loads, parses and verifies some 15,000 classes from Spark's jars on every run:
about half the JVM's start-up CPU and a tenth of the checks'. Java keeps such classes in a
dynamic archive written when a JVM exits (``-XX:ArchiveClassesAtExit``) and maps it into later
JVMs (``-XX:SharedArchiveFile``). The archive (about 160 MB) lives in the user's cache
(``$MESHGUARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/meshguard``, else ``~/.cache/meshguard``),
under ``spark-cds/``, one per :func:`key` (pyspark, the Java binary, the JVM's options):

- the first run of a key only leaves a mark: a one-off run (an ephemeral CI job) pays nothing;
- the second writes the archive when its JVM exits, under a temporary name, with the JVM's
  own log of the dump beside it (that run starts slower and waits for the dump at its exit);
- a later run renames it into place only when that log says the archive was written whole (a
  JVM killed while dumping leaves a truncated file, which must never be mapped: the next JVM
  would die of a bus error), records its size, then maps it while it keeps that size.
  A dump that never finished is removed after :data:`STALE_S`.

The JVM's messages about the archive (e.g. a mismatch after an upgrade: the JVM then runs
without it) are switched off, because they would go to standard output, meshguard's report.
Opt out with ``spark: {class_data: false}`` in meshguard.yaml, or by setting
``spark.driver.extraJavaOptions`` in ``spark.conf`` (those options then replace meshguard's).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

#: a dump whose log has not said "written" this long after it started is given up
STALE_S = 3600.0
#: the JVM's line in its dump log once the archive is written whole
WRITTEN = "Written dynamic archive"
#: the JVM's archive messages off on standard output (meshguard's report)
QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"


def cache_root(env: Mapping[str, str]) -> Path:
    """The user's meshguard cache folder (as for central policies)."""
    if env.get("MESHGUARD_CACHE_DIR"):
        return Path(env["MESHGUARD_CACHE_DIR"])
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]) / "meshguard"
    return Path.home() / ".cache" / "meshguard"


def key(options: str, conf: Mapping[str, str], env: Mapping[str, str]) -> str:
    """What an archive belongs to: pyspark (version and folder, hence its jars), the Java binary
    spark-submit runs (path, size, time), the JVM's options and the driver's conf. The JVM
    checks the class path itself and ignores an archive that does not match it."""
    import pyspark

    java = Path(env["JAVA_HOME"]) / "bin" / "java" if env.get("JAVA_HOME") else None
    found = str(java) if java is not None else shutil.which("java", path=env.get("PATH"))
    binary = Path(os.path.realpath(found)) if found else None
    stat = binary.stat() if binary is not None and binary.exists() else None
    parts = [
        pyspark.__version__,
        env.get("SPARK_HOME") or os.path.dirname(os.path.abspath(pyspark.__file__)),
        f"{binary}:{stat.st_size}:{stat.st_mtime_ns}" if stat is not None else "",
        options,
        *sorted(f"{k}={v}" for k, v in conf.items()),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def java_options(options: str, conf: Mapping[str, str], env: Mapping[str, str] | None = None) -> str:
    """``options`` with the archive's: map it, write it, or neither (an unwritable cache)."""
    env = os.environ if env is None else env
    folder = cache_root(env) / "spark-cds"
    if any(c in str(folder) for c in " \t\"',:="):  # the JVM's option syntax would split it
        return options
    try:
        extra = archive_options(folder, key(options, conf, env), time.time(), os.getpid())
    except OSError:
        return options
    return f"{options} {extra}" if extra else options


def archive_options(folder: Path, name: str, now: float, pid: int) -> str:
    """The JVM options for archive ``name`` in ``folder`` (see the module's docstring), after
    putting a finished dump in place and removing a stale one. The archive's size is recorded
    in its mark when it is put in place: a file of another size (cut short by a copy or a
    restore: the JVM dies of a bus error mapping it) is removed, never mapped."""
    archive, seen = folder / f"{name}.jsa", folder / f"{name}.seen"
    if archive.is_file() and _recorded(seen) != archive.stat().st_size:
        archive.unlink()
    if not archive.is_file():
        busy = False
        for log in folder.glob(f"{name}-*.log"):
            part = log.with_suffix(".part")
            if part.is_file() and WRITTEN in log.read_text(encoding="utf-8", errors="replace"):
                seen.write_text(str(part.stat().st_size), encoding="ascii")
                os.replace(part, archive)  # whole: in place at once, for this run and the next
            elif now - log.stat().st_mtime < STALE_S:
                busy = True  # a JVM still running, or dumping: it may finish
                continue
            part.unlink(missing_ok=True)
            log.unlink(missing_ok=True)
        if not archive.is_file():
            if busy or not seen.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                seen.touch()
                return ""
            own = folder / f"{name}-{pid}"
            dump = f"-XX:ArchiveClassesAtExit={own}.part"
            return f"{dump} {QUIET} -Xlog:cds+dynamic=info:file={own}.log"
    return f"-XX:SharedArchiveFile={archive} {QUIET}"


def _recorded(seen: Path) -> int | None:
    """The size of the archive put in place, as its mark records it."""
    try:
        return int(seen.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
