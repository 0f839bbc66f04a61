"""Agreement check: meshguard's breaking verdict vs ``datacontract breaking`` (datacontract-cli).

Runs every case of the table in tests/test_versioning_diff.py, in both
directions, through meshguard (in process) and through datacontract-cli
(in its own virtualenv, one process for all pairs: it pins its own pydantic,
click and duckdb, so it never joins meshguard's dependencies). Prints one row
per pair and a summary; docs/versioning.md records the result and explains
each deliberate difference.

    python3 -m venv benchmarks/_work/dc-venv
    benchmarks/_work/dc-venv/bin/pip install datacontract-cli
    .venv/bin/python benchmarks/agreement_datacontract.py [--venv DIR] [--json FILE]

Exit 0 when every disagreement is one documented below in DIFFERENCES,
1 otherwise, 2 when datacontract-cli is not installed in the venv.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT / "tests"))
sys.path.insert(0, str(PROJECT / "src"))

from meshguard.versioning.diff import diff_contracts  # noqa: E402
from test_versioning_diff import CASES, Case  # noqa: E402
from versioning_helpers import base_doc, contract, dump  # noqa: E402

_TIGHTER = (
    "narrowing the accepted values (enum value removed, pattern added or changed, bound narrowed or added) "
    "is breaking in both perspectives in meshguard, as the issue asks: existing data and consumers' filters "
    "break; datacontract-cli grades by direction only (tightening breaks producers, not consumers)"
)
_LOOSER = (
    "meshguard treats additions and widenings (enum value added, list of values dropped, pattern removed, "
    "bound widened) as non-breaking, a minor bump, as the issue asks; datacontract-cli says that loosening "
    "breaks consumers"
)
_WIDER_TYPE = (
    "meshguard knows type widenings (int → bigint, integer → number, varchar(36) → varchar(64), "
    "decimal(12,2) → decimal(14,2), varchar → text) and respellings (int → integer): non-breaking or "
    "informational; datacontract-cli grades every type update as breaking for both perspectives"
)
#: meshguard rule → why meshguard says breaking where datacontract-cli does not
STRICTER: dict[str, str] = {
    "MGV100": "a new contract id is a different product for every consumer; datacontract-cli does not grade ids",
    "MGV110": "a removed property is breaking in both perspectives in meshguard (the producer's own "
    "pipelines and tests reference it); datacontract-cli grades a removal as loosening, breaking consumers only",
    "MGV121": "declaring a physical type where there was none narrows the type in meshguard; datacontract-cli "
    "grades an added type as tightening (producer only)",
    "MGV140": _TIGHTER,
    "MGV142": _TIGHTER,
    "MGV144": _TIGHTER,
    "MGV146": _TIGHTER,
    "MGV148": "a changed string/date format is breaking in meshguard; datacontract-cli does not grade `format`",
    "MGV150": "a removed relationship is breaking in both perspectives in meshguard (consumers join on it, "
    "producers' referential checks go away); datacontract-cli grades it as loosening (consumer only)",
    "MGV170": "a classification downgrade is a compliance-breaking change in meshguard; datacontract-cli "
    "does not grade classification",
    "MGV172": "a lost pii/phi/pci/special category is a compliance-breaking change in meshguard; "
    "datacontract-cli does not grade tags",
    "MGV200": "meshguard grades weaker service levels (freshness, retention, latency…) as breaking; "
    "datacontract-cli grades only freshness with a checkable element, not slaDefaultElement",
    "MGV202": "a removed service level is breaking in meshguard; datacontract-cli does not grade it",
    "MGV210": "a removed server is breaking in meshguard (consumers read from it); datacontract-cli does "
    "not grade servers",
    "MGV212": "a server's location changed is breaking in meshguard; datacontract-cli does not grade servers",
}
#: meshguard rule → why meshguard says not breaking where datacontract-cli says breaking
LAXER: dict[str, str] = {
    "MGV122": _WIDER_TYPE,
    "MGV123": _WIDER_TYPE,
    "MGV141": _LOOSER,
    "MGV143": _LOOSER,
    "MGV145": _LOOSER,
    "MGV147": _LOOSER,
    "MGV161": "a removed quality rule is non-breaking in meshguard (policies judge it from input.changes); "
    "datacontract-cli grades it as loosening, breaking consumers",
    "MGV162": "a changed quality rule is non-breaking in meshguard (policies judge it from input.changes); "
    "datacontract-cli grades a weaker threshold as breaking consumers",
}

DRIVER = r"""
import json, sys
from datacontract.data_contract import DataContract
from datacontract.model.breaking import Perspective
out = []
for old, new, perspective in json.load(sys.stdin):
    try:
        result = DataContract(data_contract_file=old, inline_references=False).breaking(
            DataContract(data_contract_file=new, inline_references=False),
            perspective=Perspective(perspective),
        )
    except Exception as exc:
        out.append({"breaking": None, "rules": [], "covered": False, "error": str(exc)[:300]})
        continue
    entries = [e for e in result.entries if e.path != "version" and e.direction is not None]
    out.append({
        "breaking": result.is_breaking,
        "rules": sorted({e.rule_id for e in result.entries if e.level.value == "error"}),
        "covered": any(e.rule_id != "metadata-or-unknown-change" for e in entries),
    })
