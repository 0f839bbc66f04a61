"""CI outputs that code-scanning tools and step summaries can trust.

* Markdown and GitHub outputs: a hostile corpus in every string that comes from a
  contract, data or a policy creates no markup at all once GitHub's renderer
  (cmark-gfm with its extensions) has read it: the tag structure equals that of
  the same mesh with plain words, and no link or image appears.
* SARIF (from real runs of the example repo) is valid against the SARIF 2.1.0
  schema, declares only rules with results, gives the same fingerprints in two
  runs, never reports one defect under two rule ids, and waived results carry
  the reason, approver and expiry.
* JUnit: valid, unique test names in every suite, measured times.
* Report files are as readable as the umask allows.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from conftest import PROJECT, SERIAL, SHARED, invoke
from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.results.model import CheckResult, Finding, Location, MeshResult, ProductResult, Waiver
from meshguard.results.scoring import score_mesh
from meshkit import RULES, copy_example_repo

SCHEMAS = SHARED / "schemas" if (SHARED / "schemas").is_dir() else PROJECT / "tests" / "schemas"

CORPUS = (
    "[Click to approve](https://evil.example/phish)",
    "![pixel](https://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    '<a href="https://evil.example">hi</a>',
    "**bold** _em_ ~~gone~~ `code`",
    "| a | b |",
    r"^[a-z0-9._%+-]+@example\.com$ https://evil.example/x www.evil.example",
    "<!-- hidden --> &lt;script&gt; &#x3C;b&#x3E;",
    "<details><summary>open</summary>",
    "ping @octocat, mail root@evil.example",
    "line one\n# heading\n- item\n\n> quote",
    "[ref]: https://evil.example 'title'",
)


def mesh_with(words: tuple[str, ...]) -> MeshResult:
    """One failing product whose every contract-, data- and policy-borne string is a corpus entry."""
    w = itertools.cycle(words)
    loc = Location(f"contracts/{next(w)}.odcs.yaml", 3, 5)
    waiver = Waiver("POL-2", "p1", next(w), next(w), "2030-01-01")
    product = ProductResult(
        id="p1",
        name=next(w),
        domain=next(w),
        owner=next(w),
        version="1.0.0",
        status="active",
        contract_path=loc.path,
        data_source="data/p1.csv",
        rows=10,
        checks=[
            CheckResult(
                id=next(w), name=next(w), stage="quality", status="failed", message=next(w), location=loc
            ),
            CheckResult(id="POL-1", name=next(w), stage="policy", status="failed", regulation=next(w)),
        ],
        findings=[
            Finding(
                "POL-1",
                "policy",
                "error",
                next(w),
                location=loc,
                field=next(w),
                title=next(w),
                regulation=next(w),
                remediation=next(w),
            ),
            Finding("POL-2", "policy", "error", next(w), status="waived", location=loc, waiver=waiver),
        ],
    )
    mesh = MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded", products=[product])
    mesh.findings.append(
        Finding("MG-WAIVER-STALE", "policy", "warning", next(w), status="warned", location=loc)
    )
    return score_mesh(mesh, RULES)


def github_html(markdown: str) -> str:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def tags(html: str) -> Counter[str]:
    return Counter(m.lower() for m in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html))


@pytest.mark.parametrize("fmt", ["markdown", "github"])
def test_hostile_corpus_creates_no_markup(fmt: str) -> None:
    plain = tuple(f"plain{i} words" for i in range(len(CORPUS)))
    hostile = formats.get(fmt).render(mesh_with(CORPUS), RenderContext())
    # workflow commands (::error …) are not Markdown: one line each, their data %-encoded
    commands = [line for line in hostile.splitlines() if line.startswith("::")]
    assert bool(commands) == (fmt == "github")
    assert all(re.fullmatch(r"::(error|warning|notice) [^\n]*::[^\n]*", c) for c in commands)
    markdown = "\n".join(line for line in hostile.splitlines() if not line.startswith("::"))
    hostile_html = github_html(markdown)
    plain_html = github_html(formats.get("markdown").render(mesh_with(plain), RenderContext()))
    assert tags(hostile_html) == tags(plain_html)
    assert "<a " not in hostile_html and "<img" not in hostile_html
    assert "evil.example" in hostile_html  # shown as text, not dropped
    assert "Click to approve" in hostile_html


def test_markdown_escaping_is_not_vacuous() -> None:
    """The same corpus through an unescaped cell makes live links: the comparison above can fail."""
    raw = "\n\n".join(CORPUS)
    html = github_html(raw)
    assert "<a " in html and "<img" in html


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Two real runs of the example repo, their SARIF and JUnit outputs."""
    root = copy_example_repo(PROJECT, tmp_path_factory.mktemp("mesh"))
    out = []
    for i in range(2):
        r = invoke(
            "check",
            *SERIAL,
            "--no-history",
            "--no-reports",
            "--fail-on",
            "never",
            "--output",
            f"sarif=out{i}/results.sarif",
            "--output",
            f"junit=out{i}/junit.xml",
            "--output",
            f"json=out{i}/results.json",
            cwd=root,
        )
        assert r.returncode == 0, r.stderr
        out.append(
            {
                "sarif": json.loads((root / f"out{i}" / "results.sarif").read_text()),
                "junit": (root / f"out{i}" / "junit.xml").read_text(),
                "json": json.loads((root / f"out{i}" / "results.json").read_text()),
                "dir": root / f"out{i}",
            }
        )
    return out


