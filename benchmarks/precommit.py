"""Whole-process wall time of the `meshguard-check` pre-commit hook and of `meshguard lint` on
one changed contract in a domain repo of 200 contracts (lint + versioning + policy, no data).

Budget (DESIGN.md §9), on a quiet 2-core machine: the hook < 0.3 s, `meshguard lint` < 0.15 s.
Runs the hook's exact entry (from .pre-commit-hooks.yaml) through the `meshguard` console
script, with the changed file as pre-commit passes it and PRE_COMMIT=1 as pre-commit sets
it, interleaved round by round with the bare interpreter start-up (`python -c pass`) and
`meshguard lint` of the same file; medians and ratios to the start-up. The contracts meet
the built-in policy pack, so the timed commit passes (exit 0 is checked); before timing, the
same hook must block a planted violation (a personal-data field without a classification,
exit 1 naming GDPR-001). `--baseline SRC` times another checkout's src/ in the same rounds
(e.g. `git archive main src | tar -x -C /tmp/base`, then `--baseline /tmp/base/src`).
The lint and the hook of this checkout are also timed with their caches (the standard pack as
loaded, its compiled program: meshguard/policy/__pycache__/{pack,program}.*, and what earlier
runs learnt about the repo's files: meshguard/contracts/__pycache__/repos/) removed before each
run, as the first run after an install runs; the other lines are warm, as every later commit.
(The repo is generated afresh: files changed less than 3 s before a run are not kept, so the
warm-up round or the first timed one may still be cold.)
`--dc-venv VENV` also times `datacontract lint` of the changed contract (datacontract-cli from
VENV, e.g. the `.venv-dc` scripts/test.sh builds) in the same rounds, for the budget "≥ 8×
faster than `datacontract lint`"; before timing, both lints must accept the compliant contract
and reject a copy with a wrong-typed `status` (exit 1, the field named).
`--wheel` also times the package as a user installs it: a wheel built from this checkout,
installed with its dependencies in a clean virtual environment (benchmarks/_work/wheel-venv,
created on first use; later runs reinstall only the wheel).

Every side runs from bytecode, as an installed package does: each src/ is byte-compiled
before timing and the children run without PYTHONDONTWRITEBYTECODE (with it, a checkout
whose .pyc files are stale or missing would compile its modules on every run). Besides the
wall time, each command's CPU time (user + sys, its own child processes included) is
printed: on a loaded machine it moves much less than the wall time. Lint and the hook
validate contracts through a forked helper only while the load average is under the number
of cores, so the run says in how many rounds that held.
The repo is generated under benchmarks/_work/ (git, 200 contracts that reference each other).

    python benchmarks/precommit.py [--runs 15] [--contracts 200] [--baseline SRC] [--wheel] [--dc-venv VENV]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "precommit-repo"
WHEEL_DIR = ROOT / "benchmarks" / "_work" / "wheel"
WHEEL_VENV = ROOT / "benchmarks" / "_work" / "wheel-venv"
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
support:
  - channel: "#team-{d}-data"
    url: https://chat.example.com/team-{d}-data
slaProperties:
  - property: freshness
    value: 1
    unit: d
    element: table_{i:03d}.created_at
  - property: retention
    value: 3
    unit: y
schema:
  - name: table_{i:03d}
    physicalType: table
    quality:
      - type: library
        metric: rowCount
        mustBeGreaterThan: 0
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
        description: Key of the record.
        classification: internal
      - name: amount
        logicalType: number
        description: Amount in euros.
        classification: internal
      - name: created_at
        logicalType: timestamp
        description: When the record was created.
        classification: internal
      - name: parent_id
        logicalType: integer
        description: The record of the next product it refers to.
        classification: internal
        relationships:
          - type: foreignKey
            to: table_{parent:03d}.id
"""

