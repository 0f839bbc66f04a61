"""A worker started ahead of the embedded engine (what `meshguard check` does as soon as it
knows policies will run) is the one the engine then uses, and none is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import PROJECT
from meshguard.policy import embedded
from meshguard.policy.bundle import Module, PolicyBundle

BUNDLE = PolicyBundle(
    root=Path("."),
    modules=(Module("p.rego", "package meshguard.p\n\ndeny contains input.x if input.x\n"),),
    tests=(),
    data={},
    rules=(),
    hash="sha256:test",
)


def test_the_engine_takes_the_prestarted_worker() -> None:
    embedded.prestart()
    embedded.prestart()  # a second call keeps the one spare
    assert len(embedded._SPARES) == 1
    spare = embedded._SPARES[0][1]
    engine = embedded.EmbeddedEngine(BUNDLE, 30.0)
    try:
        assert embedded._SPARES == []
        assert [w._proc.pid for w in engine._workers] == [spare.pid]
        assert engine.evaluate({"x": "seen"}).values == {"meshguard.p.deny": ["seen"]}
        other = embedded.EmbeddedEngine(BUNDLE, 30.0)  # no spare left: a worker of its own
        try:
            assert other._workers[0]._proc.pid != spare.pid
            assert other.evaluate({"x": "again"}).values == {"meshguard.p.deny": ["again"]}
        finally:
            other.close()
    finally:
        engine.close()
    assert spare.poll() is not None


def test_a_spare_of_another_process_is_never_taken() -> None:
    """A forked child (a pool worker) must not share its parent's worker pipes."""
    embedded.prestart()
    pid, proc = embedded._SPARES[0]
    embedded._SPARES[0] = (pid + 1, proc)  # as a forked child sees its parent's list
    try:
        engine = embedded.EmbeddedEngine(BUNDLE, 30.0)
        try:
            assert engine._workers[0]._proc.pid != proc.pid
        finally:
            engine.close()
    finally:
        embedded._stop(proc)


def test_an_unused_spare_does_not_outlive_the_command(tmp_path: Path) -> None:
    probe = "from meshguard.policy import embedded\nembedded.prestart()\nprint(embedded._SPARES[0][1].pid)\n"
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    pid = int(proc.stdout.strip())
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
