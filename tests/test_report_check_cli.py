"""``meshguard check`` end to end through its command line (run in-process, see conftest.invoke): formats, files,
history, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from conftest import invoke
from meshguard.results.load import results_schema

SCHEMAS = Path(__file__).resolve().parent / "schemas"
LEAN = ("--no-data", "--no-policy")  # contract-level gate only: deterministic whatever the policy pack says


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    out = invoke("init", cwd=root)
    assert out.returncode == 0, out.stderr
    return root


def contract(root: Path) -> Path:
    return root / "contracts" / "example" / "example.odcs.yaml"


def edit(root: Path, old: str, new: str) -> None:
    path = contract(root)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_all_formats_at_once_validate(repo: Path) -> None:
    outs = {
        "json": "out/results.json",
        "junit": "out/junit.xml",
        "sarif": "out/results.sarif",
        "markdown": "out/summary.md",
        "github": "out/github.txt",
        "text": "out/results.txt",
    }
    args = [a for fmt, path in outs.items() for a in ("--output", f"{fmt}={path}")]
    r = invoke("check", "--format", "json", *args, cwd=repo)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    jsonschema.Draft202012Validator(results_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    assert json.loads((repo / outs["json"]).read_text())["run_id"] == doc["run_id"]
    etree.XMLSchema(etree.parse(str(SCHEMAS / "JUnit.xsd"))).assertValid(
        etree.parse(str(repo / outs["junit"]))
    )
    sarif_schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(sarif_schema).validate(json.loads((repo / outs["sarif"]).read_text()))
    assert (repo / outs["markdown"]).read_text().startswith("## meshguard")
    assert "\x1b[" not in (repo / outs["text"]).read_text()
    assert (repo / "reports" / "index.html").exists()
    assert list((repo / "reports" / "products").glob("example-product-1.0.0.html"))
    assert (repo / "reports" / "history.db").exists()
    assert doc["products"][0]["id"] == "example-product"


def test_exit_0_when_clean_and_warnings_pass_unless_fail_on_warn(repo: Path) -> None:
    r = invoke("check", *LEAN, cwd=repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "\x1b[" not in r.stdout  # not a TTY: no colour
    edit(repo, "domain: example\n", "")  # MG021 warning: no domain
    r = invoke("check", *LEAN, "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["products"][0]["verdict"] == "warn"
    r = invoke("check", *LEAN, "--fail-on", "warn", cwd=repo)
    assert r.returncode == 1


def test_exit_1_on_a_blocking_finding_and_never_overrides(repo: Path) -> None:
    team = "team:\n  name: example-team\n  members:\n    - username: owner@example.com\n      role: owner\n"
    edit(repo, team, "")  # MG010 (no owner) is an error in this repo's config
    r = invoke("check", *LEAN, "--format", "github", cwd=repo)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "::error file=contracts/example/example.odcs.yaml,line=" in r.stdout
    assert invoke("check", *LEAN, "--fail-on", "never", cwd=repo).returncode == 0


def test_exit_2_on_an_unreadable_contract_or_bad_usage(repo: Path) -> None:
    (repo / "contracts" / "broken.odcs.yaml").write_text("apiVersion: [unclosed\n")
    r = invoke("check", *LEAN, "--format", "sarif", cwd=repo)
    assert r.returncode == 2
    assert "broken.odcs.yaml" in r.stdout  # still reported, located
    r = invoke("check", *LEAN, "--fail-on", "never", cwd=repo)
    assert r.returncode == 2, r.stdout + r.stderr  # shadow mode never waves unreadable input through
    r = invoke("check", "--output", "pdf=x.pdf", cwd=repo)
    assert r.returncode == 2 and "unknown format 'pdf'" in r.stderr


def test_exit_3_when_the_history_store_is_unavailable(repo: Path) -> None:
    r = invoke("check", *LEAN, "--history-url", "postgresql://meshguard@127.0.0.1:1/none", cwd=repo)
    assert r.returncode == 3, r.stderr
    assert r.stderr.startswith("meshguard: error: run history") and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_history_lists_runs_and_report_rerenders_one(repo: Path) -> None:
    first = json.loads(invoke("check", *LEAN, "--format", "json", cwd=repo).stdout)
    edit(repo, "domain: example\n", "")
    second = json.loads(invoke("check", *LEAN, "--format", "json", cwd=repo).stdout)
    listed = json.loads(invoke("history", "--format", "json", cwd=repo).stdout)
    assert [r["run_id"] for r in listed] == [second["run_id"], first["run_id"]]
    assert listed[1]["score"] == first["summary"]["score"] and listed[0]["verdict"] == "warn"
    text = invoke("history", "--product", "example-product", cwd=repo).stdout
    assert first["run_id"][:12] in text and second["run_id"][:12] in text
    assert "no run" in invoke("history", "--domain", "nowhere", cwd=repo).stdout
    again = invoke("report", "--from-history", first["run_id"][:10], "--format", "json", cwd=repo)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == first
    junit = invoke("report", "--from-history", "latest", "--format", "junit", cwd=repo)
    assert junit.returncode == 0 and "<testsuites>" in junit.stdout
    missing = invoke("report", "--from-history", "doesnotexist", cwd=repo)
    assert missing.returncode == 2 and "no run 'doesnotexist'" in missing.stderr
    index = (repo / "reports" / "index.html").read_text()
    assert "<polyline" in index  # two runs: the trend is a line
    page = (repo / "reports" / "products" / "example-product-1.0.0.html").read_text()
    assert 'class="spark"' in page


def test_reports_dir_and_no_reports(repo: Path, tmp_path: Path) -> None:
    r = invoke("check", *LEAN, "--reports", str(tmp_path / "site"), "--no-history", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "site" / "index.html").exists() and not (tmp_path / "site" / "history.db").exists()
    r = invoke("check", *LEAN, "--no-reports", "--no-history", "--reports", str(tmp_path / "none"), cwd=repo)
    assert r.returncode == 0 and not (tmp_path / "none").exists()
    assert "products" not in r.stderr  # no terminal: no progress bar
    r = invoke("check", *LEAN, "--no-reports", "--no-history", "--progress", cwd=repo)
    assert r.returncode == 0 and "] 1/1 products" in r.stderr
