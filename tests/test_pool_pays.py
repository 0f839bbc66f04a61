"""``--jobs N`` starts worker processes only when they pay for their start (``pipeline.pool_pays``):
with data to read, or a policy engine called once per product. Without data, with the embedded
engine (it takes batches in its own processes), the products are checked in the run's process,
with the same results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

#: a whole run of the example mesh through the API in a fresh interpreter: its results, and
#: whether the pool's module was ever imported (it is imported only to start workers)
RUN = """
import json, sys
import meshguard
mesh = meshguard.check(".", options=meshguard.CheckOptions(jobs={jobs}, with_data={data}, with_policy={policy}))
doc = mesh.to_dict()
for k in ("run_id", "timestamp"):
    doc.pop(k, None)
doc["summary"].pop("elapsed_s", None)
for p in doc["products"]:
    p["timings"] = {{}}
print(json.dumps({{"pool": "meshguard.parallel" in sys.modules, "doc": doc}}, sort_keys=True))
"""


def _run(jobs: int, *, data: bool, policy: bool) -> tuple[bool, str]:
    code = RUN.format(jobs=jobs, data=data, policy=policy)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={"PYTHONPATH": str(PROJECT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-800:]
    got = json.loads(done.stdout)
    return got["pool"], json.dumps(got["doc"], sort_keys=True)


@pytest.mark.parametrize("policy", [False, True], ids=["no-policy", "embedded-engine"])
def test_no_workers_without_data(policy: bool) -> None:
    pool, doc = _run(2, data=False, policy=policy)
    assert pool is False
    assert doc == _run(1, data=False, policy=policy)[1]
    assert '"products": [{' in doc


def test_workers_with_data() -> None:
    pool, doc = _run(2, data=True, policy=False)
    assert pool is True
    assert doc == _run(1, data=True, policy=False)[1]
