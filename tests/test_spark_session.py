"""A local Spark session's settings that keep the checks' driver work short (meshguard.sources.spark,
meshguard.quality.spark), seen in a fresh process: what it imports where, and pyspark's
DataFrame debugging.

Marked ``spark``: run in the Spark environment (.venv-spark); one JVM of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: s
name: s
version: 1.0.0
status: active
team: {name: t}
servers:
  - {server: b, type: spark, path: PATH, format: parquet}
schema:
  - name: s
    properties:
      - {name: sale_id, logicalType: integer, required: true, unique: true}
      - {name: status, logicalType: string, required: true}
"""

CHILD = textwrap.dedent(
    """
    import importlib.abc, json, sys, threading
    from pathlib import Path

    importers = []

    class Watch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "polars":
                importers.append(threading.current_thread().name)
            return None

    sys.meta_path.insert(0, Watch())
    from meshguard.config import Config
    from meshguard.contracts.load import load_contract
    from meshguard.quality.stage import run_quality
    from meshguard.stages import QualityContext
    from pyspark.errors.utils import is_debugging_enabled

    root = Path(sys.argv[1])
    config = Config(root=root, spark={"master": "local[1]", "class_data": False})
    contract = load_contract(root / "s.odcs.yaml", root).contract
    out = run_quality(contract, config, QualityContext(profile=False), {})
    failed = sorted(c.id for c in out.checks if c.status == "failed")
    from meshguard.sources.spark import session
    beans = session({})._jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
    gc = sorted(str(b.getName()) for b in beans)
    print(json.dumps({"importers": importers, "debugging": is_debugging_enabled(), "failed": failed, "gc": gc}))
    """
)


def test_the_table_is_read_while_a_thread_imports_polars_and_debugging_is_off(tmp_path: Path) -> None:
    """The main thread starts the table's read (the JVM lists the files and reads the schema)
    before anything imports polars, which the import thread does meanwhile; pyspark records no
    Python call site per Column function (half the py4j round trips of the checks); the JVM
    runs the serial collector."""
    import polars as pl

    pl.DataFrame({"sale_id": [1, 2, 2], "status": ["a", None, "b"]}).write_parquet(tmp_path / "s.parquet")
    contract = CONTRACT.replace("PATH", str(tmp_path / "s.parquet"))
    (tmp_path / "s.odcs.yaml").write_text(contract, encoding="utf-8")
    got = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, timeout=300, check=True
    )
    seen = json.loads(got.stdout.strip().splitlines()[-1])
    assert seen["failed"] == ["s.sale_id.unique", "s.status.required"]
    assert seen["importers"] and "MainThread" not in seen["importers"]
    assert seen["debugging"] is False
    assert seen["gc"] == ["Copy", "MarkSweepCompact"]  # the serial collector
