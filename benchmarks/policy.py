"""Policy decisions per second: the embedded engine against OPA's own evaluator.

Budget (DESIGN.md §9): the embedded engine decides >= 2,000 products/s on 2 cores
and >= 4x as many as OPA's evaluator. Both decide the whole built-in pack over
the same N generated products, side by side, as medians of interleaved runs.

The headline is the rate a user's mesh run gets: a fresh PolicyStage per run, its
engine's 2 worker processes started and the bundle loaded (the fixed start-up,
timed and reported apart, as the Spark budget reports the JVM start apart: the
budget is a rate), then PolicyStage.evaluate_many over N products (default 2,000,
mesh-sized, so nothing fixed hides in the rate), for the embedded engine and OPA's
evaluator in the same worker setup; both are checked to reach identical outcomes
on every product. Beside the wall-clock rate it prints the CPU (user+sys) of this
process and of the engine's workers per product, and the rate that CPU allows on 2
cores: on a shared machine the wall clock is the scheduler's, the CPU is ours.

``--modes`` adds the earlier per-mode comparison (slower):

  - embedded (regorus in worker processes) and opa-inprocess (OPA's Go ``rego``
    package from opa-golib-python-bindings, in the same worker processes):
    product by product (one round trip per product, 1 worker) and batched
    (PolicyStage.evaluate_many, 1 and 2 workers). The clock covers building the
    input document and deciding (input -> outcome).
  - the bare evaluators in this process (prebuilt input JSON -> data.meshguard):
    regorus vs OPA, what each interpreter costs per product; and regorus's compiled
    program (its Rego virtual machine), which the embedded engine runs first for the
    standard pack (meshguard.policy.compiled), against regorus's interpreter.

Both engines are first checked to reach identical outcomes on every product.
Then a breakdown of the time per product: building the input, each evaluator,
and the rest (transport to the workers, findings, waivers).

``--compare-pack DIR`` adds the bare regorus evaluator over another copy of the
pack (e.g. an earlier version: ``git archive REV src/meshguard/policy/pack``) to
the same interleaved runs, so a change to the pack is measured before/after side
by side. ``--profile`` prints where regorus's time per product goes: reading the
input document, then each package of the pack evaluated on its own (with the
lib helpers it uses), as CPU time (the best of the runs: least disturbed by
other work on the machine).

    python benchmarks/policy.py [--products 2000] [--runs 3] [--modes [--compare-pack DIR] [--profile]]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from meshguard.config import Config  # noqa: E402
from meshguard.contracts.model import Contract  # noqa: E402
from meshguard.policy.bundle import load_bundle  # noqa: E402
from meshguard.policy.compiled import compilable  # noqa: E402
from meshguard.policy.engine import open_engine  # noqa: E402
from meshguard.policy.input import build_input  # noqa: E402
from meshguard.policy.opa_inprocess import OpaCore  # noqa: E402
from meshguard.policy.rego import RegoCore  # noqa: E402
from meshguard.policy.stage import PolicyStage  # noqa: E402
from meshguard.policy.waivers import WaiverSet  # noqa: E402
from meshguard.stages import PolicyContext, PolicyOutcome  # noqa: E402
from meshguard.yamlio import parse_yaml  # noqa: E402

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


def stage_for(kind: str, pack: Path = PACK) -> PolicyStage:
    config = Config(root=ROOT)
    options = PolicyContext(engine=kind)
    bundle = load_bundle(pack, ROOT)
    engine = open_engine(kind, bundle, config, options)
    return PolicyStage(bundle, engine, WaiverSet("waivers.yaml"), options)


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


def bare(core: RegoCore | OpaCore, docs: list[str]) -> tuple[float, float]:
    """Products per second (wall clock) of one evaluator in this process, input JSON prebuilt,
    and its CPU microseconds per product (all its threads: far less moved by other work on
    the machine than the wall clock)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for d in docs:
        core.evaluate(d)
    return len(docs) / (time.perf_counter() - t0), (time.process_time() - c0) / len(docs) * 1e6


