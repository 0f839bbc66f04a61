"""Instructions per product of the embedded engine (regorus) deciding the pack, counted by valgrind.

On a machine shared with other work, wall-clock and even CPU-time figures of a
~2 ms evaluation move by tens of percent from run to run; the number of
instructions executed does not. This counts them with valgrind's callgrind for
the bare regorus evaluator (the input JSON prebuilt, one ``data.meshguard``
query per product, as the worker runs it), for the pack and for another copy
of it (``--compare-pack``, e.g. an earlier version from ``git archive``).

Each figure is (instructions of a process deciding N products − instructions of
the same process deciding none) / N, so interpreter start-up and loading the
policies cancel out. Needs ``valgrind`` on PATH (it is not a meshguard dependency).

    python benchmarks/policy_instructions.py [--products 20] [--compare-pack DIR] [--query Q]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"


def child(pack: Path, docs_path: Path, n: int, query: str) -> None:
    """Decide the first ``n`` products with regorus (run under valgrind by :func:`count`)."""
    from meshguard.policy.bundle import load_bundle
    from meshguard.policy.rego import RegoCore

    bundle = load_bundle(pack)
    core = RegoCore.load(bundle.modules, bundle.data)
    docs = [json.dumps(d) for d in json.loads(docs_path.read_text())][:n]
    for d in docs:
        core.query(query, d)


def count(pack: Path, docs_path: Path, n: int, query: str) -> int:
    env = {**os.environ, "RUST_BACKTRACE": "0", "PYTHONPATH": str(ROOT / "src")}
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    args = ["--child", str(pack), str(docs_path), str(n), query]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=False)
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or m is None:
        raise SystemExit(f"valgrind run failed (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
    return int(m.group(1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=20)
    ap.add_argument("--compare-pack", type=Path)
    ap.add_argument("--query", default="data.meshguard")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not on PATH")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "tests"))
    from meshguard.policy.input import build_input
    from policy import PACK, generate

    WORK.mkdir(parents=True, exist_ok=True)
    docs_path = WORK / "policy_instructions_docs.json"
    docs_path.write_text(json.dumps([build_input(c) for c in generate(args.products)]))
    packs = [("this pack", PACK)] + ([("--compare-pack", args.compare_pack)] if args.compare_pack else [])
    figures = {}
    for name, pack in packs:
        per = (
            count(pack, docs_path, args.products, args.query) - count(pack, docs_path, 0, args.query)
        ) / args.products
        figures[name] = per
        print(f"{name:<16} {per / 1e6:8.3f} M instructions per product  ({pack})")
    if args.compare_pack:
        print(f"--compare-pack / this pack: x{figures['--compare-pack'] / figures['this pack']:.2f}")


if __name__ == "__main__":
    main()
