"""regorus's compiled program decides the standard pack, and only where it cannot differ.

The program (regorus's Rego virtual machine) makes a failing expression undefined where
the interpreter raises, so it may only decide bundles that never fail: the standard pack,
unchanged, with data of the shipped shape. It is held to the interpreter here and, through
``tests/oracle.py``, to OPA's own evaluator on the generated inputs of test_policy_oracle.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
import yaml

from meshguard.contracts.model import Contract
from meshguard.policy.bundle import Module, PolicyBundle, compose, load_builtin, load_bundle
from meshguard.policy.compiled import compilable, direct
from meshguard.policy.input import build_input
from meshguard.policy.rego import RegoCore
from meshguard.yamlio import parse_yaml
from policykit import POLICIES, compliant, prop

PACK = load_builtin()
RULES = [f"{r.package}.{r.name}" for r in PACK.rules]
FAILING = 'package meshguard.mine\n\ndeny contains "too long" if {\n\tinput.product.name + 1 > 10\n}\n'


def _input(doc: dict[str, Any]) -> dict[str, Any]:
    parsed = parse_yaml(yaml.safe_dump(doc, sort_keys=False), "contracts/p.odcs.yaml")
    return build_input(Contract("contracts/p.odcs.yaml", parsed.data, parsed.lines))


def _inputs() -> list[dict[str, Any]]:
    """The compliant product and variants that fire most of the pack's rules."""
    good = compliant()
    out = [_input(good)]
    for change in ("pii", "phi", "special", "owner", "many"):
        doc = copy.deepcopy(good)
        field = prop(doc, doc["schema"][0]["properties"][0]["name"])
        if change == "owner":
            doc.pop("team", None)
            doc.pop("slaProperties", None)
        elif change == "many":  # past the program's instruction limit: the interpreter decides
            props = doc["schema"][0]["properties"]
            doc["schema"][0]["properties"] = [
                {**props[i % len(props)], "name": f"c{i}", "tags": ["pii"]} for i in range(300)
            ]
        else:
            field["tags"] = [change]
            field.pop("classification", None)
            doc.pop("description", None)
        out.append(_input(doc))
    return out


@pytest.fixture(scope="module")
def cores() -> tuple[RegoCore, RegoCore]:
    plain = RegoCore.load(PACK.modules, PACK.data, RULES)
    compiled = RegoCore.load(PACK.modules, PACK.data, RULES, compiled=True)
    return plain, compiled


def test_only_the_standard_pack_with_its_shape_of_data_is_compilable(tmp_path: Any) -> None:
    assert compilable(PACK)
    assert compilable(load_bundle(POLICIES))  # the same files, loaded as a folder
    assert compilable(replace(PACK, modules=PACK.modules[:2]))  # some of its packages
    assert compilable(replace(PACK, data=copy.deepcopy(PACK.data) | {}))
    regions = copy.deepcopy(PACK.data)
    regions["meshguard"]["config"]["approved_regions"] = ["us-east-1"]
    assert compilable(replace(PACK, data=regions))  # other values, the same shape
    # a repo's own module, an edited pack module, data of another shape, no module at all
    mine = PolicyBundle(root=tmp_path, modules=(Module("mine.rego", FAILING),), tests=())
    assert not compilable(compose(PACK, mine))
    edited = (replace(PACK.modules[0], text=PACK.modules[0].text + "\n# edited\n"), *PACK.modules[1:])
    assert not compilable(replace(PACK, modules=edited))
    shaped = copy.deepcopy(PACK.data)
    shaped["meshguard"]["config"]["approved_regions"] = "eu"
    assert not compilable(replace(PACK, data=shaped))
    assert not compilable(replace(PACK, data={**PACK.data, "extra": 1}))
    assert not compilable(replace(PACK, modules=()))


def test_the_program_decides_the_pack_like_the_interpreter(cores: tuple[RegoCore, RegoCore]) -> None:
    plain, compiled = cores
    assert compiled._compiled is not None
    fired: set[str] = set()
    answered = 0
    for doc in _inputs():
        text = json.dumps(doc)
        mine = compiled.evaluate(text)
        assert mine == plain.evaluate(text), doc["product"]["id"]
        fired |= {rule for rule, found in mine.values.items() if found}
        answered += compiled._compiled.tree(text) is not None
    assert answered == len(_inputs()) - 1  # all but the product of 300 fields
    assert len(fired) >= 8


def test_the_program_answers_the_decision_rules_alone(cores: tuple[RegoCore, RegoCore]) -> None:
    """The program's entry is an object of the pack's decision rules, not the whole tree:
    helper rules (``config``, ``gdpr.columns``, ``ownership.team_members``…) are evaluated
    only where a decision needs them, and never sent back."""
    _, compiled = cores
    assert compiled._compiled is not None
    tree = compiled._compiled.tree(json.dumps(_inputs()[1]))
    assert tree is not None
    leaves = {f"meshguard.{pkg}.{rule}" for pkg, rules in tree.items() for rule in rules}
    assert leaves == set(RULES)
    assert all(isinstance(found, list) for rules in tree.values() for found in rules.values())


