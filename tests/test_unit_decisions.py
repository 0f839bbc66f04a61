"""The policy-decision mapping, in-process: raw engine decisions (as any engine returns them) →
one check per rule and one finding per violation, with severity, status, waiver and location."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.contracts.model import Contract
from meshguard.policy.bundle import load_bundle
from meshguard.policy.decide import DecisionMap, _pointer_tuple
from meshguard.policy.engine import Decisions
from meshguard.policy.stage import PolicyStage
from meshguard.policy.waivers import WaiverSet
from meshguard.results.model import Location, Waiver
from meshguard.sensitivity import SensitivityMap
from meshguard.stages import PolicyContext
from meshguard.yamlio import LineMap, parse_yaml
from policykit import compliant, make_repo

POLICY = """package meshguard.probe

import rego.v1

# METADATA
# title: Probe deny
# description: Denies what the input says.
# custom:
#   id: PROBE-1
#   severity: error
#   regulation: GDPR
#   remediation: Fix the probe.
#   article: "Art. 5"
deny contains msg if {
  input.never
  msg := "x"
}

# METADATA
# title: Probe warn
# custom:
#   id: PROBE-2
warn contains msg if {
  input.never
  msg := "y"
}
"""


class NoEngine:
    """The stage hands decisions to its mapping without calling the engine."""

    name = "none"

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Contract]:
    root = make_repo(tmp_path_factory.mktemp("gov"), {"good": compliant()})
    policies = root / "probe-policies"
    policies.mkdir()
    (policies / "probe.rego").write_text(POLICY, encoding="utf-8")
    config = load_config(root)
    contract = load_contract(root / "contracts" / "good.odcs.yaml", root, config.sensitivity).contract
    return policies, contract


def _stage(policies: Path, *waivers: Waiver) -> DecisionMap:
    """The mapping alone: the decisions each test passes stand in for any engine's answer."""
    bundle = load_bundle(policies, policies.parent)
    return DecisionMap(bundle, WaiverSet("waivers.yaml", list(waivers), today=date(2026, 1, 1)))


def _checks(outcome: Any) -> dict[str, tuple[str, str, str]]:
    return {c.id: (str(c.status), str(c.severity), c.message) for c in outcome.checks}


def test_no_finding_passes_every_rule(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    stage = _stage(policies)
    outcome = stage.decide(contract, Decisions())
    assert _checks(outcome) == {"PROBE-1": ("passed", "error", ""), "PROBE-2": ("passed", "warning", "")}
    assert outcome.findings == []
    assert stage.waivers.products_seen == {"good"}
    deny = next(c for c in outcome.checks if c.id == "PROBE-1")
    assert (deny.name, deny.stage, deny.dimension, deny.title, deny.regulation, deny.remediation) == (
        "Probe deny",
        "policy",
        "compliance",
        "Probe deny",
        "GDPR",
        "Fix the probe.",
    )
    assert deny.description == "Denies what the input says."
    assert deny.details == {
        "rule": "meshguard.probe.deny",
        "pack": "repo",
        "findings": 0,
        "waived": 0,
        "article": "Art. 5",
    }


def test_a_rule_without_findings_has_one_check_shared_by_every_product(setup: tuple[Path, Contract]) -> None:
    """The passing check of a rule is the same for every product: built once per rule (24 checks
    per product were most of the mapping's time), and the same as a fresh mapping builds."""
    policies, contract = setup
    mapping = _stage(policies)
    first = mapping.decide(contract, Decisions())
    second = mapping.decide(contract, Decisions(values={"meshguard.probe.warn": ["w"]}))
    deny = [next(c for c in o.checks if c.id == "PROBE-1") for o in (first, second)]
    assert deny[0] is deny[1]
    assert deny[0] == _stage(policies).decide(contract, Decisions()).checks[0]
    assert [str(c.status) for c in second.checks] == ["passed", "warned"]


def test_deny_fails_and_warn_warns_one_finding_per_violation(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(
        values={
            "meshguard.probe.deny": ["b second", {"msg": "a first", "field": "patients.email", "extra": 1}],
            "meshguard.probe.warn": [{"message": "careful"}],
        }
    )
    outcome = _stage(policies).decide(contract, decisions)
    assert _checks(outcome) == {
        "PROBE-1": ("failed", "error", "b second (and 1 more)"),
        "PROBE-2": ("warned", "warning", "careful"),
    }
    found = [(f.rule_id, str(f.status), str(f.severity), f.message, f.field) for f in outcome.findings]
    assert found == [
        ("PROBE-1", "failed", "error", "b second", None),  # sorted by field, then message
        ("PROBE-1", "failed", "error", "a first", "patients.email"),
        ("PROBE-2", "warned", "warning", "careful", None),
    ]
    located = outcome.findings[1]
    assert located.location is not None and located.location.path == "contracts/good.odcs.yaml"
    assert located.location.line is not None and located.location.pointer.startswith("/schema/0/properties/")
    assert located.details == {
        "extra": 1,
        "rule": "meshguard.probe.deny",
        "pack": "repo",
        "article": "Art. 5",
    }
    assert outcome.findings[0].location is not None and outcome.findings[0].location.line is None


def test_waived_findings_and_a_rule_all_waived(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    waiver = Waiver("PROBE-1", "good", "r", "a", "2026-06-01", field="email")
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "field": "patients.email"}]})
    outcome = _stage(policies, waiver).decide(contract, decisions)
    assert _checks(outcome)["PROBE-1"] == ("waived", "error", "1 finding(s), all waived")
    (f,) = outcome.findings
    assert (f.status, f.waiver) == ("waived", waiver)
    mixed = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "field": "patients.email"}, "open one"]})
    outcome = _stage(policies, waiver).decide(contract, mixed)
    assert _checks(outcome)["PROBE-1"] == ("failed", "error", "open one")
    by_package = Waiver("meshguard.probe.deny", "good", "r", "a", "2026-06-01")
    outcome = _stage(policies, by_package).decide(contract, Decisions(values={"meshguard.probe.deny": ["m"]}))
    assert _checks(outcome)["PROBE-1"][0] == "waived"


