"""Precision and recall of each personal-data detector, and what they flag in real contracts.

1. The labelled corpus the tests generate (tests/piicorpus.py, seeded): by value, columns of
   100 values in which 100%, 50%, 20% or 10% hold a kind (the rest free text) and as many
   holding none; by name, field names of each kind and common names of none.
2. False positives on real contracts: every field of the example mesh (contracts/) and of the
   official ODCS examples (../shared/conformance/odcs, when present) that the name detector
   flags, with whether the contract declares it as personal data (flagged but not declared:
   a candidate false positive, printed for review).

    python benchmarks/pii_detectors.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from meshguard.config import Config  # noqa: E402
from meshguard.contracts.load import load_contract  # noqa: E402
from meshguard.detectors import suspect  # noqa: E402
from piicorpus import name_scores, value_scores  # noqa: E402


def real_fields() -> None:
    config = Config(root=ROOT)
    sets = {"example mesh": sorted((ROOT / "contracts").rglob("*.odcs.yaml"))}
    odcs = ROOT.parent / "shared" / "conformance" / "odcs"
    if odcs.is_dir():
        sets["official ODCS examples"] = sorted(odcs.glob("*/*.odcs.yaml"))
    for label, paths in sets.items():
        fields = flagged = undeclared = 0
        review: list[str] = []
        for path in paths:
            contract = load_contract(path, path.parent, config.sensitivity).contract
            if contract is None:
                continue
            for p in contract.properties:
                fields += 1
                kinds = suspect(p.name, p.description, p.logical_type, p.physical_type)
                if not kinds:
                    continue
                flagged += 1
                if not p.masked and not p.classification:
                    undeclared += 1
                    review.append(f"    {path.name}: {p.path} -> {', '.join(kinds)}")
        print(f"{label}: {len(paths)} contracts, {fields} fields, {flagged} flagged by name, "
              f"{undeclared} flagged with no classification (GDPR-008/HIPAA-005):")  # fmt: skip
        print("\n".join(review) or "    (none)")


def main() -> None:
    print(f"{'detector':<16} {'by':<6} {'precision':>9} {'recall':>7}   tp  fp  fn")
    for by, scores in (("value", value_scores()), ("name", name_scores())):
        for kind, s in scores.items():
            print(f"{kind:<16} {by:<6} {s.precision:9.3f} {s.recall:7.3f} {s.tp:4d} {s.fp:3d} {s.fn:3d}")
    real_fields()


if __name__ == "__main__":
    main()
