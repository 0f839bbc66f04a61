"""Cost of the versioning stage: one diff, and a mesh of N contracts against a git base.

    .venv/bin/python benchmarks/versioning_mesh.py [--contracts 1000] [--changed 50] [--runs 5]

Prints medians of several runs: the time of one ``diff_contracts`` of the
orders fixture pair, and of ``run_versioning`` over every contract of a
generated git repository (in benchmarks/_work/) where some contracts changed
since ``HEAD``; the git part is a few calls per run plus one ``git show`` per
changed contract.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

from meshguard.config import load_config  # noqa: E402
from meshguard.contracts.load import load_contract  # noqa: E402
from meshguard.stages import VersioningContext  # noqa: E402
from meshguard.versioning.diff import diff_contracts  # noqa: E402
from meshguard.versioning.stage import run_versioning  # noqa: E402
from versioning_helpers import base_doc, contract, dump, remove_prop  # noqa: E402

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@example.com",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True)


def make_repo(root: Path, n: int, changed: int) -> list[Path]:
    if root.exists():
        shutil.rmtree(root)
    (root / "contracts").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    files = []
    for i in range(n):
        doc = base_doc()
        doc["id"] = f"orders{i}"
        f = root / "contracts" / f"orders{i:04d}.odcs.yaml"
        f.write_text(dump(doc), encoding="utf-8")
        files.append(f)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "base")
    for i, f in enumerate(files[:changed]):
        doc = base_doc()
        doc["id"] = f"orders{i}"
        remove_prop(doc, "quantity")
        doc["version"] = "2.0.0"
        f.write_text(dump(doc), encoding="utf-8")
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contracts", type=int, default=1000)
    ap.add_argument("--changed", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    old = contract(base_doc(), "old")
    new_doc = base_doc()
    remove_prop(new_doc, "quantity")
    new = contract(new_doc, "new")
    times = []
    for _ in range(max(args.runs, 5)):
        t0 = time.perf_counter()
        for _ in range(100):
            diff_contracts(old, new)
        times.append((time.perf_counter() - t0) / 100)
    print(f"diff_contracts, orders fixture pair: median {statistics.median(times) * 1e3:.3f} ms")

    repo = HERE / "_work" / "versioning-mesh"
    files = make_repo(repo, args.contracts, args.changed)
    config = load_config(repo, None)
    contracts = [load_contract(f, repo).contract for f in files]
    runs = []
    for i in range(args.runs):
        options = VersioningContext(mode="pre-commit", run_id=str(i))  # base HEAD; a new run id = a new run
        t0 = time.perf_counter()
        changes = sum(len(run_versioning(c, config, options, []).changes) for c in contracts)
        runs.append(time.perf_counter() - t0)
    med = statistics.median(runs)
    print(
        f"run_versioning over {args.contracts} contracts ({args.changed} changed since HEAD, "
        f"{changes} changes): median {med:.3f} s of {args.runs} runs, {med / args.contracts * 1e3:.2f} ms/contract"
    )


if __name__ == "__main__":
    main()