def test_an_errored_rule_is_an_errored_check_and_no_finding(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(
        values={"meshguard.probe.deny": ["ignored"]}, errors={"meshguard.probe.deny": "boom"}
    )
    outcome = _stage(policies).decide(contract, decisions)
    # the rules after an errored one are still decided
    assert _checks(outcome) == {"PROBE-1": ("errored", "error", "boom"), "PROBE-2": ("passed", "warning", "")}
    warn_errored = Decisions(errors={"meshguard.probe.warn": "bang"})
    assert _checks(_stage(policies).decide(contract, warn_errored))["PROBE-2"] == (
        "errored",
        "warning",
        "bang",
    )
    assert outcome.findings == []
    errored = next(c for c in outcome.checks if c.id == "PROBE-1")
    assert errored.details == {"rule": "meshguard.probe.deny", "pack": "repo", "article": "Art. 5"}
    assert (errored.stage, errored.dimension, errored.name, errored.title, errored.regulation) == (
        "policy",
        "compliance",
        "Probe deny",
        "Probe deny",
        "GDPR",
    )


def test_a_rule_the_bundle_does_not_describe_is_still_reported(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.other.warn_x": [42]})
    outcome = _stage(policies).decide(contract, decisions)
    assert _checks(outcome)["meshguard.other.warn_x"] == ("warned", "warning", "42")
    (f,) = outcome.findings
    assert (f.rule_id, f.message) == ("meshguard.other.warn_x", "42")


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        ("plain", "plain"),
        ({"msg": "m"}, "m"),
        ({"message": "m2"}, "m2"),
        ({"msg": 3}, '{"msg": 3}'),
        ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
        ([1, 2], "[1, 2]"),
        ([{"b": 1, "a": 2}], '[{"a": 2, "b": 1}]'),
    ],
)
def test_finding_shapes(setup: tuple[Path, Contract], raw: Any, msg: str) -> None:
    policies, contract = setup
    outcome = _stage(policies).decide(contract, Decisions(values={"meshguard.probe.deny": [raw]}))
    assert [f.message for f in outcome.findings] == [msg]


def test_a_pointer_locates_a_finding_without_a_field(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "pointer": "/team/members/0"}]})
    (f,) = _stage(policies).decide(contract, decisions).findings
    assert f.location is not None and f.location.pointer == "/team/members/0" and f.location.line is not None
    assert "pointer" not in f.details


