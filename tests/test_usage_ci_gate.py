"""`meshguard check --ci` in a simulated GitHub Actions / GitLab CI job."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import invoke
from usage_helpers import contract, git, init_repo

BROKEN = "      - name: notes\n"  # no logicalType: MG013 error


def _repo(tmp_path: Path) -> Path:
    repo = init_repo(
        tmp_path / "domain",
        {"contracts/a.odcs.yaml": contract("alpha"), "contracts/b.odcs.yaml": contract("beta")},
    )
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "contracts/b.odcs.yaml").write_text(contract("beta", BROKEN))
    git(repo, "commit", "-qam", "add notes")
    return repo


def test_ci_on_github_actions_writes_summary_annotations_junit_and_sarif(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    summary = tmp_path / "step-summary.md"
    summary.write_text("## earlier step\n")
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_BASE_REF": "main",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    proc = invoke("check", "--ci", "--no-data", "--no-history", cwd=repo, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # annotations: one workflow command per blocking finding, with file and line
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("::error ") and "MG013" in ln)
    assert "file=contracts/b.odcs.yaml" in line and ",line=" in line and "MG013" in line
    # the summary is appended (other steps write there too)
    text = summary.read_text()
    assert text.startswith("## earlier step\n")
    assert "beta" in text and "MG013" in text and "|" in text
    # JUnit and SARIF in reports/
    junit = ET.parse(repo / "reports/junit.xml").getroot()
    assert (
        int(junit.get("failures", "0")) + sum(int(s.get("failures", "0")) for s in junit.iter("testsuite"))
        > 0
    )
    sarif = json.loads((repo / "reports/results.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "MG013" for r in results)
    # the whole mesh was checked (no --changed-only)
    assert "alpha" in (repo / "reports/junit.xml").read_text()


def test_ci_changed_only_on_gitlab_uses_the_merge_request_base(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = git(repo, "rev-parse", "main").stdout.strip()
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base,
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
    }
    proc = invoke(
        "check", "--ci", "--changed-only", "--no-data", "--no-history", "--format", "json", cwd=repo, env=env
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["id"] for p in doc["products"]] == ["beta"]
    assert not any(ln.startswith("::") for ln in proc.stderr.splitlines())  # no GitHub commands on GitLab
    assert (repo / "reports/junit.xml").exists() and (repo / "reports/results.sarif").exists()


def test_without_ci_nothing_extra_is_written(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    proc = invoke("check", "--no-data", "--no-history", "--no-reports", cwd=repo, env=env)
    assert proc.returncode == 1
    assert not summary.exists()
    assert not (repo / "reports").exists()
    assert "::error" not in proc.stdout + proc.stderr
