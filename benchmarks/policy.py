"""Policy decisions per second: the whole built-in pack over N generated products.

Budget (DESIGN.md §9): >= 2,000 products/s with the embedded engine on 2 cores.
Measures, side by side and as medians of interleaved runs:
  - embedded, product by product (PolicyStage.evaluate: one round trip per product,
    one regorus worker process), 1 thread and 2 threads;
  - embedded, batched (PolicyStage.evaluate_many: inputs sent in batches, worker
    processes evaluate while this process builds the next inputs and decides the
    previous ones), 1 worker process and 2 worker processes;
  - the same with the pack as it was at git revision --before (default: before the
    pack was rewritten for speed), after checking that both packs give identical
    outcomes for every product;
  - opa engine over real HTTP against the OPA-API stand-in of the test suite
    (tests/opa_standin.py: no OPA binary can be installed here).
The clock covers building the input document and deciding (input -> outcome).

    python benchmarks/policy.py [--products 1000] [--runs 5] [--before REV]
"""

from __future__ import annotations

import argparse
import copy
import io
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from meshguard.config import Config  # noqa: E402
from meshguard.contracts.model import Contract  # noqa: E402
from meshguard.policy.bundle import load_bundle  # noqa: E402
from meshguard.policy.engine import open_engine  # noqa: E402
from meshguard.policy.stage import PolicyStage  # noqa: E402
from meshguard.policy.waivers import WaiverSet  # noqa: E402
from meshguard.stages import PolicyOutcome, RunOptions  # noqa: E402
from meshguard.yamlio import parse_yaml  # noqa: E402

#: the pack before it was rewritten for speed (index sets instead of sets of field objects)
BEFORE = "358a46b"

Run = Callable[[PolicyStage, list[Contract]], list[PolicyOutcome]]

TAGS = [[], [], ["pii"], ["phi"], ["pci"], ["special"]]
CLASSES = [None, "public", "internal", "confidential", "restricted"]


def generate(n: int, seed: int = 7) -> list[Contract]:
    """n realistic contracts (8-16 fields, a mix of sensitive ones, some defects)."""
    from policykit import COMPLIANT

    rng = random.Random(seed)
    out = []
    for i in range(n):
        doc: dict[str, Any] = copy.deepcopy(COMPLIANT)
        doc["id"] = doc["name"] = f"product-{i}"
        props = []
        for j in range(rng.randint(8, 16)):
            p: dict[str, Any] = {"name": f"col_{j}", "logicalType": rng.choice(["string", "integer", "date"])}
            if rng.random() < 0.9:
                p["description"] = f"column {j}"
            cls = rng.choice(CLASSES)
            if cls:
                p["classification"] = cls
            tags = rng.choice(TAGS)
            if tags:
                p["tags"] = tags
            if rng.random() < 0.2:
                p["quality"] = [{"metric": "nullValues", "mustBe": 0}]
            props.append(p)
        doc["schema"][0]["properties"] = props
        if rng.random() < 0.2:
            doc.pop("support")
        if rng.random() < 0.2:
            doc["slaProperties"] = doc["slaProperties"][1:]
        text = yaml.safe_dump(doc, sort_keys=False)
        parsed = parse_yaml(text, f"contracts/p{i}.odcs.yaml")
        out.append(Contract(f"contracts/p{i}.odcs.yaml", parsed.data, parsed.lines))
    return out


#: the built-in standard pack (shipped inside the package)
PACK = ROOT / "src" / "meshguard" / "policy" / "pack"


def stage_for(kind: str, opa_url: str | None = None, pack: Path = PACK) -> PolicyStage:
    config = Config(root=ROOT)
    options = RunOptions(engine=kind, opa_url=opa_url, push_policies=True)
    bundle = load_bundle(pack, ROOT)
    engine = open_engine(kind, bundle, config, options)
    return PolicyStage(bundle, engine, WaiverSet("waivers.yaml"), options)