#: the planted violation: a personal-data field with no classification (the pack's GDPR-001)
PLANTED = """\
      - name: email
        logicalType: string
        description: Contact address.
        tags: [pii]
"""
PLANTED_RULE = "GDPR-001"


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
    """The hook's entry from .pre-commit-hooks.yaml, as the arguments after ``meshguard``."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    entry = next(h["entry"] for h in hooks if h["id"] == hook_id)
    argv = shlex.split(entry)
    assert argv[0] == "meshguard"
    return argv[1:]


def installed_wheel() -> Path:
    """The ``meshguard`` console script of a clean virtual environment holding the wheel of
    this checkout (built from its tracked and new files, nothing ignored)."""
    import tempfile

    WHEEL_DIR.mkdir(parents=True, exist_ok=True)
    for old in WHEEL_DIR.glob("*.whl"):
        old.unlink()
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    with tempfile.TemporaryDirectory() as tmp:
        for rel in filter(None, files.split("\0")):
            if (ROOT / rel).is_file():
                (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / rel, Path(tmp) / rel)
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(WHEEL_DIR), "."],
            cwd=tmp,
            capture_output=True,
            check=True,
        )
    (wheel,) = WHEEL_DIR.glob("meshguard_odcs-*.whl")
    python = WHEEL_VENV / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(WHEEL_VENV)], check=True)
        subprocess.run([*pip, str(wheel)], check=True)  # its dependencies, as a user installs it
    else:
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(wheel)], check=True)
        subprocess.run([*pip, str(wheel)], check=True)  # a dependency added since: installed now
    return WHEEL_VENV / "bin" / "meshguard"


def meshguard_exe() -> list[str]:
    """The ``meshguard`` console script next to this interpreter (what pre-commit runs), else
    ``python -m meshguard``."""
    script = Path(sys.executable).with_name("meshguard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "meshguard"]


@dataclass
class Case:
    """One command, timed in every round."""

    label: str
    argv: list[str]
    src: Path | None = None  # PYTHONPATH: the checkout whose meshguard runs (None: the bare interpreter)
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + sys, the command's children included
    codes: set[int] = field(default_factory=set)
    output: str = ""
    #: remove the caches of ``src`` before each run (the pack and its compiled program,
    #: meshguard/policy/__pycache__/{pack,program}.*, and what earlier runs learnt about the
    #: repo's files, meshguard/contracts/__pycache__/repos/): the first run after an install
    cold: bool = False


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(case: Case, cwd: Path) -> None:
    env = {**os.environ, "PRE_COMMIT": "1"}  # pre-commit sets it: the hook's own mode
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs it: from bytecode
    if case.src is not None:
        env["PYTHONPATH"] = str(case.src)
    if case.cold and case.src is not None:
        cached = case.src / "meshguard" / "policy" / "__pycache__"
        for f in [*cached.glob("pack.*"), *cached.glob("program.*")]:
            f.unlink()
        shutil.rmtree(case.src / "meshguard" / "contracts" / "__pycache__" / "repos", ignore_errors=True)
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(case.argv, cwd=cwd, capture_output=True, text=True, env=env)
    case.samples.append(time.perf_counter() - t0)
    case.cpu.append(_children_cpu() - cpu0)
    case.codes.add(proc.returncode)
    case.output = (proc.stdout + proc.stderr).strip()


def interleaved(cases: list[Case], cwd: Path, runs: int) -> int:
    """Every case once per round, ``runs`` rounds (one warm-up round first, not counted); returns
    in how many rounds a core was free for the schema helper (see meshguard.schemacheck): the
    load average decides whether lint and the hook validate through it."""
    sys.path.insert(0, str(ROOT / "src"))
    from meshguard.schemacheck import core_free

    for case in cases:
        run_once(case, cwd)
        case.samples.clear()
        case.cpu.clear()
    free = 0
    for _ in range(runs):
        free += core_free()
        for case in cases:
            run_once(case, cwd)
    return free


def both_lints_judge(repo: Path, changed: Path, meshguard_lint: list[str], dc_lint: list[str]) -> None:
    """Both lints accept the compliant changed contract and reject it with its ``status`` made a
    list (exit 1, naming the field): the reference is checked to do the work it is timed on."""
    text = changed.read_text()
    assert "\nstatus: active\n" in text, "the generated contract has no 'status: active' line"
    rel = changed.relative_to(repo).as_posix()
    try:
        for body, code in ((text, 0), (text.replace("\nstatus: active\n", "\nstatus: [1, 2]\n"), 1)):
            changed.write_text(body)
            for argv in (meshguard_lint, dc_lint[:-1]):
                case = Case("judge", [*argv, rel])
                run_once(case, repo)
                assert case.codes == {code}, (
                    f"{argv[0]} lint, expected exit {code}: {case.codes}\n{case.output}"
                )
                assert code == 0 or "status" in case.output, (
                    f"{argv[0]} did not name the field:\n{case.output}"
                )
    finally:
        changed.write_text(text)


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
    ap.add_argument(
        "--wheel",
        action="store_true",
        help="also time a wheel of this checkout installed in a clean virtual environment",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="SRC",
        help="also time the src/ folder of another checkout (e.g. the main branch), interleaved",
    )
    ap.add_argument(
        "--dc-venv",
        type=Path,
        default=None,
        metavar="VENV",
        help="also time `datacontract lint` (datacontract-cli installed in VENV), interleaved",
    )
    args = ap.parse_args()
    repo = make_repo(args.contracts)
    changed = repo / "contracts" / "domain-3" / "product-003.odcs.yaml"
    original = changed.read_text()
    rel = changed.relative_to(repo).as_posix()
    exe, hook = meshguard_exe(), hook_entry("meshguard-check")
    sources = [("", ROOT / "src")] + ([(" [baseline]", args.baseline.resolve())] if args.baseline else [])
    for _, src in sources:  # both sides from bytecode, as an installed package runs
        compileall.compile_dir(src, quiet=1)
    sides = [(tag, [*exe], src) for tag, src in sources]
    if args.wheel:
        sides.append((" [wheel]", [str(installed_wheel())], None))

    # the planted violation first: each side's hook must block it, naming the rule
    changed.write_text(original.replace("version: 1.3.0", "version: 1.4.0") + PLANTED)
    for tag, cmd, src in sides:
        case = Case("planted" + tag, [*cmd, *hook, rel], src)
        run_once(case, repo)
        assert case.codes == {1} and PLANTED_RULE in case.output, (
            f"the hook{tag} did not block:\n{case.output}"
        )
    # the timed commit: a compliant patch bump of one contract
    changed.write_text(original.replace("version: 1.3.0", "version: 1.3.1"))
    cases = [Case("python -c pass (start-up, reference)", [sys.executable, "-c", "pass"])]
    for tag, cmd, src in sides:
        cases.append(Case("meshguard lint, changed contract" + tag, [*cmd, "lint", rel], src))
        cases.append(Case("meshguard-check hook, changed contract" + tag, [*cmd, *hook, rel], src))
    # the same lint and hook with their caches removed first (they write them again: the next
    # round's lint and hook above find them, as a user's second run does)
    cases.append(Case("meshguard lint, caches cold", [*exe, "lint", rel], ROOT / "src", cold=True))
    cases.append(
        Case("meshguard-check hook, policy and repo caches cold", [*exe, *hook, rel], ROOT / "src", cold=True)
    )
    if args.dc_venv is not None:
        dc = [str(args.dc_venv.resolve() / "bin" / "datacontract"), "lint", rel]
        both_lints_judge(repo, changed, [*exe, "lint"], dc)
        cases.append(Case("datacontract lint, changed contract (reference)", dc))
    free = interleaved(cases, repo, args.runs)
    load = os.getloadavg()[0]
    print(f"repo: {args.contracts} contracts, one changed; policies: the built-in pack; load {load:.1f}")
    print(f"a core was free for the schema helper (load average < cores) in {free} of {args.runs} rounds")
    print(f"the hook blocks the planted {PLANTED_RULE} violation (exit 1) on every side timed")
    bare = statistics.median(cases[0].samples)
    for case in cases:
        med = statistics.median(case.samples)
        codes = ",".join(map(str, sorted(case.codes)))
        cpu = statistics.median(case.cpu)
        print(
            f"{case.label:<52} median {med * 1000:7.1f} ms  {med / bare:5.1f}x start-up  "
            f"cpu {cpu * 1000:7.1f} ms  (exit {codes})"
        )
    for case in cases[1:]:
        assert case.codes == {0}, f"{case.label} failed on a compliant change:\n{case.output[-2000:]}"
    for i, (tag, _, _) in enumerate(sides[1:], start=1):
        for now, other in ((cases[1], cases[1 + 2 * i]), (cases[2], cases[2 + 2 * i])):
            wall = statistics.median(a / b for a, b in zip(now.samples, other.samples, strict=True))
            cpu = statistics.median(a / b for a, b in zip(now.cpu, other.cpu, strict=True))
            print(f"{now.label}: {wall:.2f}x{tag} wall, {cpu:.2f}x cpu (medians of the per-round ratios)")
    if args.dc_venv is not None:
        dc_case, lint_case = cases[-1], cases[1]
        ratio = statistics.median(a / b for a, b in zip(dc_case.samples, lint_case.samples, strict=True))
        print(
            f"datacontract lint / meshguard lint: {ratio:.1f}x (median of the per-round ratios; budget >= 8x)"
        )
    print("budgets: lint < 150 ms, hook < 300 ms (on a quiet 2-core machine)")
    lazy, eager = context_side_by_side(repo, changed, args.runs)
    print(f"in-process lint of the changed contract, lazy repo context  median {lazy * 1000:6.1f} ms")
    print(f"in-process lint of the changed contract, eager repo context median {eager * 1000:6.1f} ms")
    print(f"ratio eager / lazy: {eager / lazy:.1f}x")


if __name__ == "__main__":
    main()
