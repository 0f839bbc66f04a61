"""Input document, METADATA scoping, waivers, and the policy CLI's error paths."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import invoke
from meshguard.errors import PolicyError, WaiverError
from meshguard.policy.bundle import load_builtin
from meshguard.policy.input import build_input, input_schema
from meshguard.policy.metadata import collect_rules
from meshguard.policy.testing import discover_tests
from meshguard.policy.waivers import load_waivers
from meshguard.results.model import Change, CheckResult
from meshguard.stages import PolicyContext, QualityOutcome, VersionInfo
from policykit import compliant, contract_of, make_repo


def test_full_input_validates_and_carries_every_stage(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, {"good": compliant()})
    quality = QualityOutcome(
        checks=[
            CheckResult(id="a", name="a", stage="quality", status="failed", field="email"),
            CheckResult(id="b", name="b", stage="quality", status="passed"),
        ],
        data={
            "source": "sample",
            "rows": 3,
            "columns": {"email": {"null_fraction": 0.5, "distinct": 2, "detected": ["email"]}},
        },
    )
    versions = VersionInfo(changes=[Change("R", "breaking", "/x", "gone")], previous={"version": "1.0.0"})
    doc = build_input(contract_of(repo, "good"), quality, versions, PolicyContext(mode="pre-commit"))
    jsonschema.validate(doc, input_schema())
    assert doc["quality"]["failed"] == 1 and doc["quality"]["passed"] == 1
    assert doc["data"]["columns"]["email"]["detected"] == ["email"]
    assert doc["changes"] == [
        {"kind": "breaking", "path": "/x", "severity": "error", "rule_id": "R", "message": "gone"}
    ]
    email = next(f for f in doc["fields"] if f["name"] == "email")
    assert email["categories"] == ["confidential", "pii"] and email["pointer"] == "/schema/0/properties/1"
    bare = build_input(contract_of(repo, "good"))
    assert "data" not in bare and "quality" not in bare and bare["previous"] is None
    jsonschema.validate(bare, input_schema())


def test_metadata_scopes_follow_opa() -> None:
    text = """# METADATA
# title: Pkg
# custom:
#   regulation: R-PKG
#   severity: warning
package meshguard.demo

# METADATA
# scope: document
# title: Doc-scoped
# custom:
#   id: DOC-1
deny contains "a" if input.a

deny contains "b" if input.b

warn_plain contains "c" if input.c

