"""Personal data found wherever it is: by name without data, in a minority of values, and
masked in every output once found."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import PROJECT, invoke
from meshguard.detectors import scan, suspect
from policykit import compliant, make_repo

PHONES = [f"+44 20 7946 {n:04d}" for n in range(1000, 1010)]


def _hook_command(hook: str) -> list[str]:
    """The command a pre-commit hook of meshguard runs (its entry), without the program name."""
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry: str = next(h["entry"] for h in hooks if h["id"] == hook)
    return entry.split()[1:]


def _git_repo(root: Path) -> None:
    for cmd in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.email=t@e", "-c", "user.name=t", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *cmd], cwd=root, check=True, capture_output=True)


def _with_email_field(doc: dict[str, Any]) -> dict[str, Any]:
    doc["schema"][0]["properties"].append(
        {"name": "contact_email", "logicalType": "string", "description": "Where receipts are sent"}
    )
    return doc


def test_unclassified_email_field_blocked_by_the_pre_commit_hook(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "domain", {"good": compliant()})
    _git_repo(repo)
    contract = repo / "contracts" / "good.odcs.yaml"
    clean = invoke(*_hook_command("meshguard-check"), "contracts/good.odcs.yaml", cwd=repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    contract.write_text(yaml.safe_dump(_with_email_field(compliant()), sort_keys=False), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    blocked = invoke(*_hook_command("meshguard-check"), "contracts/good.odcs.yaml", cwd=repo)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "GDPR-008" in blocked.stdout and "contact_email" in blocked.stdout


def test_unclassified_email_field_blocked_by_check(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"good": _with_email_field(compliant())})
    r = invoke("check", "--no-data", "--no-reports", "--no-history", "--format", "json", cwd=repo)
    assert r.returncode == 1, r.stderr
    found = {(f["rule_id"], f.get("field")) for p in json.loads(r.stdout)["products"] for f in p["findings"]}
    assert ("GDPR-008", "patients.contact_email") in found


def _minority_repo(root: Path, config: str = "") -> Path:
    """A product with a free-text ``notes`` column in which one value in ten is a phone number."""
    doc = compliant()
    doc["schema"][0]["properties"].append(
        {"name": "notes", "logicalType": "string", "classification": "internal", "description": "Agent notes"}
    )
    repo = make_repo(root, {"good": doc}, config=config or "contracts: {dir: contracts}\n")
    (repo / "data").mkdir()
    lines = ["patient_id,email,diagnosis,updated_at,notes"]
    for i in range(100):
        note = PHONES[i // 10] if i % 10 == 0 else f"called about appointment {i} all fine"
        lines.append(f"p{i},u{i}@example.com,A0{i % 10},2025-01-0{1 + i % 9},{note}")
    (repo / "data" / "good.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return repo


def test_phone_numbers_in_one_value_in_ten_are_flagged_with_counts(tmp_path: Path) -> None:
    repo = _minority_repo(tmp_path / "gov")
    r = invoke("check", "--no-reports", "--no-history", "--format", "json", cwd=repo)
    assert r.returncode == 1, r.stderr
    findings = [
        f for p in json.loads(r.stdout)["products"] for f in p["findings"] if f["rule_id"] == "GDPR-007"
    ]
    assert [f["field"] for f in findings] == ["patients.notes"]
    assert "phone" in findings[0]["message"] and "(10 of 100 sampled values)" in findings[0]["message"]


def test_minority_threshold_is_configurable(tmp_path: Path) -> None:
    repo = _minority_repo(tmp_path / "gov", "contracts: {dir: contracts}\ndata: {pii_min_fraction: 0.25}\n")
    r = invoke("check", "--no-reports", "--no-history", "--format", "json", cwd=repo)
    rules = {f["rule_id"] for p in json.loads(r.stdout)["products"] for f in p["findings"]}
    assert "GDPR-007" not in rules, r.stdout


def test_no_detected_value_in_any_output_byte(tmp_path: Path) -> None:
    """Every value of the column found to hold phone numbers (declared internal, not pii) is masked:
    failing-row samples, every report format, the decision log, stdout and stderr."""
    repo = _minority_repo(tmp_path / "gov")
    contract = repo / "contracts" / "good.odcs.yaml"
    doc = yaml.safe_load(contract.read_text(encoding="utf-8"))
    # a failing rule on the notes column, so failing rows (with their notes) are sampled
    doc["schema"][0]["properties"][-1]["quality"] = [
        {"type": "library", "metric": "invalidValues", "arguments": {"validValues": ["ok"]}, "mustBe": 0}
    ]
    contract.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    log = repo / "decisions.jsonl"
    outputs = [
        f"{fmt}={repo / 'out' / ('r.' + fmt)}" for fmt in ("json", "sarif", "junit", "markdown", "html")
    ]
    args = ["check", "--decision-log", str(log), "--format", "text", "--reports", str(repo / "reports")]
    r = invoke(*args, *[a for o in outputs for a in ("--output", o)], cwd=repo)
    assert r.returncode == 1, r.stderr
    files = [p for p in repo.rglob("*") if p.is_file() and p.suffix not in (".csv", ".yaml", ".rego")]
    assert log in files and len(files) >= 7
    report = json.loads((repo / "out" / "r.json").read_text(encoding="utf-8"))
    samples = [s for p in report["products"] for c in p["checks"] for s in c.get("samples", [])]
    assert any("notes" in s for s in samples), "failing rows, with their notes, were sampled"
    blobs = [r.stdout.encode(), r.stderr.encode(), *(p.read_bytes() for p in files)]
    digits = [p.replace(" ", "") for p in PHONES]
    for blob in blobs:
        for phone, compact in zip(PHONES, digits, strict=True):
            assert phone.encode() not in blob and compact.encode() not in blob


# --- the detectors themselves ------------------------------------------------------------


def test_value_detector_counts_a_minority_and_ignores_a_stray() -> None:
    values = ["ok"] * 90 + PHONES
    found = scan("notes", values)
    assert found.kinds == ["phone"] and found.counts == {"phone": 10} and found.sampled == 100
    assert scan("notes", ["ok"] * 99 + PHONES[:1]).kinds == []  # 1 in 100: below 0.05
    assert scan("notes", values, min_fraction=0.5).kinds == []


@pytest.mark.parametrize(
    ("name", "description", "kinds"),
    [
        ("email", None, ["email"]),
        ("customerEmailAddress", None, ["email"]),
        ("mobile_no", None, ["phone"]),
        ("ssn", None, ["national_id"]),
        ("date_of_birth", None, ["date_of_birth"]),
        ("zip", "Customer postal code", ["postal_address"]),
        ("client_ip", None, ["ip_address"]),
        ("iban", None, ["iban"]),
        ("card_number", None, ["payment_card"]),
        ("last_name", None, ["person_name"]),
        ("icd10_code", "Primary diagnosis", ["health"]),
        ("product_name", "Name of the product", []),
        ("order_id", "Order key", []),
        ("amount", "Amount paid", []),
        ("status", "Order status", []),
    ],
)
def test_name_detector(name: str, description: str | None, kinds: list[str]) -> None:
    assert suspect(name, description) == kinds


def test_every_detector_holds_its_precision_and_recall_floor() -> None:
    """On the labelled corpus (tests/piicorpus.py; benchmarks/pii_detectors.py prints the figures)."""
    from piicorpus import name_scores, value_scores

    for by, scores in (("value", value_scores()), ("name", name_scores())):
        for kind, s in scores.items():
            assert s.precision >= 0.85 and s.recall >= 0.8, (by, kind, s)