def cpu_us(fn: Callable[[str], object], docs: list[str], runs: int) -> float:
    """CPU microseconds per document of ``fn``, the best of ``runs`` passes."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.process_time()
        for d in docs:
            fn(d)
        best = min(best, (time.process_time() - t0) / len(docs) * 1e6)
    return best


def profile(core: RegoCore, packages: list[str], docs: list[str], runs: int) -> None:
    """Where regorus's time per product goes, package by package (CPU time, best of runs)."""
    engine = core._engine

    def query(q: str) -> Callable[[str], object]:
        return lambda d: (engine.set_input_json(d), engine.eval_query_as_json(q))

    base = cpu_us(query("true"), docs, runs)
    whole = cpu_us(query("data.meshguard"), docs, runs)
    size = sum(map(len, docs)) / len(docs)
    print(f"regorus, CPU us per product (best of {runs}):")
    print(f"  reading the input document ({size:.0f} bytes of JSON) + a trivial query {base:8.0f}")
    print(f"  the whole pack (data.meshguard), input included          {whole:8.0f}")
    for pkg in packages:  # each on its own: includes the lib helpers it uses
        alone = cpu_us(query(f"data.meshguard.{pkg}"), docs, runs) - base
        print(f"    data.meshguard.{pkg:<12} alone, input excluded          {alone:8.0f}")


