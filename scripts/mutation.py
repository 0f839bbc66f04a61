#!/usr/bin/env python3
"""Mutation testing of the modules that decide outcomes, one module at a time, with its fast tests.

    python scripts/mutation.py                 # every module below, one after the other
    python scripts/mutation.py gate waivers    # some of them
    python scripts/mutation.py --list          # the modules and the tests that guard each

For each module, mutmut (a maintained mutation tool) changes the code one small
edit at a time (a flipped comparison, a changed constant, a dropped argument…)
and runs the module's fast tests against each mutant: a mutant that no test
notices "survived". The score is the share of mutants killed; mutants listed in
docs/mutation.md as equivalent (no test can tell them apart from the original,
and the table says why) are left out of the count. Target: 90 % per module.

Needs the ``mutation`` extra: ``pip install -e '.[test,mutation]'``.

Each run works on a copy of the repo in a temporary folder (the checkout is
never touched), in a single process (``--max-children 1``): mutation runs are
CPU-heavy. Survivors are printed with their diff (``--show-survivors``) so they
can be killed with a test or added to docs/mutation.md with the reason.
Exit 1 when a module measured is below the target, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "mutation.md"
TARGET = 0.90


@dataclass(frozen=True)
class Target:
    """A decision module (the first dotted name that exists, so moved modules keep working)."""

    names: tuple[str, ...]
    tests: tuple[str, ...]
    #: more modules mutated and counted with it (a package stands for all its modules)
    also: tuple[str, ...] = ()
    #: the tests run polars, whose thread pool does not survive a fork: a mutant forked from a
    #: process that already ran them hangs until its time-out (and counts as killed). Such
    #: targets fork each mutant from a fork server that has imported the tests but run nothing.
    forkserver: bool = False


MODULES: dict[str, Target] = {
    "gate": Target(("meshguard.results.gate", "meshguard.report.gate"), ("tests/test_unit_gate.py",)),
    "waivers": Target(("meshguard.policy.waivers",), ("tests/test_unit_waivers.py",)),
    "sarif": Target(
        ("meshguard.report.formats.sarif", "meshguard.report.sarif"), ("tests/test_unit_sarif.py",)
    ),
    "junit": Target(
        ("meshguard.report.formats.junit", "meshguard.report.junit"), ("tests/test_unit_junit.py",)
    ),
    "scoring": Target(
        ("meshguard.results.scoring", "meshguard.report.scoring"),
        ("tests/test_unit_scoring.py", "tests/test_report_scoring.py"),
    ),
    "operators": Target(("meshguard.quality.operators",), ("tests/test_unit_operators.py",)),
    "checks": Target(
        ("meshguard.quality.library",),
        ("tests/test_unit_library.py", "tests/test_unit_sla.py", "tests/test_unit_tables.py"),
        also=("meshguard.quality.sla", "meshguard.quality.results"),
        forkserver=True,
    ),
    "semver": Target(
        ("meshguard.versioning.semver", "meshguard.contracts.semver"),
        ("tests/test_unit_semver.py", "tests/test_versioning_semver.py"),
    ),
    "changes": Target(
        ("meshguard.versioning.diff",),
        ("tests/test_unit_typecompat.py", "tests/test_unit_change_areas.py", "tests/test_versioning_diff.py"),
        also=("meshguard.versioning.areas", "meshguard.versioning.rules", "meshguard.versioning.typecompat"),
    ),
    "lint": Target(("meshguard.contracts.lint",), ("tests/test_unit_lint.py",)),
    "detectors": Target(
        ("meshguard.detectors", "meshguard.quality.detectors"),
        ("tests/test_unit_detectors.py",),
        forkserver=True,  # the candidates tests narrow values with polars
    ),
    "masking": Target(("meshguard.quality.masking", "meshguard.masking"), ("tests/test_unit_masking.py",)),
    "sensitivity": Target(("meshguard.sensitivity",), ("tests/test_unit_sensitivity.py",)),
    "decisions": Target(
        ("meshguard.policy.decide", "meshguard.policy.stage"), ("tests/test_unit_decisions.py",)
    ),
}

#: the module names line up in what the script prints
WIDTH = max(map(len, MODULES))

_ROW = re.compile(r"^\|\s*`([\w.]+__mutmut_\d+)`\s*\|")


def _files(name: str) -> list[Path]:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return []
    if spec is None or not spec.origin:
        return []
    origin = Path(spec.origin).resolve()
    found = sorted(origin.parent.glob("*.py")) if spec.submodule_search_locations else [origin]
    return [f.relative_to(ROOT) for f in found]


def module_file(target: Target) -> tuple[str, list[Path]] | None:
    """The first of ``names`` that exists and the files to mutate (its own and ``also``'s)."""
    sys.path.insert(0, str(ROOT / "src"))
    try:
        for name in target.names:
            files = _files(name)
            if files:
                return name, [*files, *(f for extra in target.also for f in _files(extra))]
        return None
    finally:
        sys.path.pop(0)


def equivalent_mutants() -> set[str]:
    """Mutant names the docs list as equivalent (first column of a table row)."""
    if not DOC.exists():
        return set()
    return {m.group(1) for line in DOC.read_text(encoding="utf-8").splitlines() if (m := _ROW.match(line))}


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in files:
        if not raw:
            continue
        rel = Path(raw.decode())
        src = ROOT / rel
        if not src.is_file():
            continue  # deleted in the worktree
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)