def test_the_stage_hands_decisions_to_its_mapping(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    bundle = load_bundle(policies, policies.parent)
    stage = PolicyStage(
        bundle, NoEngine(), WaiverSet("waivers.yaml", [], today=date(2026, 1, 1)), PolicyContext()
    )  # type: ignore[arg-type]
    outcome = stage.decide(contract, Decisions(values={"meshguard.probe.warn": ["w"]}))
    assert _checks(outcome) == {"PROBE-1": ("passed", "error", ""), "PROBE-2": ("warned", "warning", "w")}
    assert (stage.blocks("meshguard.probe.deny"), stage.blocks("meshguard.probe.warn")) == (True, False)


SCOPED = """package meshguard.scoped

import rego.v1

# METADATA
# title: Scoped deny, softened
# custom:
#   id: SCOPE-1
#   severity: warning
#   applies_to: [pii, phi]
deny contains msg if {
  input.never
  msg := "x"
}

# METADATA
# title: Scoped warn, hardened in vain
# custom:
#   id: SCOPE-2
#   severity: error
#   applies_to: pii
warn_hard contains msg if {
  input.never
  msg := "y"
}

# METADATA
# custom:
#   applies_to: []
violation contains msg if {
  input.never
  msg := "z"
}
"""


def _scoped(tmp_path: Path) -> DecisionMap:
    folder = tmp_path / "scoped"
    folder.mkdir()
    (folder / "scoped.rego").write_text(SCOPED, encoding="utf-8")
    return DecisionMap(load_bundle(folder, tmp_path), WaiverSet("waivers.yaml", [], today=date(2026, 1, 1)))


def test_severity_comes_from_the_kind_then_metadata_and_scope_is_recorded(
    setup: tuple[Path, Contract], tmp_path: Path
) -> None:
    _, contract = setup
    mapping = _scoped(tmp_path)
    decisions = Decisions(
        values={
            "meshguard.scoped.deny": ["d"],
            "meshguard.scoped.warn_hard": ["w"],
            "meshguard.scoped.violation": ["v"],
        }
    )
    outcome = mapping.decide(contract, decisions)
    assert _checks(outcome) == {
        "SCOPE-1": ("warned", "warning", "d"),  # METADATA softens a deny
        "SCOPE-2": ("warned", "warning", "w"),  # …but cannot harden a warn
        "meshguard.scoped.violation": ("failed", "error", "v"),  # no id: the rule's path
    }
    scope = {c.id: c.details.get("applies_to") for c in outcome.checks}
    assert scope == {"SCOPE-1": ["phi", "pii"], "SCOPE-2": ["pii"], "meshguard.scoped.violation": None}
    names = {c.id: c.name for c in outcome.checks}
    assert names["meshguard.scoped.violation"] == "meshguard.scoped.violation"  # no title: the rule's key
    assert [mapping.blocks(k) for k in ("meshguard.scoped.deny", "meshguard.scoped.violation")] == [
        False,
        True,
    ]
    assert mapping.blocks("meshguard.unknown.deny") and not mapping.blocks("meshguard.unknown.warn")


def test_a_disabled_rule_gives_no_check_even_when_it_answers(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    bundle = load_bundle(policies, policies.parent)
    off = dataclasses.replace(bundle, disabled=frozenset({"meshguard.probe.warn"}))
    mapping = DecisionMap(off, WaiverSet("waivers.yaml", [], today=date(2026, 1, 1)))
    outcome = mapping.decide(contract, Decisions(values={"meshguard.probe.warn": ["w"]}, errors={}))
    assert _checks(outcome) == {"PROBE-1": ("passed", "error", "")}
    assert outcome.findings == []


def test_three_open_findings_name_the_first_and_count_the_rest(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.probe.deny": ["c", "a", "b"]})
    outcome = _stage(policies).decide(contract, decisions)
    assert _checks(outcome)["PROBE-1"] == ("failed", "error", "a (and 2 more)")
    deny = next(c for c in outcome.checks if c.id == "PROBE-1")
    assert (deny.details["findings"], deny.details["waived"]) == (3, 0)


def test_waived_and_open_findings_are_counted_apart(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    waiver = Waiver("PROBE-1", "good", "r", "a", "2026-06-01", field="email")
    decisions = Decisions(
        values={"meshguard.probe.deny": [{"msg": "m", "field": "patients.email"}, "x", "y"]}
    )
    outcome = _stage(policies, waiver).decide(contract, decisions)
    deny = next(c for c in outcome.checks if c.id == "PROBE-1")
    assert (deny.status, deny.message, deny.details["findings"], deny.details["waived"]) == (
        "failed",
        "x (and 1 more)",
        3,
        1,
    )


@pytest.mark.parametrize(
    ("item", "pointer", "field"),
    [
        ({"field": "patients.email"}, "/schema/0/properties/1", "patients.email"),
        ({"field": "email"}, "/schema/0/properties/1", "email"),  # a bare column name
        ({"field": "patients.nope"}, "/schema", "patients.nope"),  # undeclared: its schema
        ({"field": "nope"}, "/schema", "nope"),
        ({"field": 3, "pointer": "/team"}, "/team", None),  # a field that is no string is ignored
        ({"field": "patients.nope", "pointer": "/servers/0"}, "/servers/0", "patients.nope"),
        ({"pointer": 7}, "", None),  # a pointer that is no string is ignored: the file only
    ],
)
def test_where_a_finding_points(
    setup: tuple[Path, Contract], item: dict[str, Any], pointer: str, field: str | None
) -> None:
    policies, contract = setup
    (f,) = (
        _stage(policies)
        .decide(contract, Decisions(values={"meshguard.probe.deny": [{"msg": "m", **item}]}))
        .findings
    )
    assert f.field == field
    assert f.location is not None and f.location.path == "contracts/good.odcs.yaml"
    assert f.location.pointer == pointer
    parts = tuple(int(p) if p.isdigit() else p for p in pointer.strip("/").split("/")) if pointer else None
    position = contract.lines.locate(parts) if parts else None
    assert position is not None or not pointer
    assert (f.location.line, f.location.column) == (position or (None, None))
    assert f.details == {"rule": "meshguard.probe.deny", "pack": "repo", "article": "Art. 5"}


@pytest.mark.parametrize(
    ("pointer", "parts"),
    [
        ("/a~1b/0/c~0d", ("a/b", 0, "c~d")),
        ("/~01", ("~1",)),  # "~0" is decoded last (RFC 6901)
        ("/x/", ("x",)),
        ("", ()),
        ("/", ()),
        ("/schema/10/properties", ("schema", 10, "properties")),
        ("/Xy/zX", ("Xy", "zX")),  # only slashes are trimmed
        ("/X", ("X",)),
    ],
)
def test_json_pointers_are_decoded(pointer: str, parts: tuple[str | int, ...]) -> None:
    assert _pointer_tuple(pointer) == parts


def test_an_article_in_the_finding_wins_over_metadata(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "article": "Art. 9"}]})
    (f,) = _stage(policies).decide(contract, decisions).findings
    assert f.details["article"] == "Art. 9"


NESTED = """\
apiVersion: v3.1.0
kind: DataContract
id: shop
version: 1.0.0
schema:
  - name: orders
    properties:
      - name: shipping
        logicalType: object
        properties:
          - name: zip
            logicalType: string
"""


def test_a_nested_field_is_located_by_its_dotted_path(setup: tuple[Path, Contract]) -> None:
    policies, _ = setup
    doc = parse_yaml(NESTED, "contracts/shop.odcs.yaml")
    shop = Contract("contracts/shop.odcs.yaml", doc.data, doc.lines, SensitivityMap())
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "field": "orders.shipping.zip"}]})
    (f,) = _stage(policies).decide(shop, decisions).findings
    assert f.location is not None
    assert (f.location.pointer, f.location.line) == ("/schema/0/properties/0/properties/0", 11)


