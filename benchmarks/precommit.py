"""Whole-process wall time of the `meshguard-check` pre-commit hook on one changed contract
in a domain repo of 200 contracts (lint + policy, no data).

Budget (DESIGN.md §9): < 0.3 s on a 2-core machine (`meshguard lint`: < 0.15 s). Runs the hook's exact entry
(from .pre-commit-hooks.yaml) with the changed file as pre-commit passes it, and,
side by side, the bare interpreter start-up and `meshguard lint` of the same file.
The repo is generated under benchmarks/_work/ (git, 200 contracts that reference
each other, the project's policy pack when it has one).

    python benchmarks/precommit.py [--runs 15] [--contracts 200]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "precommit-repo"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: product-{i:03d}
name: Product {i:03d}
version: 1.{i}.0
status: active
domain: domain-{d}
dataProduct: product-{i:03d}
description:
  purpose: Generated product {i} for the pre-commit benchmark.
team:
  name: team-{d}
  members:
    - username: owner{d}@example.com
      role: owner
schema:
  - name: table_{i:03d}
    physicalType: table
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
        classification: internal
      - name: email
        logicalType: string
        classification: restricted
        tags: [pii]
      - name: amount
        logicalType: number
        classification: internal
      - name: created_at
        logicalType: timestamp
        classification: internal
      - name: parent_id
        logicalType: integer
        classification: internal
        relationships:
          - type: foreignKey
            to: table_{parent:03d}.id
slaProperties:
  - property: retention
    value: 3
    unit: y
"""


def make_repo(n: int) -> Path:
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "contracts").mkdir(parents=True)
    for i in range(n):
        d = i % 8
        folder = WORK / "contracts" / f"domain-{d}"
        folder.mkdir(exist_ok=True)
        (folder / f"product-{i:03d}.odcs.yaml").write_text(CONTRACT.format(i=i, d=d, parent=(i + 1) % n))
    (WORK / "meshguard.yaml").write_text("contracts: {dir: contracts}\n")  # the repo's root
    env = {**os.environ, **GIT_ENV}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "repo"]):
        subprocess.run(["git", *cmd], cwd=WORK, env=env, check=True)
    return WORK


def hook_entry(hook_id: str) -> list[str]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == hook_id)
    argv = shlex.split(entry)
    assert argv[0] == "meshguard"
    return [sys.executable, "-m", "meshguard", *argv[1:]]


def timed(cmd: list[str], cwd: Path, runs: int) -> tuple[float, int, str]:
    samples = []
    proc = None
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PRE_COMMIT": "1"}
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
        samples.append(time.perf_counter() - t0)
    assert proc is not None
    return statistics.median(samples), proc.returncode, (proc.stdout + proc.stderr).strip()


def context_side_by_side(repo: Path, changed: Path, runs: int) -> tuple[float, float]:
    """In-process: lint of the changed file with the lazy repo context vs the eager one
    (every other contract parsed), both with warm imports."""
    sys.path.insert(0, str(ROOT / "src"))
    from meshguard.config import load_config
    from meshguard.contracts.lint import LintContext, lint_contract
    from meshguard.contracts.load import discover, load_contract
    from meshguard.contracts.repo import load_all, repo_context

    config = load_config(repo)
    paths = [changed]

    def lazy() -> None:
        loaded, _ = load_all(paths, config)
        ctx = repo_context(config, loaded, paths)
        for lc in loaded:
            lint_contract(lc.contract, ctx)

    def eager() -> None:
        loaded, _ = load_all(paths, config)
        others = [
            load_contract(f, config.root, config.sensitivity, config.limits, validate=False).contract
            for f in discover([config.contracts_path], config.contract_globs)
            if f.resolve() != changed.resolve()
        ]
        ctx = LintContext([*(lc.contract for lc in loaded), *others])
        for lc in loaded:
            lint_contract(lc.contract, ctx)

    out = []
    for fn in (lazy, eager):
        fn()  # warm
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        out.append(statistics.median(samples))
    return out[0], out[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--contracts", type=int, default=200)
    args = ap.parse_args()
    repo = make_repo(args.contracts)
    changed = repo / "contracts" / "domain-3" / "product-003.odcs.yaml"
    changed.write_text(changed.read_text().replace("version: 1.3.0", "version: 1.3.1"))
    rel = changed.relative_to(repo).as_posix()
    bare, _, _ = timed([sys.executable, "-c", "pass"], repo, args.runs)
    lint, lint_code, _ = timed([sys.executable, "-m", "meshguard", "lint", rel], repo, args.runs)
    hook, code, out = timed([*hook_entry("meshguard-check"), rel], repo, args.runs)
    print(f"repo: {args.contracts} contracts, one changed; policies: the built-in pack")
    print(f"python start-up (reference)            median {bare * 1000:7.1f} ms")
    print(
        f"meshguard lint, changed contract       median {lint * 1000:7.1f} ms  (exit {lint_code}, budget 150 ms)"
    )
    print(
        f"meshguard-check hook, changed contract median {hook * 1000:7.1f} ms  (exit {code}, budget 300 ms)"
    )
    print(f"ratio hook / bare python: {hook / bare:.1f}x")
    lazy, eager = context_side_by_side(repo, changed, args.runs)
    print(f"in-process lint of the changed contract, lazy repo context  median {lazy * 1000:6.1f} ms")
    print(f"in-process lint of the changed contract, eager repo context median {eager * 1000:6.1f} ms")
    print(f"ratio eager / lazy: {eager / lazy:.1f}x")
    if code != 0:
        print("hook output:\n" + out[-2000:])


if __name__ == "__main__":
    main()
