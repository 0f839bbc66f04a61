"""Every rule of the policy pack fires on a crafted product and stays silent on a compliant one.

Real contracts on disk, the real embedded engine (regorus), the real pack in policies/.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from meshguard.policy.bundle import builtin_pack_path, load_bundle
from meshguard.policy.stage import PolicyStage
from meshguard.results.model import Change, CheckResult, Status
from meshguard.stages import PolicyContext, QualityOutcome, VersionInfo
from policykit import compliant, config_of, contract_of, make_repo, prop

Doc = dict[str, Any]


def _del(*keys: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        for k in keys:
            d.pop(k)

    return edit


def _prop(name: str, **changes: Any) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        p = prop(d, name)
        for k, v in changes.items():
            if v is None:
                p.pop(k, None)
            else:
                p[k] = v

    return edit


def _sla_only(kind: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        d["slaProperties"] = [s for s in d["slaProperties"] if s["property"] == kind]

    return edit


def _region(d: Doc) -> None:
    d["servers"][0]["customProperties"][0]["value"] = "us-east-1"


def _no_encryption(d: Doc) -> None:
    prop(d, "diagnosis").pop("encryptedName")
    d["servers"][0]["customProperties"] = d["servers"][0]["customProperties"][:1]


def _no_dpo(d: Doc) -> None:
    d["team"]["members"] = d["team"]["members"][:1]


def _no_owner(d: Doc) -> None:
    d["team"].pop("name")
    d["team"]["members"][0]["role"] = "engineer"


def _no_members(d: Doc) -> None:
    d["team"]["members"] = []
    d["customProperties"] = [{"property": "dataProtectionContact", "value": "dpo@example.com"}]


def _public(d: Doc) -> None:
    d["customProperties"] = [{"property": "visibility", "value": "public"}]


def _add_field(name: str, description: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        d["schema"][0]["properties"].append(
            {"name": name, "logicalType": "string", "description": description}
        )

    return edit


def _no_quality(d: Doc) -> None:
    prop(d, "patient_id").pop("quality")


def _version(v: str) -> Callable[[Doc], None]:
    def edit(d: Doc) -> None:
        d["version"] = v

    return edit


def _check(status: str, severity: str = "error") -> QualityOutcome:
    return QualityOutcome(
        checks=[
            CheckResult(
                id="patients.patient_id.nullValues.0",
                name="no nulls",
                stage="quality",
                status=status,
                severity=severity,
            )
        ]
    )


DETECTED = QualityOutcome(
    data={
        "source": "sample",
        "rows": 3,
        "columns": {"patient_id": {"null_fraction": 0.0, "distinct": 3, "detected": ["email"]}},
    }
)
BREAKING = VersionInfo(
    changes=[Change("VER-REMOVED", "breaking", "/schema/0/properties/4", "property removed")],
    previous={"version": "1.5.0"},
    previous_version="1.5.0",
)
COMPATIBLE = VersionInfo(
    changes=[Change("VER-ADDED", "non-breaking", "/schema/0/properties/3", "property added")],
    previous={"version": "2.0.0"},
    previous_version="2.0.0",
)

# case → (edit of the compliant contract, quality outcome, version info, rule ids expected to fire)
CASES: dict[str, tuple[Callable[[Doc], None] | None, QualityOutcome | None, VersionInfo | None, set[str]]] = {
    "pii-unclassified": (_prop("email", classification=None), None, None, {"GDPR-001"}),
    "no-purpose": (_del("description"), None, None, {"GDPR-002"}),
    "no-retention": (_sla_only("freshness"), None, None, {"GDPR-003"}),
    "special-confidential": (
        _prop("diagnosis", classification="confidential"),
        None,
        None,
        {"GDPR-004", "HIPAA-001"},
    ),
    "no-dpo": (_no_dpo, None, None, {"GDPR-005"}),
    "us-region": (_region, None, None, {"GDPR-006"}),
    "undeclared-pii": (None, DETECTED, None, {"GDPR-007"}),
    "phi-unencrypted": (_no_encryption, None, None, {"HIPAA-002"}),
    "phi-no-role": (_del("roles"), None, None, {"HIPAA-003"}),
    "phi-public": (_public, None, None, {"HIPAA-004"}),
    "no-owner": (_no_owner, None, None, {"OWN-001"}),
    "no-members": (_no_members, None, None, {"OWN-002"}),
    "no-support": (_del("support"), None, None, {"OWN-003"}),
    "undescribed": (_prop("updated_at", description=None), None, None, {"OWN-004"}),
    "critical-undefined": (_prop("patient_id", criticalDataElement=True), None, None, {"OWN-005"}),
    "no-quality": (_no_quality, None, None, {"QUA-001"}),
    "no-freshness": (_sla_only("retention"), None, None, {"QUA-002"}),
    "failed-check": (None, _check("failed"), None, {"QUA-003"}),
    "errored-check": (None, _check("errored"), None, {"QUA-004"}),
    "breaking-minor": (_version("1.6.0"), None, BREAKING, {"VER-001"}),
    "changed-same-version": (None, None, COMPATIBLE, {"VER-002"}),
    "personal-by-name": (_add_field("contact_phone", "Where to call back"), None, None, {"GDPR-008"}),
    "health-by-name": (_add_field("medication", "Current prescriptions"), None, None, {"HIPAA-005"}),
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    docs: dict[str, Doc] = {"good": compliant()}
    for name, (edit, _, _, _) in CASES.items():
        doc = compliant()
        doc["id"] = doc["name"] = name
        if edit:
            edit(doc)
        docs[name] = doc
    return make_repo(tmp_path_factory.mktemp("policy-rules"), docs)


@pytest.fixture(scope="module")
def stage(repo: Path) -> Iterator[PolicyStage]:
    with PolicyStage.open(config_of(repo), PolicyContext()) as s:
        yield s


def fired(checks: list[CheckResult]) -> set[str]:
    return {c.id for c in checks if c.status in (Status.FAILED, Status.WARNED)}


def test_pack_has_at_least_20_annotated_rules() -> None:
    rules = load_bundle(builtin_pack_path()).rules
    assert len(rules) >= 20
    for r in rules:
        assert r.title and r.description and r.custom.get("id") and r.remediation, r.name
        assert r.custom.get("severity") in ("error", "warning"), r.name
    covered = set().union(*(ids for *_, ids in CASES.values()))
    assert covered == {r.id for r in rules}, "every rule has a crafted product that fires it"


def test_compliant_product_passes_every_rule(repo: Path, stage: PolicyStage) -> None:
    quality = QualityOutcome(
        checks=[CheckResult(id="q", name="q", stage="quality", status="passed")],
        data={
            "source": "sample",
            "rows": 3,
            "columns": {"email": {"null_fraction": 0.0, "distinct": 3, "detected": ["email"]}},
        },
    )
    outcome = stage.evaluate(contract_of(repo, "good"), quality, COMPATIBLE_OK)
    assert outcome.findings == []
    assert {c.status for c in outcome.checks} == {Status.PASSED}
    assert len(outcome.checks) == len(stage.bundle.rules)


COMPATIBLE_OK = VersionInfo(
    changes=[Change("VER-ADDED", "non-breaking", "/schema/0/properties/3", "property added")],
    previous={"version": "1.9.0"},
)


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule_fires_on_crafted_product(case: str, repo: Path, stage: PolicyStage) -> None:
    _, quality, versions, expected = CASES[case]
    outcome = stage.evaluate(contract_of(repo, case), quality, versions)
    assert fired(outcome.checks) == expected
    assert {f.rule_id for f in outcome.findings} == expected
    for f in outcome.findings:
        assert f.stage == "policy" and f.title and f.remediation and f.description
        assert f.location is not None and f.location.path == f"contracts/{case}.odcs.yaml"
        assert f.location.line is not None


def test_field_finding_points_at_the_property_line(repo: Path, stage: PolicyStage) -> None:
    contract = contract_of(repo, "pii-unclassified")
    (finding,) = stage.evaluate(contract).findings
    assert finding.field == "patients.email"
    lines = (repo / "contracts" / "pii-unclassified.odcs.yaml").read_text().splitlines()
    assert finding.location is not None and finding.location.line is not None
    assert lines[finding.location.line - 1].strip() == "- name: email"
    assert finding.regulation == "GDPR"
    assert finding.details["article"] == "Art. 5(1)(f), Art. 32"
    assert finding.severity == "error" and finding.blocking


def test_product_level_finding_points_at_its_section(repo: Path, stage: PolicyStage) -> None:
    (finding,) = stage.evaluate(contract_of(repo, "us-region")).findings
    lines = (repo / "contracts" / "us-region.odcs.yaml").read_text().splitlines()
    assert finding.location is not None and finding.location.line is not None
    assert lines[finding.location.line - 1].strip() == "- server: sample"
    assert finding.location.pointer == "/servers/0"


def test_warn_rules_do_not_block(repo: Path, stage: PolicyStage) -> None:
    (finding,) = stage.evaluate(contract_of(repo, "undescribed")).findings
    assert finding.severity == "warning" and finding.status == Status.WARNED and not finding.blocking
