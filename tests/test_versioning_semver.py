"""Semver enforcement: the bump must match the changes (0.x follows semver's 0.x rule)."""

from __future__ import annotations

import pytest

from meshguard.versioning.previous import PreviousVersion
from meshguard.versioning.semver import bump_of, enforce, required_bump
from meshguard.versioning.stage import compare
from versioning_helpers import base_doc, contract, prop, remove_prop


def _breaking(d: dict) -> None:
    remove_prop(d, "quantity")


def _non_breaking(d: dict) -> None:
    prop(d, "quantity")["physicalType"] = "bigint"


def _informational(d: dict) -> None:
    prop(d, "amount")["description"] = "Gross amount."


def _nothing(d: dict) -> None:
    pass


CASES = [
    # (old, new, change, expected rule ids)
    ("1.1.0", "2.0.0", _breaking, []),
    ("1.1.0", "1.2.0", _breaking, ["MGV001"]),
    ("1.1.0", "1.1.0", _breaking, ["MGV003", "MGV001"]),
    ("1.1.0", "1.2.0", _non_breaking, []),
    ("1.1.0", "1.1.1", _non_breaking, ["MGV002"]),
    ("1.1.0", "1.1.1", _informational, []),
    ("1.1.0", "1.1.0", _informational, ["MGV003"]),
    ("1.1.0", "1.1.0", _nothing, []),
    ("1.1.0", "1.0.9", _nothing, ["MGV004"]),
    ("2.0.0", "1.9.0", _breaking, ["MGV004"]),
    ("0.3.0", "0.4.0", _breaking, []),
    ("0.3.0", "0.3.1", _breaking, ["MGV001"]),
    ("0.3.0", "0.3.1", _non_breaking, []),
    ("0.3.0", "1.0.0", _breaking, []),
    ("1.0.0-rc.1", "1.0.0", _informational, []),
    ("one", "1.0.0", _breaking, ["MGV005"]),
]


@pytest.mark.parametrize(("old_v", "new_v", "mutate", "expected"), CASES)
def test_semver_enforcement(old_v: str, new_v: str, mutate, expected: list[str]) -> None:
    old, new = base_doc(), base_doc()
    old["version"], new["version"] = old_v, new_v
    mutate(new)
    info = compare(
        PreviousVersion("old.odcs.yaml", contract(old, "old.odcs.yaml")), contract(new), "consumer"
    )
    assert [f.rule_id for f in info.findings] == expected
    for f in info.findings:
        assert f.stage == "versioning"
        assert f.location is not None and f.location.line is not None
        assert f.severity == ("error" if f.rule_id in ("MGV001", "MGV004") else "warning")
    assert info.previous_version == old_v


def test_bump_of() -> None:
    assert bump_of("1.2.3", "2.0.0") == "major"
    assert bump_of("1.2.3", "1.3.0") == "minor"
    assert bump_of("1.2.3", "1.2.4") == "patch"
    assert bump_of("1.2.3", "1.2.3") == "none"
    assert bump_of("1.2.3", "1.2.2") == "backwards"
    assert bump_of("x", "1.0.0") is None


def test_required_bump_pre_1() -> None:
    old, new = base_doc(), base_doc()
    _breaking(new)
    info = compare(PreviousVersion("old", contract(old, "old")), contract(new), "consumer")
    assert required_bump("1.0.0", info.changes) == "major"
    assert required_bump("0.9.0", info.changes) == "minor"
    assert enforce(new["version"], contract(new), []) == []  # nothing changed, nothing to bump