# METADATA
# title: Own
# custom:
#   id: OWN-9
#   regulation: R-RULE
deny_own contains "d" if input.d
"""
    rules = {r.name: r for r in collect_rules([("demo.rego", text)])}
    assert set(rules) == {"deny", "warn_plain", "deny_own"}
    assert rules["deny"].id == "DOC-1" and rules["deny"].title == "Doc-scoped"
    assert rules["deny"].regulation == "R-PKG" and rules["deny"].severity == "warning"
    assert rules["warn_plain"].id == "meshguard.demo.warn_plain"  # derived, stable
    assert rules["warn_plain"].title == "Pkg"
    assert rules["deny_own"].id == "OWN-9" and rules["deny_own"].regulation == "R-RULE"
    assert rules["deny_own"].line == 24


def test_bad_metadata_yaml_names_the_line() -> None:
    with pytest.raises(PolicyError) as err:
        collect_rules(
            [("x.rego", "package meshguard.x\n\n# METADATA\n# title: [unclosed\ndeny contains 1 if true\n")]
        )
    assert str(err.value).startswith("x.rego:")


def _waivers(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "waivers.yaml"
    f.write_text(text, encoding="utf-8")
    return f


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("waivers:\n  - policy: A\n    product: p\n    reason: r\n    approved_by: x\n", "missing 'expires'"),
        (
            "waivers:\n  - policy: A\n    product: p\n    reason: r\n    approved_by: x\n    expires: soon\n",
            "YYYY-MM-DD",
        ),
        (
            "waivers:\n  - policy: A\n    product: p\n    reason: r\n    approved_by: x\n    expires: 2027-01-01\n    owner: y\n",
            "unknown waiver key 'owner'",
        ),
        ("waivers: {a: 1}\n", "must be a list"),
        ("rules: []\n", "unknown top-level key"),
    ],
)
def test_malformed_waivers_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(WaiverError, match=message) as err:
        load_waivers(_waivers(tmp_path, text), "waivers.yaml", date(2026, 1, 1))
    assert err.value.path == "waivers.yaml"


def test_malformed_waivers_exit_2_through_the_cli(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"good": compliant()}, waivers="waivers:\n  - policy: X\n")
    proc = invoke("check", cwd=repo)
    assert proc.returncode == 2 and "waivers.yaml:2: waiver is missing 'product'" in proc.stderr


def test_waiver_lifecycle(tmp_path: Path) -> None:
    bad = compliant()
    bad["id"] = "bad"
    bad.pop("support")
    waivers = (
        "waivers:\n"
        "  - {policy: OWN-003, product: bad, reason: r, approved_by: a, expires: 2026-01-10}\n"
        "  - {policy: OWN-001, product: bad, reason: r, approved_by: a, expires: 2027-01-01}\n"
        "  - {policy: OWN-001, product: elsewhere, reason: r, approved_by: a, expires: 2027-01-01}\n"
    )
    repo = make_repo(tmp_path / "gov", {"bad": bad}, waivers=waivers)
    valid = invoke("policy", "eval", "bad", "--format", "json", "--now", "2026-01-01", cwd=repo)
    assert valid.returncode == 0, valid.stdout + valid.stderr  # the only deny is waived
    doc = json.loads(valid.stdout)
    (finding,) = doc["products"][0]["findings"]
    assert finding["status"] == "waived" and finding["waiver"]["expires"] == "2026-01-10"
    assert {(f["rule_id"], f["waiver"]["policy"]) for f in doc["findings"]} == {
        ("MG-WAIVER-EXPIRING", "OWN-003"),  # 9 days left
        ("MG-WAIVER-STALE", "OWN-001"),  # bad has an owner: nothing to waive
    }
    last_day = invoke("policy", "eval", "bad", "--format", "json", "--now", "2026-01-10", cwd=repo)
    assert last_day.returncode == 0, last_day.stdout  # valid through its expiry day
    assert json.loads(last_day.stdout)["products"][0]["findings"][0]["status"] == "waived"
    expired = invoke("policy", "eval", "bad", "--format", "json", "--now", "2026-01-11", cwd=repo)
    assert expired.returncode == 1
    doc = json.loads(expired.stdout)
    assert doc["products"][0]["findings"][0]["status"] == "failed"
    assert ("MG-WAIVER-EXPIRED", "OWN-003") in {
        (f["rule_id"], f["waiver"]["policy"]) for f in doc["findings"]
    }


def test_expired_waiver_blocks_through_its_finding_not_by_itself(tmp_path: Path) -> None:
    """docs/ci.md "Expired waivers": the finding fails again (exit 1); once it is fixed, the lapsed
    waiver is a warning (exit 0, exit 1 with --fail-on warn)."""
    bad = compliant()
    bad["id"] = "bad"
    bad.pop("support")  # OWN-003 (a deny): no support channel
    waivers = (
        "waivers:\n  - {policy: OWN-003, product: bad, reason: r, approved_by: a, expires: 2026-01-10}\n"
    )
    repo = make_repo(tmp_path / "gov", {"bad": bad}, waivers=waivers)
    lean = ("check", "--no-data", "--no-reports", "--no-history", "--format", "json", "--now", "2026-02-01")

    def gate(*extra: str) -> tuple[int, set[tuple[str, str]], set[tuple[str, str]]]:
        r = invoke(*lean, *extra, cwd=repo)
        assert r.returncode in (0, 1), r.stderr
        doc = json.loads(r.stdout)
        mesh = {(f["rule_id"], f["status"]) for f in doc["findings"]}
        own = {
            (f["rule_id"], f["status"]) for f in doc["products"][0]["findings"] if f["rule_id"] == "OWN-003"
        }
        return r.returncode, mesh, own

    assert gate() == (1, {("MG-WAIVER-EXPIRED", "warned")}, {("OWN-003", "failed")})
    make_repo(tmp_path / "gov", {"bad": compliant() | {"id": "bad"}}, waivers=waivers)  # the finding is fixed
    assert gate() == (0, {("MG-WAIVER-EXPIRED", "warned")}, set())
    assert gate("--fail-on", "warn")[0] == 1


def test_policy_test_fails_on_a_failing_test(tmp_path: Path) -> None:
    pol = tmp_path / "pol"
    pol.mkdir()
    (pol / "a.rego").write_text('package meshguard.a\n\ndeny contains "x" if input.x\n')
    (pol / "a_test.rego").write_text(
        "package meshguard.a_test\n\nimport data.meshguard.a\n\n"
        'test_ok if { count(a.deny) == 1 with input as {"x": true} }\n\n'
        "test_wrong if { count(a.deny) == 1 with input as {} }\n"
    )
    proc = invoke("policy", "test", str(pol), cwd=tmp_path)
    assert proc.returncode == 1
    assert "FAILED  data.meshguard.a_test.test_wrong" in proc.stdout
    # the built-in pack's tests run with the folder's (all of them pass)
    builtin = len(discover_tests(load_builtin()))
    assert builtin > 20
    summary = (
        f"{builtin + 2} tests: {builtin + 1} passed, 1 failed, 0 errored ({builtin} of the built-in pack)"
    )
    assert proc.stdout.strip().endswith(summary)
    # with the built-in pack off, only the folder's own tests
    (tmp_path / "meshguard.yaml").write_text("policies: {builtin: false}\n")
    alone = invoke("policy", "test", str(pol), cwd=tmp_path)
    assert alone.returncode == 1
    assert alone.stdout.strip().endswith("2 tests: 1 passed, 1 failed, 0 errored")


def test_policy_eval_on_an_input_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"good": compliant()})
    doc = build_input(contract_of(repo, "good"))
    doc["product"]["owner"] = None
    (repo / "in.json").write_text(json.dumps(doc))
    proc = invoke("policy", "eval", "--input", "in.json", "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    (product,) = json.loads(proc.stdout)["products"]
    said = [(f["rule_id"], f["details"]["value"]) for f in product["findings"]]
    assert said == [("OWN-001", {"msg": "no owner team", "pointer": "/team"})]
    assert {c["id"]: c["status"] for c in product["checks"]}["OWN-001"] == "failed"
    unknown = invoke("policy", "eval", "nope", cwd=repo)
    assert unknown.returncode == 2 and "no data product 'nope'" in unknown.stderr


def test_policy_eval_decides_every_contract_of_a_shared_id(tmp_path: Path) -> None:
    """Two contracts with one id (a lint error, MG020, as in the official ODCS examples): each is
    decided, as ``meshguard test ID`` checks each; the one holding no owner fails the gate."""
    good, bad = compliant(), compliant()
    bad.pop("team")
    repo = make_repo(tmp_path / "gov", {"a": bad, "b": good})
    for named in ((), (str(good["id"]),)):
        proc = invoke("policy", "eval", *named, "--format", "json", cwd=repo)
        assert proc.returncode == 1, proc.stdout + proc.stderr  # a's missing owner blocks
        paths = sorted(p["contract_path"] for p in json.loads(proc.stdout)["products"])
        assert paths == ["contracts/a.odcs.yaml", "contracts/b.odcs.yaml"]
    one = invoke("policy", "input", str(good["id"]), cwd=repo)
    assert one.returncode == 2 and "2 contracts have the id" in one.stderr
    assert "Traceback" not in one.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"a": NaN}', "invalid JSON: NaN is not a JSON value"),
        ('{"a": [-Infinity]}', "invalid JSON: -Infinity is not a JSON value"),
        ('{"a": ' + "[" * 127 + "]" * 127 + "}", "nested more than 127 levels deep"),
        ('{"a": ' + "[" * 500 + "]" * 500 + "}", "nested more than 127 levels deep"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
    ],
)
def test_policy_eval_input_the_engine_cannot_read_is_bad_input(tmp_path: Path, text: str, said: str) -> None:
    """Python's JSON reads NaN and ±Infinity, and nests as deep as its stack: the engine reads
    neither (nor more than 127 levels), which was an internal error (exit 4)."""
    repo = make_repo(tmp_path / "gov", {"good": compliant()})
    (repo / "in.json").write_text(text, encoding="utf-8")
    proc = invoke("policy", "eval", "--input", "in.json", cwd=repo)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
    deepest = '{"a": ' + "[" * 126 + "]" * 126 + "}"  # 127 levels: decided
    (repo / "in.json").write_text(deepest, encoding="utf-8")
    assert invoke("policy", "eval", "--input", "in.json", cwd=repo).returncode in (0, 1)


def test_a_product_the_engine_cannot_evaluate_errs_alone(tmp_path: Path) -> None:
    """With ``limits.max_depth`` raised, a contract may nest past what the embedded engine's
    JSON reader takes (128 levels): that product's policy checks are errored with the engine's
    reason, the other products of its batch are decided, and the run ends as a failed gate
    (exit 1), not an internal error (exit 4)."""
    deep: Any = "leaf"
    for _ in range(150):
        deep = {"k": deep}
    nested = compliant()
    nested["id"] = "nested"
    nested["customProperties"] = [{"property": "nest", "value": deep}]
    config = "contracts: {dir: contracts}\nlimits: {max_depth: 400}\ndecision_log: decisions.jsonl\n"
    repo = make_repo(tmp_path / "gov", {"nested": nested, "good": compliant()}, config=config)
    proc = invoke("check", "--no-data", "--no-history", "--format", "json", cwd=repo)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr
    products = {p["id"]: p for p in json.loads(proc.stdout)["products"]}
    policy = {i: [c for c in p["checks"] if c["stage"] == "policy"] for i, p in products.items()}
    assert policy["nested"] and all(c["status"] == "errored" for c in policy["nested"])
    assert all("policy evaluation failed: recursion limit" in c["message"] for c in policy["nested"])
    assert policy[compliant()["id"]] and not [
        c for c in policy[compliant()["id"]] if c["status"] == "errored"
    ]
    assert products[compliant()["id"]]["verdict"] == "pass"
    logged = [json.loads(line) for line in (repo / "decisions.jsonl").read_text().splitlines()]
    errors = [line for line in logged if "recursion limit" in json.dumps(line)]
    assert len(logged) == 2 and len(errors) == 1  # the audit trail says why, for that product only