def _config(sources: list[Path], tests: tuple[str, ...], forkserver: bool = False) -> str:
    lines = ["[mutmut]", "source_paths = src", "only_mutate =\n" + "\n".join(f"    {s}" for s in sources)]
    if forkserver:
        lines.append("process_isolation = forkserver")
    lines.append("pytest_add_cli_args_test_selection =\n" + "\n".join(f"    {t}" for t in tests))
    # no unraisable-exception plugin: its gc.collect() at the end of every mutant's session walks
    # the whole heap the process inherits, 0.26 → 0.15 CPU s for a mutant killed by its first test
    lines.append(
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    -p\n    no:unraisableexception\n    -q"
    )
    lines.append("use_git_change_detection = false")
    return "\n".join(lines) + "\n"


def stale_equivalents(statuses: dict[str, str], equivalent: set[str], sources: list[Path]) -> list[str]:
    """Equivalent rows of the mutated files that name no surviving mutant of this run.

    Rows name mutants by number, and mutmut numbers a function's mutants anew when it changes:
    a row then names another mutant (killed, or a survivor the table does not describe) or
    none. A listed mutant a run killed or did not make is such a row; it is worth reading again.
    """
    modules = {".".join(f.with_suffix("").parts[1:]).removesuffix(".__init__") for f in sources}
    mine = [n for n in equivalent if n.rpartition(".")[0] in modules]
    return sorted(n for n in mine if statuses.get(n, "missing") not in ("survived", "not checked"))


@dataclass
class Score:
    module: str
    killed: int
    survivors: list[str]
    equivalent: int
    seconds: float
    #: mutants not run before the time-out (left out of the count: a partial figure)
    not_run: int = 0
    #: mutants counted as killed because their tests ran out of time (worth a look when many)
    timeouts: int = 0

    @property
    def counted(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def ratio(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


def _statuses(work: Path) -> dict[str, str]:
    """Each mutant's status in a working copy (killed, survived, timeout, not checked, …)."""
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=work, capture_output=True, text=True
    )
    statuses: dict[str, str] = {}
    for line in listing.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            statuses[name] = status
    return statuses


def _mutmut_run(work: Path, names: list[str], deadline: float) -> tuple[int, str]:
    """``mutmut run`` (the mutants not checked yet, or ``names`` again) until ``deadline``."""
    # the fast tests need no pytest plugin: not loading them saves a third of each mutant's run
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    try:
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", "1", *names],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=max(1.0, deadline - time.monotonic()),
            env=env,
        )
        return run.returncode, run.stderr
    except subprocess.TimeoutExpired as exc:  # count what ran; the rest is reported as not run
        return -1, str(exc.stderr or "")


