"""One detector registry: the profile, the Spark backend, the importer and the policy vocabulary
all read it, so a name the policies use is a name some detector emits."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import PROJECT
from meshguard import detectors
from meshguard.sensitivity import CATEGORIES

#: every policy data file shipped: the built-in pack and the example repo's policies
DATA_FILES = sorted(
    {*(PROJECT / "src" / "meshguard").rglob("data.yaml"), *(PROJECT / "policies").glob("data.yaml")}
)


def vocabulary_errors(data_file: Path) -> list[str]:
    doc = yaml.safe_load(data_file.read_text(encoding="utf-8")) or {}
    config = (doc.get("meshguard") or {}).get("config") or {}
    named = config.get("personal_data_detections") or []
    known = set(detectors.names())
    return [f"{data_file.name}: {name!r} is emitted by no detector" for name in named if name not in known]


def test_policy_data_names_only_detected_kinds() -> None:
    assert DATA_FILES, "no policy data file found"
    for f in DATA_FILES:
        assert vocabulary_errors(f) == []


def test_a_name_no_detector_emits_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "data.yaml"
    bad.write_text("meshguard:\n  config:\n    personal_data_detections: [email, person_name]\n")
    assert vocabulary_errors(bad) == ["data.yaml: 'person_name' is emitted by no detector"]


def test_detectors_are_unique_and_in_the_sensitivity_vocabulary() -> None:
    names = detectors.names()
    assert len(names) == len(set(names))
    for d in detectors.registry():
        assert d.category in CATEGORIES and d.classification in ("confidential", "restricted"), d


@pytest.mark.parametrize(
    ("name", "family", "values", "found"),
    [
        ("contact", detectors.STRING, ["a@example.org", "b@example.org"], ["email"]),
        ("card", detectors.INTEGER, ["4111111111111111", "5500005555555559"], ["payment_card"]),
        ("phone", detectors.INTEGER, ["+33 1 23 45 67 89"], []),  # only card numbers are integers
        ("date_of_birth", detectors.TEMPORAL, [], ["date_of_birth"]),
        ("birthday", detectors.STRING, ["1990-01-02", "1985-12-31"], ["date_of_birth"]),
        ("created", detectors.TEMPORAL, [], []),
        ("dob", detectors.OTHER, ["x"], []),
        ("note", detectors.STRING, ["a@example.org", *["plain text"] * 20], []),  # under one in twenty
    ],
)
def test_one_rule_per_family(name: str, family: str, values: list[str], found: list[str]) -> None:
    assert detectors.detect_column(name, family, values) == found


def test_polars_types_map_to_families() -> None:
    import polars as pl

    assert detectors.family_of(pl.String) == detectors.STRING
    assert detectors.family_of(pl.Int64) == detectors.INTEGER
    assert detectors.family_of(pl.Date) == detectors.TEMPORAL
    assert detectors.family_of(pl.Datetime("us")) == detectors.TEMPORAL
    assert detectors.family_of(pl.Float64) == detectors.OTHER
    assert not detectors.reads_values(detectors.TEMPORAL) and detectors.reads_values(detectors.INTEGER)


def test_the_importer_proposes_from_the_registry() -> None:
    from meshguard.contracts.importer import Proposal

    p = Proposal("s", "c", ("iban", "email"), "pii", "restricted")
    assert "IBANs and e-mail addresses" in p.comment