def test_the_pack_is_compiled_with_direct_calls_of_its_helper_rules() -> None:
    """``lib.fields`` under ``import data.meshguard.lib`` compiles to a lookup of the whole
    ``lib`` package (every helper evaluated, about half the pack's cost per product); the
    program is compiled from the full paths, which call one rule each. Same decisions: above,
    and against OPA in test_policy_oracle."""
    import regorus

    from meshguard.policy.compiled import ENTRY, sources
    from meshguard.policy.rego import tree_query

    compiled = sources(PACK.modules, tree_query(PACK.modules))
    program = regorus.Program.compile_from_modules(
        json.dumps(PACK.data), compiled, [f"data.{ENTRY}.decisions"]
    )
    listing = program.generate_listing()
    assert "VirtualDataDocumentLookup" not in listing
    assert "CallRule" in listing and "data.meshguard.lib.personal_fields" in listing
    # what direct() rewrites: references through an import, not strings, comments or longer names
    text = (
        "package meshguard.x\n\nimport data.meshguard.lib\n\n"
        'deny contains "lib.x" if {  # lib.y\n\tmylib.z\n\tlib.fields[0].a == lib.get(input, "k", 1)\n}\n'
    )
    assert direct(text) == (
        "package meshguard.x\n\nimport data.meshguard.lib\n\n"
        'deny contains "lib.x" if {  # lib.y\n\tmylib.z\n'
        '\tdata.meshguard.lib.fields[0].a == data.meshguard.lib.get(input, "k", 1)\n}\n'
    )
    assert direct(
        text.replace("import data.meshguard.lib", "import data.meshguard.lib as l")
    ) == text.replace("import data.meshguard.lib", "import data.meshguard.lib as l")


def test_a_query_after_a_compiled_decision_reads_that_input(cores: tuple[RegoCore, RegoCore]) -> None:
    _, compiled = cores
    first, second = _inputs()[:2]
    compiled.evaluate(json.dumps(first))
    compiled.evaluate(json.dumps(second))
    assert compiled.query("input.product.id") == second["product"]["id"]


def test_why_only_the_pack_the_program_passes_a_rule_the_interpreter_reports_failing() -> None:
    """A rule that fails (a word plus a number): the interpreter reports it errored, the program
    would make it undefined and pass. The reason a repo's own policies never go to the program."""
    modules = [Module("mine.rego", FAILING)]
    doc = json.dumps({"product": {"name": "orders"}})
    plain = RegoCore.load(modules, {}, ["meshguard.mine.deny"]).evaluate(doc)
    assert plain.errors.keys() == {"meshguard.mine.deny"}
    forced = RegoCore.load(modules, {}, ["meshguard.mine.deny"], compiled=True)
    assert forced._compiled is not None
    tree = forced._compiled.tree(doc)
    assert tree is not None and tree["mine"]["deny"] == []  # no finding, no error: a silent pass


def test_the_program_is_compiled_after_the_decisions_it_waits_for() -> None:
    """A worker decides its first products with the interpreter (a one-product run, the
    pre-commit hook's, never pays for compiling), then compiles: the decisions do not change."""
    core = RegoCore.load(PACK.modules, PACK.data, RULES, compiled=True, compile_after=2)
    plain = RegoCore.load(PACK.modules, PACK.data, RULES)
    docs = [json.dumps(d) for d in _inputs()[:4]]
    compiled_before = []
    for text in docs:
        assert core.evaluate(text) == plain.evaluate(text)
        compiled_before.append(core._compiled is not None)
    assert compiled_before == [False, False, True, True]


def test_an_answer_with_the_programs_undefined_marker_goes_to_the_interpreter(
    cores: tuple[RegoCore, RegoCore],
) -> None:
    """A failed blocking quality check without an id: the interpreter makes no finding (the
    message needs the id), the program puts an undefined value in the rule's set. The answer is
    not taken; the interpreter decides."""
    plain, compiled = cores
    doc = _inputs()[0]
    doc["quality"] = {"checks": [{"name": "q", "status": "failed", "severity": "error"}]}
    text = json.dumps(doc)
    assert compiled._compiled is not None
    compiled._compiled._vm.set_input_json(text)
    raw = compiled._compiled._vm.execute_entry_point("data.meshguard_compiled.decisions")
    assert json.loads(raw)["quality"]["deny_failed_quality"] == ["<undefined>"]
    assert compiled._compiled.tree(text) is None
    decided = compiled.evaluate(text)
    assert decided == plain.evaluate(text)
    assert decided.values["meshguard.quality.deny_failed_quality"] == []


def test_engine_compiled_false_in_meshguard_yaml_keeps_the_interpreter(tmp_path: Any) -> None:
    """The opt-out: ``engine: {compiled: false}`` and the embedded engine's workers never compile."""
    from meshguard.config import load_config
    from meshguard.policy.embedded import open_embedded
    from meshguard.stages import PolicyContext

    decided = []
    for setting in ("", "engine:\n  compiled: false\n"):
        (tmp_path / "meshguard.yaml").write_text(setting)
        config = load_config(tmp_path)
        engine = open_embedded(PACK, config, PolicyContext())
        try:
            decided.append((config.engine.compiled, [w.compiled for w in engine._workers]))
        finally:
            engine.close()
    assert decided == [(True, [True]), (False, [False])]
