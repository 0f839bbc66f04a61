"""The embedded engine leaves the pack's helper package out of each answer, never a decision.

``data.meshguard.lib`` holds typed copies of the input (most of the answer's bytes); the
regorus core asks for every package but that one, unless some module of it has a line that
starts like a decision rule: then it asks for the whole tree, so no decision is lost.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from meshguard.contracts.model import Contract
from meshguard.policy.bundle import Module, load_bundle
from meshguard.policy.input import build_input
from meshguard.policy.rego import RegoCore, tree_query
from meshguard.yamlio import parse_yaml
from policykit import POLICIES, compliant


def compliant_input() -> dict[str, Any]:
    parsed = parse_yaml(yaml.safe_dump(compliant(), sort_keys=False), "contracts/good.odcs.yaml")
    return build_input(Contract("contracts/good.odcs.yaml", parsed.data, parsed.lines))


def _core(modules: list[Module]) -> RegoCore:
    bundle = load_bundle(POLICIES)
    return RegoCore.load(modules, bundle.data, [f"{r.package}.{r.name}" for r in bundle.rules])


def test_the_pack_is_decided_without_its_helpers_and_alike() -> None:
    modules = list(load_bundle(POLICIES).modules)
    core = _core(modules)
    assert tree_query(modules) != "data.meshguard"
    doc = compliant_input()
    doc["fields"][0]["categories"] = ["pii", "special"]
    doc["fields"][0]["classification"] = None
    text = json.dumps(doc)
    whole = core.query("data.meshguard", text)
    assert "lib" in whole
    reduced = core.query(tree_query(modules), text)
    assert "lib" not in reduced
    assert reduced == {k: v for k, v in whole.items() if k != "lib"}
    decided = core.evaluate(text).values
    assert decided["meshguard.gdpr.deny_pii_classification"]  # the seeded defect is found
    assert not any(rule.startswith("meshguard.lib.") for rule in decided)


def test_a_decision_rule_in_the_helper_package_keeps_the_whole_tree() -> None:
    extra = Module(
        "extra.rego", 'package meshguard.lib\n\nimport rego.v1\n\ndeny_helper contains "x" if true\n'
    )
    modules = [*load_bundle(POLICIES).modules, extra]
    assert tree_query(modules) == "data.meshguard"
    decided = _core(modules).evaluate(json.dumps(compliant_input())).values
    assert decided["meshguard.lib.deny_helper"] == ["x"]
