"""What the council reads: the verdict is primary, one finding per defect, applicability,
the compliance matrix, the waiver register and the changes since the previous run.

Unit tests on hand-built results, and real runs of the example governance repo.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import PROJECT, SERIAL, invoke
from meshguard.report.formats import RenderContext, get
from meshguard.results.council import fold_consequences
from meshguard.results.model import CheckResult, Finding, Location, MeshResult, ProductResult
from meshguard.results.scoring import fail_cap, score_mesh
from meshkit import RULES, copy_example_repo


def product(pid: str = "p", categories: tuple[str, ...] = ()) -> ProductResult:
    return ProductResult(
        id=pid,
        name=pid,
        domain="d",
        owner="team",
        version="1.0.0",
        status="active",
        contract_path=f"contracts/{pid}.odcs.yaml",
        data_source="data.csv",
        rows=10,
        catalogue={"categories": list(categories), "fields": []},
    )


def qua003(check: str) -> Finding:
    return Finding(
        "QUA-003",
        "policy",
        "error",
        f"blocking quality check {check} failed",
        location=Location("contracts/p.odcs.yaml", 9),
        title="Blocking quality checks pass",
        regulation="Mesh governance",
        details={"check": check},
    )


def hipaa_check(status: str = "passed") -> CheckResult:
    return CheckResult(
        "HIPAA-001",
        "PHI is restricted",
        "policy",
        status,
        regulation="HIPAA",
        details={"applies_to": ["phi"], "article": "45 CFR 164.514(d)"},
    )


def scored(*products: ProductResult) -> MeshResult:
    mesh = MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded", products=list(products))
    return score_mesh(mesh, RULES)


def test_a_failed_blocking_check_is_one_finding_carrying_its_consequence() -> None:
    p = product()
    p.checks = [
        CheckResult("p.email.required", "email not null", "schema", "failed", field="email"),
        CheckResult("p_rows", "rows", "quality", "passed"),
        CheckResult(
            "QUA-003", "Blocking quality checks pass", "policy", "failed", regulation="Mesh governance"
        ),
    ]
    p.findings = [qua003("p.email.required")]
    mesh = scored(p)
    assert p.findings == []  # no duplicate finding
    check = next(c for c in p.checks if c.id == "p.email.required")
    assert check.details["policy"]["rule_id"] == "QUA-003"
    assert next(c for c in p.checks if c.id == "QUA-003").status == "info"
    assert p.verdict == "fail" and p.regulations["Mesh governance"] == "fail"
    assert mesh.regulations["Mesh governance"]["failing_products"] == ["p"]
    # the SARIF names the defect once, under the data check's kind
    sarif = json.loads(get("sarif").render(mesh, RenderContext()))
    ids = [r["ruleId"] for r in sarif["runs"][0]["results"]]
    assert ids == ["schema.required"]
    # folding twice changes nothing
    before = p.to_dict()
    fold_consequences(p)
    assert p.to_dict() == before


def test_a_breaking_change_is_one_decision() -> None:
    p = product()
    p.previous_version = "1.0.0"
    p.findings = [
        Finding("MGV001", "versioning", "error", "1 breaking change(s) need a major bump"),
        Finding(
            "VER-001", "policy", "error", "breaking change at /schema/0", details={"change": "/schema/0"}
        ),
    ]
    p.checks = [CheckResult("VER-001", "Breaking change needs a major version", "policy", "failed")]
    scored(p)
    assert [f.rule_id for f in p.findings] == ["MGV001"]
    assert p.findings[0].details["policy"]["rule_id"] == "VER-001"
    assert p.checks[0].status == "info" and p.verdict == "fail"
    # without the versioning decision the policy finding stands on its own
    alone = product()
    alone.findings = [Finding("VER-001", "policy", "error", "breaking", details={"change": "/schema/0"})]
    scored(alone)
    assert [f.rule_id for f in alone.findings] == ["VER-001"]


def test_a_version_policy_folds_into_the_versioning_rule_it_names() -> None:
    p = product()
    p.previous_version = "1.0.0"
    p.findings = [
        Finding(
            "MGV003", "versioning", "warning", "1 change(s) but the version is still 1.0.0", status="warned"
        ),
        Finding(
            "VER-002", "policy", "warning", "still 1.0.0", status="warned", details={"decided_by": "MGV003"}
        ),
    ]
    p.checks = [CheckResult("VER-002", "Changed contract has a new version", "policy", "warned")]
    scored(p)
    assert [f.rule_id for f in p.findings] == ["MGV003"]
    assert p.findings[0].details["policy"]["rule_id"] == "VER-002"
    assert p.checks[0].status == "info"
    # a link to a versioning rule that did not fire leaves the policy finding on its own
    other = product()
    other.findings = [
        Finding("MGV001", "versioning", "error", "breaking"),
        Finding(
            "VER-002", "policy", "warning", "still 1.0.0", status="warned", details={"decided_by": "MGV003"}
        ),
    ]
    scored(other)
    assert [f.rule_id for f in other.findings] == ["MGV001", "VER-002"]


def test_a_breaking_change_is_one_finding_end_to_end(tmp_path: Path) -> None:
    """The built-in pack's VER-001 and the versioning stage's MGV001 judge the same bump:
    a committed contract changed in a breaking way under a minor bump is reported once."""
    import subprocess

    root = tmp_path / "repo"
    root.mkdir()
    assert invoke("init", cwd=root).returncode == 0
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "add", "-A"], cwd=root, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True, capture_output=True)
    path = root / "contracts" / "example" / "example.odcs.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      - name: signed_up")
    end = text.index("    quality:", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0", 1))
    r = invoke(
        "check", "--changed-only", "--no-data", "--no-reports", "--no-history", "--format", "json", cwd=root
    )
    assert r.returncode == 1, r.stderr
    findings = json.loads(r.stdout)["products"][0]["findings"]
    assert [f["rule_id"] for f in findings] == ["MGV001"]
    assert findings[0]["details"]["policy"]["rule_id"] == "VER-001"


def test_a_finding_about_no_data_check_stays() -> None:
    p = product()
    p.findings = [qua003("not-a-check-here")]
    scored(p)
    assert [f.rule_id for f in p.findings] == ["QUA-003"]


def test_a_failing_product_never_scores_at_or_above_the_pass_line() -> None:
    p = product()
    p.checks = [CheckResult(f"c{i}", f"c{i}", "quality", "passed") for i in range(50)]
    p.checks.append(CheckResult("c-bad", "bad", "quality", "failed"))
    scored(p)
    assert p.verdict == "fail"
    assert p.score_uncapped is not None and p.score_uncapped >= RULES.pass_threshold
    assert p.score == fail_cap(RULES.pass_threshold) < RULES.pass_threshold


def test_hipaa_is_not_applicable_without_phi_and_counts_only_where_it_applies() -> None:
    without, with_phi = product("shop"), product("clinic", ("phi", "pii"))
    without.checks = [hipaa_check()]
    with_phi.checks = [hipaa_check("failed")]
    mesh = scored(without, with_phi)
    assert without.checks[0].status == "not_applicable"
    assert without.regulations == {"HIPAA": "n/a"}
    assert with_phi.regulations == {"HIPAA": "fail"}
    hipaa = mesh.regulations["HIPAA"]
    assert (hipaa["products"], hipaa["not_applicable"], hipaa["compliant"], hipaa["share"]) == (1, 1, 0, 0.0)
    assert mesh.matrix[0]["products"] == {"shop": "n/a", "clinic": "fail"}
    # a rule that found something applies, whatever the declared categories
    found = product("undeclared")
    found.checks = [hipaa_check("failed")]
    scored(found)
    assert found.regulations == {"HIPAA": "fail"}


def test_waiver_register_states() -> None:
    from meshguard.results.model import Waiver

    p = product()
    active = Waiver("A", "p", "why", "dpo@example.org", "2026-12-31")
    soon = Waiver("B", "p", "why", "dpo@example.org", "2026-03-20")
    gone = Waiver("C", "p", "why", "dpo@example.org", "2026-01-01")
    stale = Waiver("D", "p", "why", "dpo@example.org", "2026-12-31")
    p.waivers = [active, soon]
    mesh = MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded", products=[p])
    mesh.findings = [
        Finding("MG-WAIVER-EXPIRED", "policy", "warning", "expired", status="warned", waiver=gone),
        Finding("MG-WAIVER-STALE", "policy", "warning", "stale", status="warned", waiver=stale),
    ]
    score_mesh(mesh, RULES)
    states = {r["policy"]: (r["state"], r["days_left"]) for r in mesh.summary["waivers"]}
    assert states == {"A": ("active", 305), "B": ("expiring", 19), "C": ("expired", -59), "D": ("stale", 305)}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example_repo(PROJECT, tmp_path_factory.mktemp("mesh"))


def check_json(root: Path, *args: str) -> dict:
    r = invoke("check", "--format", "json", "--no-reports", "--fail-on", "never", *SERIAL, *args, cwd=root)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.slow  # three whole runs of the example mesh
def test_every_mode_scores_the_same_data_the_same(example: Path) -> None:
    docs = {m: check_json(example, "--no-history", "--mode", m) for m in ("ci", "council", "pre-commit")}
    scores = {m: {p["id"]: (p["score"], p["verdict"]) for p in d["products"]} for m, d in docs.items()}
    assert scores["ci"] == scores["council"] == scores["pre-commit"]
    assert len({d["summary"]["score"] for d in docs.values()}) == 1


def test_example_run_for_the_council(example: Path) -> None:
    doc = check_json(example, "--no-history")
    threshold = doc["summary"]["pass_threshold"]
    failing = [p for p in doc["products"] if p["verdict"] == "fail"]
    assert failing and all(p["score"] < threshold for p in failing)
    for name, d in doc["domains"].items():
        members = [p for p in doc["products"] if p["domain"] == name]
        if not any(p["verdict"] == "pass" for p in members):
            assert d["verdict"] != "pass"
    hipaa = doc["regulations"]["HIPAA"]
    phi = [p["id"] for p in doc["products"] if "phi" in p["catalogue"]["categories"]]
    assert hipaa["products"] == len(phi) and hipaa["not_applicable"] == len(doc["products"]) - len(phi)
    assert all(p["regulations"]["HIPAA"] == "n/a" for p in doc["products"] if p["id"] not in phi)
    # one finding per defect: no QUA-003 finding next to the data check it is about
    for p in doc["products"]:
        assert not [f for f in p["findings"] if f["rule_id"] == "QUA-003"]
        for f in p["findings"]:
            assert f.get("location", {}).get("line"), (p["id"], f["rule_id"])
    reasons = {p["id"]: p["reasons"] for p in failing}
    assert all(reasons.values())
    states = {r["state"] for r in doc["summary"]["waivers"]}
    assert {"expired", "stale", "expiring", "active"} <= states
    catalogue = next(p for p in doc["products"] if p["id"] == "patients")["catalogue"]
    assert catalogue["fields"] and all(f["line"] for f in catalogue["fields"])
    assert catalogue["retention"] and catalogue["purpose"]


def test_changes_since_the_previous_run(example: Path, tmp_path: Path) -> None:
    repo = copy_example_repo(PROJECT, tmp_path / "mesh")
    history = str(tmp_path / "h.db")
    first = check_json(repo, "--history-url", history)
    assert first["since_previous"] is None
    # fix one defect (an owner team member for fraud-scores) and break another product's classification
    contract = repo / "contracts" / "finance" / "fraud-scores.odcs.yaml"
    text = contract.read_text()
    assert "team:\n" in text
    contract.write_text(
        text.replace("team:\n", "team:\n  members:\n    - username: ana@example.org\n      role: owner\n", 1)
    )
    second = check_json(repo, "--history-url", history)
    since = second["since_previous"]
    assert since["run_id"] == first["run_id"]
    assert {(f["product"], f["rule_id"]) for f in since["fixed"]} >= {("fraud-scores", "OWN-002")}
    fraud = next(p for p in second["products"] if p["id"] == "fraud-scores")
    assert fraud["since_previous"]["version"] == "0.9.0"
    assert any(f["rule_id"] == "OWN-002" for f in fraud["since_previous"]["fixed"])


def test_matrix_exports(example: Path) -> None:
    r = invoke("check", "--no-history", "--fail-on", "never", "--format", "json", *SERIAL, cwd=example)
    doc = json.loads(r.stdout)
    reports = example / "reports"
    rows = list(csv.DictReader(io.StringIO((reports / "compliance.csv").read_text())))
    assert {r["rule_id"] for r in rows} == {m["rule_id"] for m in doc["matrix"]}
    assert len(rows) == sum(len(m["products"]) for m in doc["matrix"])
    exported = json.loads((reports / "compliance.json").read_text())
    assert exported["rules"] == doc["matrix"] and exported["run_id"] == doc["run_id"]
    hipaa = [r for r in rows if r["regulation"] == "HIPAA" and r["product"] == "inventory"]
    assert hipaa and {r["state"] for r in hipaa} == {"n/a"}


def test_csv_cells_cannot_become_formulas() -> None:
    from meshguard.report.formats.matrix import matrix_csv

    mesh = MeshResult("r", "t", "v", "e")
    mesh.matrix = [
        {
            "regulation": "=HYPERLINK(1)",
            "article": "+1",
            "rule_id": "@x",
            "title": "-2",
            "severity": "error",
            "products": {"=cmd": "fail"},
            "counts": {},
        }
    ]
    row = list(csv.reader(io.StringIO(matrix_csv(mesh))))[1]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
