"""Every result-printing command renders through the one reporter registry and exits through the
one gate: for each command × machine format the written file validates (SARIF 2.1.0 schema,
JUnit XSD, the results JSON Schema), the JSON is the API's result, and the exit code is what
:func:`meshguard.results.gate.exit_code` says of that JSON for each ``--fail-on``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

import meshguard
from conftest import PROJECT, invoke
from meshguard.results.gate import exit_code
from meshguard.results.load import mesh_from_dict, results_schema
from policykit import POLICIES, compliant, make_repo, prop

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ORDERS = PROJECT / "contracts" / "ecommerce" / "orders"
NOW = ("--now", "2026-11-25T00:00:00Z")

#: command → its arguments over the example repo (every format applies to these)
COMMANDS: dict[str, tuple[str, ...]] = {
    "lint": ("lint",),
    "test": ("test", "customers", *NOW),
    "diff": ("diff", str(ORDERS / "1.1.0.odcs.yaml"), str(ORDERS / "2.0.0.odcs.yaml")),
    "policy eval": ("policy", "eval", *NOW),
    "policy test": ("policy", "test"),
    "policy lint": ("policy", "lint", str(POLICIES)),
}
FILES = {"sarif": "out.sarif", "junit": "out.xml", "markdown": "out.md", "json": "out.json"}


def validate_sarif(doc: dict[str, Any]) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)


def validate_junit(path: Path) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "JUnit.xsd")))
    doc = etree.parse(str(path))
    schema.assertValid(doc)
    root: etree._Element = doc.getroot()
    return root


def run_outputs(command: str, tmp_path: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    args = [*COMMANDS[command], "--format", "json", *extra]
    for fmt, name in FILES.items():
        args += ["--output", f"{fmt}={tmp_path / name}"]
    proc = invoke(*args, cwd=PROJECT, env={"CI": ""}, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr
    return proc, json.loads(proc.stdout)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_machine_format_validates_and_the_gate_decides(command: str, tmp_path: Path) -> None:
    proc, doc = run_outputs(command, tmp_path)
    assert doc["command"] == command
    jsonschema.Draft202012Validator(results_schema()).validate(doc)
    # the file written with --output json is the document printed on stdout
    assert json.loads((tmp_path / "out.json").read_text()) == doc
    validate_sarif(json.loads((tmp_path / "out.sarif").read_text()))
    junit = validate_junit(tmp_path / "out.xml")
    assert len(junit.findall("testsuite")) == len(doc["products"]) > 0
    failing = {
        c["id"]
        for p in doc["products"]
        for c in p["checks"]
        if c["status"] == "failed" and c["severity"] == "error"
    }
    failing |= {
        f["rule_id"]
        for p in doc["products"]
        for f in p["findings"]
        if f["status"] == "failed" and f["severity"] == "error"
    }
    failed_cases = {f.get("type") for f in junit.iter("failure")}
    assert failed_cases == failing, command  # the JUnit failures are the blocking items of the JSON
    assert (tmp_path / "out.md").read_text().strip()
    mesh = mesh_from_dict(doc)
    assert proc.returncode == exit_code(mesh, "error")


def test_lint_json_is_the_api_result() -> None:
    proc = invoke("lint", "--format", "json", cwd=PROJECT)
    doc = json.loads(proc.stdout)
    api = meshguard.lint(PROJECT)
    assert [p["contract_path"] for p in doc["products"]] == [lc.contract.path for lc in api.contracts]
    assert [p["findings"] for p in doc["products"]] == [
        [f.to_dict() for f in lc.findings] for lc in api.contracts
    ]
    assert doc["summary"]["errors"] == api.error_count and doc["summary"]["unreadable"] == len(api.unreadable)


def test_diff_json_is_the_api_result() -> None:
    old, new = ORDERS / "1.1.0.odcs.yaml", ORDERS / "2.0.0.odcs.yaml"
    (product,) = json.loads(invoke("diff", str(old), str(new), "--format", "json", cwd=PROJECT).stdout)[
        "products"
    ]
    api = meshguard.diff(old, new, root=PROJECT)
    assert product["changes"] == [c.to_dict() for c in api.versions.changes]
    assert product["findings"] == [f.to_dict() for f in api.versions.findings]


def _broken_repo(tmp_path: Path) -> Path:
    """One contract with a policy violation and a lint warning, one file that is not ODCS,
    and a policy test that fails."""
    bad = compliant()
    bad["team"] = None  # OWN-001: no owner
    prop(bad, "email")["classification"] = None
    repo = make_repo(tmp_path / "gov", {"bad": bad})
    (repo / "policies" / "broken_test.rego").write_text(
        "package meshguard.broken_test\n\ntest_fails if {\n  1 == 2\n}\n", encoding="utf-8"
    )
    return repo


@pytest.mark.parametrize(
    "args",
    [
        ("lint",),
        ("policy", "eval", *NOW),
        ("policy", "test"),
    ],
    ids=["lint", "policy-eval", "policy-test"],
)
def test_exit_code_is_the_gate_for_every_fail_on(args: tuple[str, ...], tmp_path: Path) -> None:
    """A command deciding its own exit code (ignoring --fail-on never, or missing a blocking
    finding) gives a code the gate would not."""
    repo = _broken_repo(tmp_path)
    codes = {}
    for fail_on in ("error", "warn", "never"):
        extra = () if args[:2] == ("policy", "test") else ("--fail-on", fail_on)
        proc = invoke(*args, "--format", "json", *extra, cwd=repo)
        assert proc.returncode in (0, 1, 2), proc.stderr
        mesh = mesh_from_dict(json.loads(proc.stdout))
        expected = exit_code(mesh, "error" if args[:2] == ("policy", "test") else fail_on)
        assert proc.returncode == expected, (fail_on, proc.stdout[-1500:], proc.stderr)
        codes[fail_on] = proc.returncode
    if args[:2] == ("policy", "test"):
        assert codes["error"] == 1  # the failing test fails the run
    else:
        assert codes == {"error": 1, "warn": 1, "never": 0}, codes


NON_PORTABLE = (
    "package meshguard.mine\n\n"
    'deny contains "x" if not is_string(input.contract.owner.name)\n\n'
    'deny contains sprintf("%s", [input.contract.id]) if input.contract.id\n'
)


def test_policy_lint_warnings_are_findings_and_the_gate_decides(tmp_path: Path) -> None:
    """PORT001/PORT002 are warning findings at file:line in every format; they fail the run only
    under --fail-on warn, which --strict means."""
    repo = tmp_path / "gov"
    (repo / "policies").mkdir(parents=True)
    (repo / "meshguard.yaml").write_text("contracts: {dir: contracts}\n", encoding="utf-8")
    (repo / "policies" / "mine.rego").write_text(NON_PORTABLE, encoding="utf-8")
    codes = {}
    for fail_on in ("error", "warn", "never"):
        args = ["policy", "lint", "--format", "json", "--fail-on", fail_on]
        for fmt, name in FILES.items():
            args += ["--output", f"{fmt}={tmp_path / name}"]
        proc = invoke(*args, cwd=repo)
        doc = json.loads(proc.stdout)
        jsonschema.Draft202012Validator(results_schema()).validate(doc)
        (product,) = doc["products"]
        assert product["contract_path"] == "policies/mine.rego"
        found = [(f["rule_id"], f["severity"], f["location"]["line"]) for f in product["findings"]]
        assert found == [("PORT001", "warning", 3), ("PORT002", "warning", 5)]
        assert proc.returncode == exit_code(mesh_from_dict(doc), fail_on), proc.stderr
        codes[fail_on] = proc.returncode
        sarif = json.loads((tmp_path / "out.sarif").read_text())
        validate_sarif(sarif)
        assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["PORT001", "PORT002"]
        assert len(validate_junit(tmp_path / "out.xml").findall("testsuite")) == 1
    assert codes == {"error": 0, "warn": 1, "never": 0}, codes
    strict = invoke("policy", "lint", "--strict", cwd=repo)
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert "policies/mine.rego:3: warning PORT001" in strict.stdout
    assert "1 modules: 2 portability warning(s)" in strict.stdout
    both = invoke("policy", "lint", "--strict", "--fail-on", "never", cwd=repo)
    assert both.returncode == 2 and both.stderr.count("\n") == 1, both.stderr


def test_policy_lint_in_a_repo_without_policies_lints_the_builtin_pack(tmp_path: Path) -> None:
    """The default layout has no policies/ (the built-in pack decides): policy lint checks the
    pack a check would run, not a usage error about a missing folder."""
    repo = make_repo(tmp_path / "gov", {"ok": compliant()})
    shutil.rmtree(repo / "policies")
    proc = invoke("policy", "lint", "--strict", "--format", "json", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["summary"]["warnings"] == 0
    assert doc["summary"]["modules"] == len(list(POLICIES.glob("*.rego")))


def test_an_unreadable_contract_is_exit_2_whatever_fail_on_says(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gov", {"ok": compliant()})
    (repo / "contracts" / "broken.odcs.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    proc = invoke("lint", "--fail-on", "never", "--output", f"sarif={tmp_path / 'l.sarif'}", cwd=repo)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "[MG000 error]" in proc.stdout
    sarif = json.loads((tmp_path / "l.sarif").read_text())
    validate_sarif(sarif)
    assert "MG000" in {r["ruleId"] for r in sarif["runs"][0]["results"]}


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("diff", "a.odcs.yaml", "b.odcs.yaml"), ("--format", "html")),
        (("policy", "test"), ("--output", "html=site/index.html")),
        (("policy", "lint"), ("--format", "html")),
    ],
)
def test_a_format_that_does_not_apply_is_a_usage_error(
    args: tuple[str, ...], option: tuple[str, ...]
) -> None:
    proc = invoke(*args, *option, cwd=PROJECT)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "'html' does not apply" in err and "json" in err and "sarif" in err, err


def test_a_bad_output_spec_fails_before_any_work(tmp_path: Path) -> None:
    proc = invoke("lint", "--output", "sarif", cwd=PROJECT)
    assert proc.returncode == 2 and "--output expects FORMAT=PATH" in proc.stderr
    proc = invoke("test", "--output", "nope=x.txt", cwd=PROJECT)
    assert proc.returncode == 2 and "unknown format 'nope'" in proc.stderr


def test_html_scorecards_for_lint(tmp_path: Path) -> None:
    site = tmp_path / "site" / "index.html"
    proc = invoke("lint", "--output", f"html={site}", cwd=PROJECT)
    assert proc.returncode == 0, proc.stderr
    text = site.read_text()
    assert "<html" in text.lower() and "customers" in text


def test_same_option_names_on_every_result_command() -> None:
    """--format NAME (every registered reporter) and repeatable --output FORMAT=PATH everywhere."""
    import click

    from meshguard.cli import cli
    from meshguard.report.formats import names

    ctx = click.Context(cli)
    for path in ("check", "lint", "test", "diff", "policy eval", "policy test", "policy lint", "report"):
        command = cli.get_command(ctx, path.split()[0])
        for sub in path.split()[1:]:
            assert isinstance(command, click.Group)
            command = command.commands[sub]
        assert command is not None
        fmt = next(p for p in command.params if "--format" in p.opts)
        output = next(p for p in command.params if "--output" in p.opts)
        assert output.multiple and output.metavar == "FORMAT=PATH", path
        assert isinstance(fmt.type, click.Choice) and set(names()) <= set(fmt.type.choices), path