def pack_at(rev: str) -> Path:
    """The pack as it was at git revision ``rev`` (under benchmarks/_work/): policies/ before
    it moved into the package, src/meshguard/policy/pack after."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True, check=True
    )
    out = ROOT / "benchmarks" / "_work" / f"policies-{sha.stdout.strip()}"
    if not out.is_dir():
        where = PACK.relative_to(ROOT).as_posix()
        moved = subprocess.run(["git", "cat-file", "-e", f"{rev}:{where}"], cwd=ROOT, capture_output=True)
        where = where if moved.returncode == 0 else "policies"
        tar = subprocess.run(["git", "archive", rev, where], cwd=ROOT, capture_output=True, check=True)
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as t:
            t.extractall(tmp, filter="data")
        (tmp / where).rename(out)
        tmp.rmdir()
    return out


def one_by_one(threads: int) -> Run:
    def run(stage: PolicyStage, contracts: list[Contract]) -> list[PolicyOutcome]:
        if threads == 1:
            return [stage.evaluate(c) for c in contracts]
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(stage.evaluate, contracts))

    return run


def batched(workers: int) -> Run:
    def run(stage: PolicyStage, contracts: list[Contract]) -> list[PolicyOutcome]:
        return list(stage.evaluate_many(((c, None, None) for c in contracts), workers=workers))

    return run


def summary(outcomes: list[PolicyOutcome]) -> list[Any]:
    """What a product's outcome decides: every check's status and every finding."""
    return [
        (
            [(c.id, str(c.status), c.message) for c in o.checks],
            [(f.rule_id, str(f.status), f.message, f.field, f.location.pointer) for f in o.findings],
        )
        for o in outcomes
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", default=BEFORE, help="git revision of the pack to compare with")
    args = ap.parse_args()
    contracts = generate(args.products)
    fields = sum(len(c.properties) for c in contracts)
    print(f"{len(contracts)} products, {fields} fields, {len(load_bundle(PACK).rules)} rules")
    old_pack = pack_at(args.before)

    from opa_standin import OpaStandIn

    results: dict[str, list[float]] = {}
    with OpaStandIn() as opa:
        variants: dict[str, tuple[PolicyStage, Run]] = {}
        for label, pack in ((f"pack@{args.before}", old_pack), ("pack now", PACK)):
            variants[f"{label}: 1 by 1, 1 thread"] = (stage_for("embedded", pack=pack), one_by_one(1))
            variants[f"{label}: 1 by 1, 2 threads"] = (stage_for("embedded", pack=pack), one_by_one(2))
            variants[f"{label}: batched, 1 worker"] = (stage_for("embedded", pack=pack), batched(1))
            variants[f"{label}: batched, 2 workers"] = (stage_for("embedded", pack=pack), batched(2))
        variants["pack now: opa (HTTP stand-in), 1 thread"] = (stage_for("opa", opa.url), one_by_one(1))
        reference = summary(one_by_one(1)(next(iter(variants.values()))[0], contracts))
        for name, (stage, run) in variants.items():  # warm-up, and every variant decides alike
            if summary(run(stage, contracts)) != reference:
                raise SystemExit(f"{name}: outcomes differ from pack@{args.before} product by product")
        print(f"outcomes identical for all {len(variants)} variants (both packs, every product)")
        for _ in range(args.runs):  # interleaved runs, so noise hits every variant alike
            for name, (stage, run) in variants.items():
                t0 = time.perf_counter()
                run(stage, contracts)
                results.setdefault(name, []).append(len(contracts) / (time.perf_counter() - t0))
        for stage, _ in variants.values():
            stage.close()
    base = statistics.median(results[f"pack@{args.before}: 1 by 1, 1 thread"])
    print(
        f"{'products/s (median of ' + str(args.runs) + ')':<44} {'':>8}  ratio to pack@{args.before} 1 by 1"
    )
    for name, samples in results.items():
        med = statistics.median(samples)
        print(f"{name:<44} {med:8.0f}  x{med / base:.2f}")
    for mode in ("1 by 1, 1 thread", "1 by 1, 2 threads", "batched, 1 worker", "batched, 2 workers"):
        old = statistics.median(results[f"pack@{args.before}: {mode}"])
        new = statistics.median(results[f"pack now: {mode}"])
        print(f"pack rewrite, {mode:<20} {old:6.0f} -> {new:6.0f} products/s  x{new / old:.2f}")
    best = max(
        statistics.median(v) for k, v in results.items() if k.startswith("pack now") and "opa" not in k
    )
    print(f"budget >= 2000 products/s embedded: {'met' if best >= 2000 else 'NOT met'} ({best:.0f})")


if __name__ == "__main__":
    main()
