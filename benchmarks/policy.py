"""Policy decisions per second: the whole pack (policies/) over N generated products.

Budget (DESIGN.md §9): >= 2,000 products/s with the embedded engine on 2 cores.
Measures, side by side and as medians of several runs:
  - embedded, 1 thread (one regorus worker process),
  - embedded, 2 threads (one worker process each, as `--jobs 2` would),
  - opa engine over real HTTP against the OPA-API stand-in of the test suite
    (tests/opa_standin.py: no OPA binary can be installed here).
The clock covers building the input document and deciding (PolicyStage.evaluate).

    python benchmarks/policy.py [--products 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import time
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
from meshguard.stages import RunOptions  # noqa: E402
from meshguard.yamlio import parse_yaml  # noqa: E402

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


def stage_for(kind: str, opa_url: str | None = None) -> PolicyStage:
    config = Config(root=ROOT)
    options = RunOptions(engine=kind, opa_url=opa_url, push_policies=True)
    bundle = load_bundle(ROOT / "policies", ROOT)
    engine = open_engine(kind, bundle, config, options)
    return PolicyStage(bundle, engine, WaiverSet("waivers.yaml"), options)


def rate(stage: PolicyStage, contracts: list[Contract], threads: int) -> float:
    t0 = time.perf_counter()
    if threads == 1:
        for c in contracts:
            stage.evaluate(c)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(stage.evaluate, contracts))
    return len(contracts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    contracts = generate(args.products)
    fields = sum(len(c.properties) for c in contracts)
    print(f"{len(contracts)} products, {fields} fields, {len(load_bundle(ROOT / 'policies').rules)} rules")

    from opa_standin import OpaStandIn

    results: dict[str, list[float]] = {}
    with OpaStandIn() as opa:
        stages = {
            "embedded, 1 thread": (stage_for("embedded"), 1),
            "embedded, 2 threads": (stage_for("embedded"), 2),
            "opa (HTTP stand-in), 1 thread": (stage_for("opa", opa.url), 1),
        }
        for stage, threads in stages.values():
            rate(stage, contracts[:50], threads)  # warm-up: workers started, connections open
        for _ in range(args.runs):  # interleaved runs, so noise hits every variant alike
            for name, (stage, threads) in stages.items():
                results.setdefault(name, []).append(rate(stage, contracts, threads))
        for stage, _ in stages.values():
            stage.close()
    base = statistics.median(results["embedded, 1 thread"])
    for name, samples in results.items():
        med = statistics.median(samples)
        print(
            f"{name:<32} {med:8.0f} products/s  (median of {len(samples)}; x{med / base:.2f} of embedded 1 thread)"
        )
    best = max(statistics.median(results[k]) for k in results if k.startswith("embedded"))
    print(f"budget >= 2000 products/s embedded: {'met' if best >= 2000 else 'NOT met'} ({best:.0f})")


if __name__ == "__main__":
    main()