def _cpu_of(pids: list[int]) -> float:
    """CPU seconds (user + sys) used so far by these (running) processes, from /proc."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class MeshRun:
    """One run as a mesh run decides: start-up, then N products batched over the workers."""

    start_wall: float
    start_cpu: float  # this process and the workers
    wall: float
    cpu_here: float
    cpu_workers: float
    outcomes: list[Any]


def mesh_run(kind: str, contracts: list[Contract], workers: int) -> MeshRun:
    """A fresh stage (as a run opens it), its ``workers`` engine processes started and loaded
    (the fixed start-up), then ``evaluate_many`` over every product, as the mesh run calls it."""
    t0, c0 = time.perf_counter(), time.process_time()
    stage = stage_for(kind)
    engine = stage.engine
    pool = engine._pool(workers)  # type: ignore[attr-defined]  # the workers evaluate_many uses
    for worker in pool:
        worker.wait_loaded()
    pids = [w._proc.pid for w in pool]
    t1, c1, w1 = time.perf_counter(), time.process_time(), _cpu_of(pids)
    outcomes = summary(list(stage.evaluate_many(((c, None, None) for c in contracts), workers=workers)))
    t2, c2, w2 = time.perf_counter(), time.process_time(), _cpu_of(pids)
    stage.close()
    return MeshRun(t1 - t0, c1 - c0 + w1, t2 - t1, c2 - c1, w2 - w1, outcomes)


def headline(contracts: list[Contract], runs: int, workers: int) -> None:
    """The rate a mesh run gets, embedded vs OPA's evaluator in the same worker setup."""
    kinds = ("embedded", "opa-inprocess")
    got: dict[str, list[MeshRun]] = {k: [] for k in kinds}
    for _ in range(runs):  # interleaved, so the machine's load hits both alike
        for kind in kinds:
            got[kind].append(mesh_run(kind, contracts, workers))
    reference = got["embedded"][0].outcomes
    for kind in kinds:
        if any(r.outcomes != reference for r in got[kind]):
            raise SystemExit(f"{kind}: outcomes differ from the embedded engine's first run")
    n = len(contracts)
    print(f"outcomes identical: both engines, every run, all {n} products")
    print(f"mesh run: evaluate_many, {workers} workers, {n} products, medians of {runs} interleaved runs")
    head = f"{'':<34} {'embedded':>10} {'OPA':>10}  embedded/OPA"
    print(head)

    def med(kind: str, f: Callable[[MeshRun], float]) -> float:
        return statistics.median(f(r) for r in got[kind])

    def ratio(f: Callable[[MeshRun], float], inverse: bool = False) -> float:
        pairs = zip(got["embedded"], got["opa-inprocess"], strict=True)
        return statistics.median((f(b) / f(a)) if inverse else (f(a) / f(b)) for a, b in pairs)

    def row(label: str, f: Callable[[MeshRun], float], fmt: str, inverse: bool = False) -> None:
        e, o = med("embedded", f), med("opa-inprocess", f)
        print(f"{label:<34} {e:>10{fmt}} {o:>10{fmt}}  x{ratio(f, inverse):.2f}")

    row("start-up (engine + bundle), ms", lambda r: r.start_wall * 1e3, ".0f", inverse=True)
    row("start-up CPU, ms", lambda r: r.start_cpu * 1e3, ".0f", inverse=True)
    row("products/s, wall clock", lambda r: n / r.wall, ".0f")
    row("CPU us/product, this process", lambda r: r.cpu_here / n * 1e6, ".0f", inverse=True)
    row("CPU us/product, the workers", lambda r: r.cpu_workers / n * 1e6, ".0f", inverse=True)
    row("CPU us/product, all", lambda r: (r.cpu_here + r.cpu_workers) / n * 1e6, ".0f", inverse=True)
    # what 2 cores of our own give: all the CPU spread over 2 cores, but never faster than
    # this process alone (it builds every input and maps every answer, serially)
    cores = 2

    def cpu_rate(r: MeshRun) -> float:
        return n / max((r.cpu_here + r.cpu_workers) / cores, r.cpu_here, r.cpu_workers / workers)

    row(f"products/s the CPU allows, {cores} cores", cpu_rate, ".0f")
    print("(ratios: embedded/OPA for rates, OPA/embedded for costs: > 1 is the embedded engine ahead)")
    wall, by_cpu = med("embedded", lambda r: n / r.wall), med("embedded", cpu_rate)
    print(
        f"budget >= 2000 products/s: {'met' if wall >= 2000 else 'NOT met'} "
        f"(wall {wall:.0f}/s; CPU-bound rate {by_cpu:.0f}/s)"
    )
    print(
        f"budget >= 4x OPA's evaluator: {'met' if ratio(lambda r: n / r.wall) >= 4 else 'NOT met'} "
        f"(wall x{ratio(lambda r: n / r.wall):.2f}, CPU x{ratio(cpu_rate):.2f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="engine processes of the mesh run (its --jobs)")
    ap.add_argument("--modes", action="store_true", help="also the per-mode and bare-evaluator comparison")
    ap.add_argument(
        "--compare-pack", type=Path, help="another copy of the pack, measured side by side (bare; --modes)"
    )
    ap.add_argument("--profile", action="store_true", help="where regorus's time per product goes (--modes)")
    args = ap.parse_args()
    contracts = generate(args.products)
    fields = sum(len(c.properties) for c in contracts)
    bundle = load_bundle(PACK)
    print(f"{len(contracts)} products, {fields} fields, {len(bundle.rules)} rules")
    headline(contracts, args.runs, args.workers)
    if args.modes:
        modes(args, contracts, bundle)


def modes(args: argparse.Namespace, contracts: list[Contract], bundle: Any) -> None:
    """The earlier comparison: product by product, batched with 1 and 2 workers, bare evaluators."""
    rules = [f"{r.package}.{r.name}" for r in bundle.rules]

    variants: dict[str, tuple[PolicyStage, Run]] = {}
    for kind in ("embedded", "opa-inprocess"):
        variants[f"{kind}: 1 by 1, 1 worker"] = (stage_for(kind), one_by_one(1))
        variants[f"{kind}: batched, 1 worker"] = (stage_for(kind), batched(1))
        variants[f"{kind}: batched, 2 workers"] = (stage_for(kind), batched(2))
    reference = summary(one_by_one(1)(next(iter(variants.values()))[0], contracts))
    for name, (stage, run) in variants.items():  # warm-up, and both engines decide alike
        if summary(run(stage, contracts)) != reference:
            raise SystemExit(f"{name}: outcomes differ from the embedded engine's, product by product")
    print(f"outcomes identical for all {len(variants)} variants (both engines, every product)")

    t0 = time.perf_counter()
    docs = [json.dumps(build_input(c)) for c in contracts]
    build_us = (time.perf_counter() - t0) / len(contracts) * 1e6
    cores = {"bare regorus (this process)": RegoCore.load(bundle.modules, bundle.data, rules)}
    # what the embedded engine runs for the standard pack: the compiled program first
    program = RegoCore.load(bundle.modules, bundle.data, rules, compiled=compilable(bundle))
    if program._compiled is None:
        raise SystemExit("the pack was not compiled: regorus's compiled program is not measured")
    for d in docs:  # the same decisions, from the program itself (no product left to the interpreter)
        if program._compiled.tree(d) is None or program.evaluate(d) != cores[
            "bare regorus (this process)"
        ].evaluate(d):
            raise SystemExit("the compiled program decides differently from the interpreter")
    cores["bare regorus, compiled program"] = program
    cores["bare OPA evaluator (this process)"] = OpaCore.load(bundle.modules, bundle.data, rules)
    if args.compare_pack:
        other = load_bundle(args.compare_pack)
        compared = RegoCore.load(other.modules, other.data, [f"{r.package}.{r.name}" for r in other.rules])
        for d in docs:  # the same decisions, or the comparison means nothing
            if compared.evaluate(d).values != cores["bare regorus (this process)"].evaluate(d).values:
                raise SystemExit(f"{args.compare_pack}: decides differently from the pack")
        cores["bare regorus, --compare-pack"] = compared

    results: dict[str, list[float]] = {}
    cpu_results: dict[str, list[float]] = {}  # bare evaluators: CPU us per product
    for _ in range(args.runs):  # interleaved runs, so noise hits every variant alike
        for name, (stage, run) in variants.items():
            t0 = time.perf_counter()
            run(stage, contracts)
            results.setdefault(name, []).append(len(contracts) / (time.perf_counter() - t0))
        for name, core in cores.items():
            rate, cpu = bare(core, docs)
            results.setdefault(name, []).append(rate)
            cpu_results.setdefault(name, []).append(cpu)
    for stage, _ in variants.values():
        stage.close()

    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{'products/s (median of ' + str(args.runs) + ')':<40} {'embedded':>9} {'OPA':>9}  embedded/OPA")
    for mode in ("1 by 1, 1 worker", "batched, 1 worker", "batched, 2 workers"):
        e, o = med[f"embedded: {mode}"], med[f"opa-inprocess: {mode}"]
        print(f"{mode:<40} {e:9.0f} {o:9.0f}  x{e / o:.2f}")
    e, o = med["bare regorus (this process)"], med["bare OPA evaluator (this process)"]
    print(f"{'bare evaluator, input JSON prebuilt':<40} {e:9.0f} {o:9.0f}  x{e / o:.2f}")
    cpu = {k: statistics.median(v) for k, v in cpu_results.items()}
    e_cpu, o_cpu = cpu["bare regorus (this process)"], cpu["bare OPA evaluator (this process)"]
    opa_runs = cpu_results["bare OPA evaluator (this process)"]
    print(
        f"{'bare evaluator, CPU us per product':<40} {e_cpu:9.0f} {o_cpu:9.0f}  "
        f"x{statistics.median(o / e for o, e in zip(opa_runs, cpu_results['bare regorus (this process)'], strict=True)):.2f} (OPA/interpreter CPU)"
    )
    p_cpu = cpu["bare regorus, compiled program"]
    print(
        f"{'  the same, regorus compiled (embedded)':<40} {p_cpu:9.0f} {o_cpu:9.0f}  "
        f"x{statistics.median(o / e for o, e in zip(opa_runs, cpu_results['bare regorus, compiled program'], strict=True)):.2f} (OPA/embedded CPU)"
    )
    ratios = [
        p / i
        for p, i in zip(
            cpu_results["bare regorus, compiled program"],
            cpu_results["bare regorus (this process)"],
            strict=True,
        )
    ]
    print(
        f"bare regorus CPU us per product: compiled program {p_cpu:.0f}, interpreter {e_cpu:.0f}: "
        f"x{statistics.median(ratios):.2f} (median of per-run ratios)"
    )
    if args.compare_pack:
        c_cpu = cpu["bare regorus, --compare-pack"]
        print(f"bare regorus CPU us per product: this pack {e_cpu:.0f}, {args.compare_pack} {c_cpu:.0f}")
        c = med["bare regorus, --compare-pack"]
        ratios = [
            a / b
            for a, b in zip(
                results["bare regorus (this process)"], results["bare regorus, --compare-pack"], strict=True
            )
        ]
        print(
            f"bare regorus: this pack {e:.0f}/s, {args.compare_pack} {c:.0f}/s: "
            f"x{statistics.median(ratios):.2f} (median of per-run ratios)"
        )

    best = max(med[f"embedded: {m}"] for m in ("1 by 1, 1 worker", "batched, 1 worker", "batched, 2 workers"))
    best_opa = max(
        med[f"opa-inprocess: {m}"] for m in ("1 by 1, 1 worker", "batched, 1 worker", "batched, 2 workers")
    )
    print(f"budget >= 2000 products/s embedded: {'met' if best >= 2000 else 'NOT met'} ({best:.0f})")
    ratio = best / best_opa
    print(f"budget >= 4x OPA's evaluator: {'met' if ratio >= 4 else 'NOT met'} (x{ratio:.2f}, best modes)")

    # where the time per product goes (embedded, batched, 2 workers)
    total_us = 1e6 / med["embedded: batched, 2 workers"]
    eval_us = 1e6 / med["bare regorus (this process)"]
    opa_us = 1e6 / med["bare OPA evaluator (this process)"]
    print("time per product (embedded, batched, 2 workers):")
    print(f"  building the input document     {build_us:8.0f} us  (this process)")
    print(
        f"  regorus evaluating data.meshguard {eval_us:6.0f} us  (per worker; OPA's evaluator: {opa_us:.0f} us)"
    )
    print(f"  wall clock per product          {total_us:8.0f} us  (the rest: transport, findings, waivers)")
    if args.profile:
        profile(
            cores["bare regorus (this process)"],
            sorted({r.package.split(".")[1] for r in bundle.rules}),
            docs,
            args.runs,
        )


if __name__ == "__main__":
    main()