json.dump(out, sys.stdout)
"""


@dataclass
class Row:
    case: str
    direction: str
    perspective: str
    meshguard: bool
    meshguard_rules: list[str]  # every rule in the diff
    datacontract: bool
    datacontract_rules: list[str]
    covered: bool

    @property
    def agree(self) -> bool:
        return self.meshguard == self.datacontract


def pairs(work: Path) -> list[tuple[Case, str, Path, Path]]:
    work.mkdir(parents=True, exist_ok=True)
    out = []
    base_file = work / "base.odcs.yaml"
    base_file.write_text(dump(base_doc()), encoding="utf-8")
    for i, case in enumerate(CASES):
        mutated = base_doc()
        case.mutate(mutated)
        f = work / f"case{i:02d}.odcs.yaml"
        f.write_text(dump(mutated), encoding="utf-8")
        out.append((case, "forward", base_file, f))
        out.append((case, "backward", f, base_file))
    return out


def meshguard_verdict(old: Path, new: Path, perspective: str) -> tuple[bool, list[str]]:
    import yaml

    a = contract(yaml.safe_load(old.read_text(encoding="utf-8")), "old")
    b = contract(yaml.safe_load(new.read_text(encoding="utf-8")), "new")
    changes = diff_contracts(a, b, perspective)
    return any(c.kind == "breaking" for c in changes), sorted({c.rule_id for c in changes})


def datacontract_verdicts(python: Path, todo: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [str(python), "-c", DRIVER], input=json.dumps(todo), capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        raise SystemExit(f"datacontract-cli failed: {proc.stderr.strip()[-2000:]}")
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def explain(row: Row) -> str | None:
    """The documented reason for a disagreement, None if there is none."""
    table = STRICTER if row.meshguard else LAXER
    reasons = [table[r] for r in row.meshguard_rules if r in table]
    return reasons[0] if reasons else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=HERE / "_work" / "dc-venv")
    parser.add_argument("--json", type=Path, default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    python = args.venv / "bin" / "python"
    check = (
        subprocess.run(
            [str(python), "-c", "import importlib.metadata as m; print(m.version('datacontract-cli'))"],
            capture_output=True,
            text=True,
        )
        if python.exists()
        else None
    )
    if check is None or check.returncode != 0:
        print(f"datacontract-cli is not installed in {args.venv} (see the module docstring)", file=sys.stderr)
        return 2
    version = check.stdout.strip()
    todo = pairs(HERE / "_work" / "agreement")
    t0 = time.perf_counter()
    theirs = datacontract_verdicts(python, [(str(o), str(n), c.perspective) for c, _, o, n in todo])
    elapsed_dc = time.perf_counter() - t0
    rows: list[Row] = []
    t0 = time.perf_counter()
    for (case, direction, old, new), dc in zip(todo, theirs, strict=True):
        ours, our_rules = meshguard_verdict(old, new, case.perspective)
        rows.append(
            Row(
                case.name,
                direction,
                case.perspective,
                ours,
                our_rules,
                dc["breaking"],
                dc["rules"],
                dc["covered"],
            )
        )
    elapsed_mg = time.perf_counter() - t0
    print(f"datacontract-cli {version}: {len(rows)} pairs ({len(CASES)} cases, both directions)")
    print(f"{'case':<40} {'dir':<8} {'persp':<8} {'meshguard':<22} {'datacontract':<40} verdict")
    unexplained = 0
    covered = [r for r in rows if r.covered]
    for r in rows:
        mg = ("BREAKING " if r.meshguard else "ok ") + ",".join(r.meshguard_rules)
        dc = (
            ("BREAKING " + ",".join(r.datacontract_rules))
            if r.datacontract
            else ("ok" if r.covered else "ok (not covered)")
        )
        if r.agree:
            verdict = "agree"
        else:
            why = explain(r)
            verdict = "DIFFERENT (documented)" if why else "DIFFERENT (unexplained)"
            unexplained += why is None
        print(f"{r.case:<40} {r.direction:<8} {r.perspective:<8} {mg:<22} {dc:<40} {verdict}")
    agree_cov = sum(r.agree for r in covered)
    print(
        f"\nsummary: {sum(r.agree for r in rows)}/{len(rows)} pairs agree; "
        f"on the {len(covered)} pairs datacontract-cli covers: {agree_cov} agree, "
        f"{len(covered) - agree_cov} differ; unexplained differences: {unexplained}"
    )
    print(f"time: datacontract-cli {elapsed_dc:.2f} s, meshguard {elapsed_mg:.2f} s (one run each)")
    if args.json:
        args.json.write_text(
            json.dumps([{**r.__dict__, "agree": r.agree} for r in rows], indent=2), encoding="utf-8"
        )
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