def test_a_contract_without_source_positions_keeps_the_pointer(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    bare = Contract(contract.path, contract.doc, LineMap(), SensitivityMap())
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "m", "field": "patients.email"}]})
    (f,) = _stage(policies).decide(bare, decisions).findings
    assert f.location == Location("contracts/good.odcs.yaml", None, None, "/schema/0/properties/1")


def test_a_finding_keeps_its_extra_keys_only(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.probe.warn": [{"message": "careful", "limit": 3}]})
    (f,) = _stage(policies).decide(contract, decisions).findings
    assert (f.stage, f.message) == ("policy", "careful")
    assert f.details == {"limit": 3, "rule": "meshguard.probe.warn", "pack": "repo"}


def test_findings_without_a_field_come_first_and_carry_the_rule_text(setup: tuple[Path, Contract]) -> None:
    policies, contract = setup
    decisions = Decisions(values={"meshguard.probe.deny": [{"msg": "b", "field": "AUDIT.col"}, "z plain"]})
    found = _stage(policies).decide(contract, decisions).findings
    assert [(f.field, f.message) for f in found] == [(None, "z plain"), ("AUDIT.col", "b")]
    assert {(f.title, f.description, f.regulation, f.remediation) for f in found} == {
        ("Probe deny", "Denies what the input says.", "GDPR", "Fix the probe.")
    }
