"""The policy pack decides identically under the embedded engine and under OPA.

The oracle is OPA's own evaluator — its Go ``rego`` package, the one inside
an OPA server — running in-process through opa-golib-python-bindings
(``tests/oracle.py``, :class:`meshguard.policy.opa_inprocess.OpaCore`). Every
comparison is on the whole ``data.meshguard`` document: every rule's findings,
and which rules errored.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import invoke, odcs_examples
from meshguard.config import Config
from meshguard.contracts.load import load_contract
from meshguard.policy.bundle import Module, load_bundle
from meshguard.policy.input import build_input
from meshguard.policy.testing import discover_tests
from oracle import EnginePair
from policykit import POLICIES, compliant, make_repo, prop

BUNDLE = load_bundle(POLICIES)


@pytest.fixture(scope="module")
def pair() -> EnginePair:
    """regorus and OPA's evaluator, both loaded with the pack (``data.meshguard`` is then the
    decisions only: with the unit tests loaded it would evaluate every test too)."""
    return EnginePair.of(BUNDLE)


@pytest.fixture(scope="module")
def with_tests() -> EnginePair:
    """Both evaluators loaded with the pack and its unit tests (``*_test.rego``)."""
    return EnginePair.of(BUNDLE, with_tests=True)


@pytest.fixture(scope="module")
def fixture_input(with_tests: EnginePair) -> dict[str, Any]:
    """The compliant input of the pack's unit tests (data.meshguard.test_fixtures.compliant)."""
    doc: dict[str, Any] = with_tests.opa.query("data.meshguard.test_fixtures.compliant")
    return doc


@pytest.mark.parametrize(
    ("package", "name"), [(p, n) for p, n, _, _ in discover_tests(BUNDLE)], ids=lambda v: str(v)
)
def test_every_pack_unit_test_passes_under_opa(with_tests: EnginePair, package: str, name: str) -> None:
    assert with_tests.opa.query(f"data.{package}.{name}") is True
    assert with_tests.regorus.query(f"data.{package}.{name}") is True


def test_pack_unit_tests_are_found() -> None:
    assert len(discover_tests(BUNDLE)) >= 50


def _decision_inputs(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line)["input"] for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow  # a whole run of the example mesh, each input decided twice
def test_example_mesh_decided_identically(pair: EnginePair, tmp_path: Path) -> None:
    """Every example product with its data and quality results, as the pipeline builds the input."""
    log = tmp_path / "decisions.jsonl"
    r = invoke("check", "--no-reports", "--no-history", "--format", "json", "--decision-log", str(log))
    assert r.returncode in (0, 1), r.stderr
    docs = _decision_inputs(log)
    assert len(docs) >= 8 and any("data" in d for d in docs)
    fired = set()
    for doc in docs:
        assert pair.differences(doc) == {}, doc["product"]["id"]
        fired |= {rule for rule, found in pair.both(doc)[1]["values"].items() if found}
    assert "meshguard.gdpr.deny_lawful_basis" in fired  # fraud-scores: personal data, no purpose