def test_sarif_is_valid_and_declares_only_used_rules(runs: list[dict]) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    for run in runs:
        jsonschema.Draft4Validator(schema).validate(run["sarif"])
        sarif = run["sarif"]["runs"][0]
        rules = [r["id"] for r in sarif["tool"]["driver"]["rules"]]
        used = {r["ruleId"] for r in sarif["results"]}
        assert len(rules) == len(set(rules)) and set(rules) == used
        assert all(r["ruleIndex"] == rules.index(r["ruleId"]) for r in sarif["results"])
        assert len(sarif["results"]) <= 25_000 and len(rules) <= 25_000


def test_sarif_fingerprints_are_stable_and_unique(runs: list[dict]) -> None:
    def prints(run: dict) -> list[str]:
        return [r["partialFingerprints"]["meshguard/v1"] for r in run["sarif"]["runs"][0]["results"]]

    first, second = prints(runs[0]), prints(runs[1])
    assert first and first == second
    assert len(set(first)) == len(first)
    assert (
        runs[0]["sarif"]["runs"][0]["automationDetails"] != runs[1]["sarif"]["runs"][0]["automationDetails"]
    )


def test_sarif_one_rule_id_per_defect(runs: list[dict]) -> None:
    results = runs[0]["sarif"]["runs"][0]["results"]
    # a failed data check is reported once, under its kind, carrying its policy consequence
    checks = Counter((r["properties"]["product"], r["properties"].get("check")) for r in results)
    assert all(n == 1 for key, n in checks.items() if key[1] is not None)
    assert not [r for r in results if r["ruleId"] == "QUA-003"]
    consequences = [r for r in results if r["properties"].get("policy")]
    assert consequences, "the failed blocking checks carry their policy consequence"
    assert {r["properties"]["policy"]["rule_id"] for r in consequences} == {"QUA-003"}
    # a breaking change is one decision (versioning rules), never also a policy's
    versioning = {r["ruleId"] for r in results if r["properties"]["stage"] == "versioning"}
    assert not versioning & {"VER-001"}


def test_sarif_regions_and_suppressions(runs: list[dict]) -> None:
    results = runs[0]["sarif"]["runs"][0]["results"]
    for r in results:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        if uri.startswith("contracts/"):
            assert "region" in r["locations"][0]["physicalLocation"], r["message"]
    waived = [r for r in results if r.get("suppressions")]
    assert waived
    for r in waived:
        s = r["suppressions"][0]
        assert s["status"] == "accepted"
        assert re.match(r"waived until \d{4}-\d\d-\d\d, approved by \S+@\S+: .{10,}", s["justification"])


def test_junit_names_unique_and_times_measured(runs: list[dict]) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "JUnit.xsd")))
    doc = etree.fromstring(runs[0]["junit"].encode())
    schema.assertValid(doc)
    for suite in doc.findall("testsuite"):
        names = [c.get("name") for c in suite.findall("testcase")]
        assert len(names) == len(set(names)), suite.get("name")
        times = [float(c.get("time")) for c in suite.findall("testcase")]
        assert sum(times) > 0
        assert sum(times) <= float(suite.get("time")) + 1e-5


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_report_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        written = formats.write_report(
            formats.get("html"), mesh_with(("x",)), RenderContext(), tmp_path / "site" / "index.html"
        )
    finally:
        os.umask(old)
    assert written
    assert {p.stat().st_mode & 0o777 for p in written} == {mode}


def test_cli_report_files_are_world_readable(runs: list[dict]) -> None:
    for name in ("results.sarif", "junit.xml", "results.json"):
        assert (runs[0]["dir"] / name).stat().st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
