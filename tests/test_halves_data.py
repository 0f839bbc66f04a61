"""A large mesh WITH data at two jobs is checked by two processes, each its half from loading to
score (meshguard/halves.py), with no worker pool: the results are what one process gives.

The run goes in a child process (``meshguard.check``, the threshold lowered): this test process
has imported polars, and a process that has is never forked to check data (``halves.pays``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT
from meshguard import halves
from meshkit import copy_example_repo

RUN = """
import json, os, sys
from datetime import UTC, datetime
import meshguard
from meshguard import halves, parallel, pipeline

halves.SPLIT_FROM = 4
repo, jobs, noted = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def no_pool(*args, **kwargs):
    raise AssertionError("a worker pool was started")

parallel.WorkerPool.start = no_pool
staged = pipeline.ProductChecker._staged

def noting(self, products):  # which process checks which product's data
    for lc, handed in staged(self, products):
        with open(noted, "a") as fh:
            fh.write(f"{os.getpid()} {lc.contract.id}\\n")
        yield lc, handed

pipeline.ProductChecker._staged = noting
mesh = meshguard.check(
    repo, options=meshguard.CheckOptions(jobs=jobs, now=datetime(2026, 11, 25, tzinfo=UTC))
).to_dict()
mesh.pop("run_id"), mesh.pop("summary")
for p in mesh["products"]:
    p.pop("timings")
print(json.dumps(mesh, sort_keys=True))
"""


def _run(repo: Path, jobs: int, noted: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(repo), str(jobs), str(noted)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out: dict[str, Any] = json.loads(done.stdout)
    return out


@pytest.mark.parametrize("related", [True, False], ids=["relationships", "outlined"])
def test_two_processes_check_data_as_one_does(tmp_path: Path, related: bool) -> None:
    repo = copy_example_repo(PROJECT, tmp_path / "repo")
    if not related:  # no relationship left: the halves exchange outlines, each loads its own
        for f in (repo / "contracts").rglob("*.yaml"):
            if "relationships" in f.read_text():
                f.unlink()
    alone = _run(repo, 1, tmp_path / "alone.txt")
    split = _run(repo, 2, tmp_path / "split.txt")
    assert split == alone
    with_data = [p["id"] for p in alone["products"] if p.get("rows")]
    assert len(with_data) >= 4
    stages = {(c["stage"], c["status"]) for p in alone["products"] for c in p["checks"]}
    assert ("schema", "failed") in stages  # the example's planted defects
    # the referential checks read the contracts the relationships point into
    assert (("relationship", "failed") in stages) is related
    by: dict[str, set[str]] = {}
    for line in (tmp_path / "split.txt").read_text().splitlines():
        pid, product = line.split()
        by.setdefault(pid, set()).add(product)
    assert len(by) == 2  # each half's data checked by its own process
    assert set().union(*by.values()) == {p["id"] for p in alone["products"]}


def test_data_splits_only_at_two_jobs_and_before_polars(monkeypatch: pytest.MonkeyPatch) -> None:
    def pays(jobs: int, with_data: bool = True) -> bool:
        return halves.pays(1000, jobs=jobs, with_data=with_data, batches=True)

    monkeypatch.setitem(sys.modules, "polars", sys.modules.get("polars") or object())
    assert not pays(2)  # a process that imported polars is never forked to check data
    assert pays(2, with_data=False)
    monkeypatch.delitem(sys.modules, "polars")
    assert pays(2)
    assert not pays(4)  # more jobs: a pool of as many workers
    assert not pays(1)
