"""The example mesh (project root) under the policy stage: the exact set of findings.

The data stage profiles each product's sample, so GDPR-007 fires on the e-mails
it detects in undeclared or unclassified columns: one finding fails, the other
is waived (and that waiver is reported as expiring soon at ``NOW``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema
import pytest

from conftest import PROJECT, invoke
from meshguard.config import load_config
from meshguard.contracts.repo import lint_repo
from meshguard.policy.input import build_input, input_schema
from meshguard.stages import PolicyContext

NOW = "2026-11-25T00:00:00Z"

# Policy findings of the example mesh with its data checked (see the DEFECTS table of
# scripts/make_example_data.py): GDPR-007 finds the e-mails of the undeclared customer_email
# column and of the unclassified reviewer_email (waived until 2026-12-15). QUA-003 turns
# every blocking quality failure into a deny: one finding per defect, so each is carried by
# the failed data check itself (``details.policy``), not repeated as a policy finding.
EXPECTED_PRODUCT_FINDINGS = {
    ("fraud-scores", "GDPR-002", "failed", "fraud_scores.device_ip"),
    ("fraud-scores", "GDPR-003", "failed", None),
    ("fraud-scores", "GDPR-007", "failed", "customer_email"),
    ("fraud-scores", "GDPR-007", "waived", "fraud_scores.reviewer_email"),
    # the same field found without data: named like an e-mail, no classification (not waived)
    ("fraud-scores", "GDPR-008", "failed", "fraud_scores.reviewer_email"),
    ("fraud-scores", "OWN-002", "failed", None),
    ("fraud-scores", "OWN-003", "waived", None),
}
#: the failed blocking data checks that carry QUA-003
EXPECTED_QUA003_CHECKS = {
    ("customers", "email"),
    ("orders", None),
    ("orders", "customer_id"),
    ("orders", "order_id"),
    ("orders", "status"),
    ("orders", "total_amount"),
    ("encounters", "diagnosis_code"),
}
EXPECTED_MESH_FINDINGS = {
    ("MG-WAIVER-EXPIRING", "GDPR-007", "fraud-scores"),
    ("MG-WAIVER-EXPIRED", "GDPR-003", "fraud-scores"),
    ("MG-WAIVER-STALE", "HIPAA-002", "patients"),
}


@pytest.mark.slow
def test_example_mesh_policy_findings_are_exactly_the_expected_ones() -> None:
    proc = invoke("check", "--format", "json", "--now", NOW, "--no-reports", "--no-history", cwd=PROJECT)
    assert proc.returncode == 1, proc.stderr
    mesh = json.loads(proc.stdout)
    assert mesh["engine"] == "embedded" and mesh["policy_bundle_hash"].startswith("sha256:")
    found = {
        (p["id"], f["rule_id"], f["status"], f.get("field"))
        for p in mesh["products"]
        for f in p["findings"]
        if f["stage"] == "policy"
    }
    assert found == EXPECTED_PRODUCT_FINDINGS
    carried = {
        (p["id"], c.get("field"))
        for p in mesh["products"]
        for c in p["checks"]
        if c["stage"] != "policy" and c["details"].get("policy", {}).get("rule_id") == "QUA-003"
    }
    assert carried == EXPECTED_QUA003_CHECKS
    assert all(
        c["status"] == "failed" and c["severity"] == "error"
        for p in mesh["products"]
        for c in p["checks"]
        if c["details"].get("policy")
    )
    mesh_found = {(f["rule_id"], f["waiver"]["policy"], f["waiver"]["product"]) for f in mesh["findings"]}
    assert mesh_found == EXPECTED_MESH_FINDINGS
    waived = next(
        f
        for p in mesh["products"]
        for f in p["findings"]
        if f["status"] == "waived" and f["rule_id"] == "OWN-003"
    )
    assert waived["waiver"]["approved_by"] == "elena.petrov@example.com"
    fraud = next(p for p in mesh["products"] if p["id"] == "fraud-scores")
    assert {w["policy"] for w in fraud["waivers"]} == {"OWN-003", "GDPR-007"}
    for p in mesh["products"]:
        policy_checks = [c for c in p["checks"] if c["stage"] == "policy"]
        assert len(policy_checks) >= 20 and not any(c["status"] == "errored" for c in policy_checks)


def test_every_example_input_validates_against_the_schema() -> None:
    config = load_config(PROJECT)
    options = PolicyContext(now=datetime(2026, 11, 25, tzinfo=UTC))
    contracts = [lc.contract for lc in lint_repo([config.contracts_path], config).contracts]
    assert len(contracts) >= 8
    validator = jsonschema.Draft202012Validator(input_schema())
    for c in contracts:
        doc = build_input(c, None, None, options)
        assert not list(validator.iter_errors(doc)), c.id
        assert json.loads(json.dumps(doc)) == doc  # plain JSON
        assert doc["meshguard"]["now"] == NOW


def test_policy_input_command_prints_the_document() -> None:
    proc = invoke("policy", "input", "patients", cwd=PROJECT)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, input_schema())
    assert doc["product"]["id"] == "patients"
    assert any("phi" in f["categories"] for f in doc["fields"])


def test_policy_test_command_passes_on_the_pack() -> None:
    # the example repo has no policies/ folder: the built-in pack's own tests run
    proc = invoke("policy", "test", "-v", cwd=PROJECT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = proc.stdout.strip().splitlines()[-1]
    n = int(summary.split()[0])
    assert n >= 40 and summary == f"{n} tests: {n} passed, 0 failed, 0 errored ({n} of the built-in pack)"
    assert proc.stdout.count("PASSED ") == n
    assert proc.stdout.count("(builtin:") == n