def run_module(
    key: str, target: Target, timeout: float, show: bool, keep: bool, again: Path | None = None
) -> Score | None:
    found = module_file(target)
    if found is None:
        print(f"{key}: none of {', '.join(target.names)} exists; skipped", file=sys.stderr)
        return None
    _name, sources = found
    missing = [t for t in target.tests if not (ROOT / t).exists()]
    if missing:
        print(f"{key}: tests missing: {', '.join(missing)}; skipped", file=sys.stderr)
        return None
    equivalent = equivalent_mutants()
    work = again or Path(tempfile.mkdtemp(prefix=f"mutation-{key}-"))
    keep = keep or again is not None
    try:
        # again: the survivors of the kept copy, to run with the code and tests of now
        before = (
            [n for n, s in _statuses(work).items() if s == "survived" and n not in equivalent]
            if again
            else []
        )
        _copy_repo(work)
        (work / "setup.cfg").write_text(_config(sources, target.tests, target.forkserver), encoding="utf-8")
        t0 = time.monotonic()
        deadline = t0 + timeout
        returncode, stderr = 0, ""
        if before:  # first (a few, and each test added for them runs): mutmut mutates changed functions anew
            returncode, stderr = _mutmut_run(work, before, deadline)
        if returncode != -1:  # then those not checked yet: all, or those a time-out left and new ones
            returncode, stderr = _mutmut_run(work, [], deadline)
        seconds = time.monotonic() - t0
        statuses = _statuses(work)
        if not statuses:
            print(
                f"{key}: mutmut produced no results (exit {returncode}):\n{stderr[-2000:]}",
                file=sys.stderr,
            )
            return None
        killed = sum(1 for n, s in statuses.items() if s in ("killed", "timeout") and n not in equivalent)
        if killed == 0 and returncode != 0:  # e.g. the tests fail on the unmutated code
            print(f"{key}: not measured (mutmut exit {returncode}):\n{stderr[-1500:]}", file=sys.stderr)
            return None
        not_run = sum(1 for s in statuses.values() if s == "not checked")
        timeouts = sum(1 for n, s in statuses.items() if s == "timeout" and n not in equivalent)
        for name in stale_equivalents(statuses, equivalent, sources):
            status = statuses.get(name, "not made by this run")
            print(f"{key}: stale equivalent row in {DOC.name}: {name} ({status})", file=sys.stderr)
        survivors = sorted(
            n
            for n, s in statuses.items()
            if s not in ("killed", "timeout", "not checked") and n not in equivalent
        )
        if show:
            for name in survivors:
                diff = subprocess.run(
                    [sys.executable, "-m", "mutmut", "show", name], cwd=work, capture_output=True, text=True
                ).stdout
                print(f"--- {name} ({statuses[name]})\n{diff.strip()}\n")
    finally:
        if keep:
            print(f"{key}: working copy kept in {work} (run `mutmut show NAME` there)", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return Score(key, killed, survivors, len(statuses.keys() & equivalent), seconds, not_run, timeouts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--show-survivors", action="store_true", help="print the diff of each survivor")
    parser.add_argument("--keep", action="store_true", help="keep each working copy (to inspect mutants)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per module (default 1800)")
    parser.add_argument(
        "--again",
        type=Path,
        metavar="DIR",
        help="in the working copy a --keep run of ONE module left: run the mutants it did not reach and"
        " its survivors again, with the code and tests of now (functions changed since are mutated anew)",
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        print(f"mutation.py: unknown module {unknown[0]!r} (known: {', '.join(MODULES)})", file=sys.stderr)
        return 2
    if args.again is not None and (len(args.modules) != 1 or not (args.again / "mutants").is_dir()):
        print("mutation.py: --again needs one module and the working copy a --keep run left", file=sys.stderr)
        return 2
    if args.list:
        for key, target in MODULES.items():
            found = module_file(target)
            files = " ".join(map(str, found[1])) if found else "(missing)"
            print(f"{key:{WIDTH}} {files}  <- {' '.join(target.tests)}")
        return 0
    scores: list[Score] = []
    for key in args.modules or list(MODULES):
        score = run_module(key, MODULES[key], args.timeout, args.show_survivors, args.keep, args.again)
        if score is not None:
            scores.append(score)
            print(
                f"{key:{WIDTH}} {score.ratio:6.1%} killed  {score.killed}/{score.counted}"
                f"  ({score.equivalent} equivalent left out, {score.timeouts} killed by time-out,"
                f" {score.seconds:.0f} s)"
                + (f"  PARTIAL: {score.not_run} not run before the time-out" if score.not_run else ""),
                flush=True,
            )
    if not scores:
        return 2
    below = [s.module for s in scores if s.ratio < TARGET]
    for s in scores:
        for name in s.survivors:
            print(f"  survived: {name}")
    print(f"target {TARGET:.0%}: " + ("met" if not below else f"below in {', '.join(below)}"))
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