@pytest.mark.skipif(not odcs_examples(), reason="the official ODCS examples are absent in this checkout")
def test_official_odcs_examples_decided_identically(pair: EnginePair, tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    compared = 0
    for path in odcs_examples():
        loaded = load_contract(path, path.parent, config.sensitivity).contract
        if loaded is None:
            continue
        doc = build_input(loaded)
        assert pair.differences(doc) == {}, path.name
        compared += 1
    assert compared >= 18


def _repo_products() -> Iterator[tuple[str, dict[str, Any]]]:
    """The crafted products the policy tests build repos from, and their usual defects."""
    yield "compliant", compliant()
    no_purpose = compliant()
    no_purpose.pop("description")
    yield "no-purpose", no_purpose
    empty_enc = compliant()
    empty_enc["servers"][0]["customProperties"][1] = {"property": "encryption"}
    prop(empty_enc, "diagnosis").pop("encryptedName")
    yield "encryption-without-value", empty_enc
    unclassified = compliant()
    prop(unclassified, "email").pop("classification")
    unclassified.pop("support")
    yield "unclassified", unclassified


@pytest.mark.parametrize(
    ("name", "doc"), list(_repo_products()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_repo_products_decided_identically(pair: EnginePair, tmp_path: Path, name: str, doc: Any) -> None:
    repo = make_repo(tmp_path / "gov", {name: doc})
    contract = load_contract(repo / "contracts" / f"{name}.odcs.yaml", repo, Config(root=repo).sensitivity)
    assert contract.contract is not None
    assert pair.differences(build_input(contract.contract)) == {}


# --- regressions: each difference found between the two evaluators ------------------------


def test_personal_data_without_purpose_is_denied_by_both(pair: EnginePair, fixture_input: Any) -> None:
    """Was: regorus fired GDPR-002, OPA did not (a missing key inside a negated call)."""
    base = copy.deepcopy(fixture_input)
    base["contract"].pop("description")
    a, b = pair.both(base)
    assert a == b
    assert len(b["values"]["meshguard.gdpr.deny_lawful_basis"]) == 2


def test_encryption_property_without_value_is_not_encryption(pair: EnginePair, fixture_input: Any) -> None:
    """Was: regorus counted a valueless ``encryption`` server property as encrypted; OPA did not."""
    base = copy.deepcopy(fixture_input)
    base["contract"]["servers"][0]["customProperties"] = [{"property": "encryption"}]
    base["fields"][2]["encrypted_name"] = None
    a, b = pair.both(base)
    assert a == b
    assert len(b["values"]["meshguard.hipaa.deny_phi_encryption"]) == 1


# --- generated inputs --------------------------------------------------------------------

ODD_VALUES: list[Any] = [
    None,
    "",
    " ",
    0,
    -1,
    1.5,
    True,
    False,
    [],
    {},
    ["pii"],
    {"value": None},
    "0.2.0",
    "v1",
    "restricted",
    "Ünïcødé ☃ 名前",
    "\u200b",
    "eu-west-1",
    "x" * 300,
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def mutate(doc: dict[str, Any], edits: list[tuple[int, str, int]]) -> dict[str, Any]:
    """Apply edits (path index, operation, value index): drop a key, set an odd value, or
    (for "swap") replace the value with another node of the document."""
    doc = copy.deepcopy(doc)
    for where, op, which in edits:
        paths = _paths(doc)
        if not paths:
            break
        path = paths[where % len(paths)]
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if op == "drop":
            del parent[last]
        elif op == "swap":
            other = paths[which % len(paths)]
            node: Any = doc
            for step in other:
                node = node[step]
            parent[last] = copy.deepcopy(node)
        else:
            parent[last] = copy.deepcopy(ODD_VALUES[which % len(ODD_VALUES)])
    return doc


EDITS = st.lists(
    st.tuples(
        st.integers(0, 10_000), st.sampled_from(["drop", "set", "set", "swap"]), st.integers(0, 10_000)
    ),
    min_size=1,
    max_size=4,
)


@pytest.fixture(scope="module")
def rich_input(fixture_input: dict[str, Any]) -> dict[str, Any]:
    """The pack's compliant test fixture plus every optional part a rule reads."""
    doc = copy.deepcopy(fixture_input)
    doc["changes"] = [{"kind": "breaking", "path": "customers.email", "severity": "error"}]
    doc["previous"] = {"version": "1.9.0"}
    doc["versioning"] = {
        "previous_version": "1.9.0",
        "version": "2.0.0",
        "bump": "none",
        "required": "major",
        "rules": ["MGV001", "MGV003"],
    }
    doc["data"]["columns"]["email"].update({"detected_counts": {"email": 9}, "sampled": 10})
    doc["quality"]["checks"].append(
        {
            "id": "q2",
            "name": "q2",
            "status": "failed",
            "severity": "error",
            "dimension": "x",
            "field": "email",
        }
    )
    doc["data"]["columns"]["stray"] = {"detected": ["phone"]}
    doc["fields"][0]["critical"] = True
    doc["contract"]["customProperties"] = [{"property": "classification", "value": "public"}]
    return doc


# Derandomized: the same 1,000 inputs on every run (no example database), no deadline.
@pytest.mark.slow  # generated inputs, each decided by two engines
@settings(
    max_examples=1000,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(edits=EDITS)
def test_generated_inputs_decided_identically(
    pair: EnginePair, rich_input: dict[str, Any], edits: list[tuple[int, str, int]]
) -> None:
    doc = mutate(rich_input, edits)
    assert pair.differences(doc) == {}, edits


@pytest.mark.parametrize(
    "edit",
    [
        ("quality", "checks", 1, "id", 1.5),  # was: sprintf %s of a number ("%!s(float64=1.5)" in OPA)
        ("contract", "servers", "eu-west-1"),  # was: iterating a string (an error in regorus only)
        ("contract", "team", "crm"),  # was: object.get on a string (an error in OPA only)
        ("contract", None),  # was: object.get on null
        ("fields", 1, "custom_properties", None),  # was: a missing key inside a negated call
        ("data", "columns", "stray", "detected", "phone"),  # was: iterating a string
    ],
    ids=lambda e: "/".join(map(str, e[:-1])),
)
def test_each_difference_found_stays_fixed(
    pair: EnginePair, rich_input: dict[str, Any], edit: tuple[Any, ...]
) -> None:
    doc = copy.deepcopy(rich_input)
    node: Any = doc
    for step in edit[:-2]:
        node = node[step]
    node[edit[-2]] = edit[-1]
    assert pair.differences(doc) == {}


# --- `meshguard policy lint` warns about what the two evaluators decide differently --------

NEGATED_LOOKUP = 'package meshguard.mine\n\ndeny contains "x" if not is_string(input.contract.owner.name)\n'
PORTABLE = 'package meshguard.mine\n\ndeny contains "x" if not is_string(object.get(input, ["contract", "owner", "name"], null))\n'


def test_policy_lint_warns_about_a_pattern_the_evaluators_disagree_on(tmp_path: Path) -> None:
    doc = {"contract": {}}
    flagged = EnginePair([Module("mine.rego", NEGATED_LOOKUP)], {}, ["meshguard.mine.deny"])
    assert flagged.differences(doc) != {}  # regorus fires, OPA does not
    portable = EnginePair([Module("mine.rego", PORTABLE)], {}, ["meshguard.mine.deny"])
    assert portable.differences(doc) == {} and portable.both(doc)[1]["values"]
    repo = tmp_path / "gov"
    (repo / "policies").mkdir(parents=True)
    (repo / "meshguard.yaml").write_text("contracts: {dir: contracts}\n", encoding="utf-8")
    (repo / "policies" / "mine.rego").write_text(NEGATED_LOOKUP, encoding="utf-8")
    r = invoke("policy", "lint", "--strict", cwd=repo)
    assert r.returncode == 1 and "policies/mine.rego:3: warning PORT001" in r.stdout, r.stdout + r.stderr
    (repo / "policies" / "mine.rego").write_text(PORTABLE, encoding="utf-8")
    r = invoke("policy", "lint", "--strict", cwd=repo)
    assert r.returncode == 0 and "0 portability warning(s)" in r.stdout, r.stdout + r.stderr


def test_the_pack_has_no_portability_warning() -> None:
    r = invoke("policy", "lint", "--strict", str(POLICIES))
    assert r.returncode == 0, r.stdout


@pytest.mark.slow  # two whole runs of the example mesh
def test_the_opa_inprocess_engine_decides_the_example_mesh_like_the_embedded_one() -> None:
    """``--engine opa-inprocess``: OPA's own evaluator as a user-facing engine, no server."""

    def decisions(engine: str) -> list[tuple[str, str, str, str]]:
        r = invoke("check", "--no-reports", "--no-history", "--format", "json", "--engine", engine)
        assert r.returncode == 1, r.stderr
        doc = json.loads(r.stdout)
        assert doc["engine"] == engine
        return sorted(
            (p["id"], f["rule_id"], f["status"], f["message"])
            for p in doc["products"]
            for f in p["findings"]
            if f["stage"] == "policy"
        )

    embedded = decisions("embedded")
    assert embedded and decisions("opa-inprocess") == embedded
