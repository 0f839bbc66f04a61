"""Every reporter renders the same scored result; each validates against its schema where one exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from meshguard.report import formats
from meshguard.report.formats import RenderContext, TrendPoint
from meshguard.report.publish import parse_output, use_colour
from meshguard.results.load import mesh_from_dict, results_schema
from meshguard.results.model import MeshResult
from meshkit import HOSTILE_SCRIPT, RAW_PII, build_mesh

SCHEMAS = Path(__file__).resolve().parent / "schemas"
CTX = RenderContext()


@pytest.fixture(scope="module")
def mesh() -> MeshResult:
    return build_mesh()


def render(name: str, mesh: MeshResult, ctx: RenderContext = CTX) -> str:
    return formats.get(name).render(mesh, ctx)


def validate_junit(text: str) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "JUnit.xsd")))
    doc = etree.fromstring(text.encode("utf-8"))
    schema.assertValid(doc)
    return doc


def validate_sarif(doc: dict) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)


def github_html(markdown: str) -> str:
    """The Markdown as GitHub renders it (cmark-gfm with its extensions, raw HTML kept)."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def validate_results(doc: dict) -> None:
    jsonschema.Draft202012Validator(results_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def test_registry_lists_every_format_and_rejects_unknown() -> None:
    assert formats.names() == ["text", "json", "junit", "sarif", "markdown", "github", "html"]
    with pytest.raises(Exception, match="unknown report format 'pdf'"):
        formats.get("pdf")


def test_json_validates_and_round_trips(mesh: MeshResult) -> None:
    doc = json.loads(render("json", mesh))
    validate_results(doc)
    assert doc["schema_version"] == results_schema()["properties"]["schema_version"]["const"]
    assert mesh_from_dict(doc).to_dict() == doc


def test_json_schema_rejects_a_broken_document(mesh: MeshResult) -> None:
    doc = json.loads(render("json", mesh))
    doc["products"][0]["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        validate_results(doc)


def test_junit_validates_one_suite_per_product(mesh: MeshResult) -> None:
    doc = validate_junit(render("junit", mesh))
    suites = doc.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"{p.id} {p.version}" for p in mesh.products]
    customers = suites[0]
    names = [c.get("name") for c in customers.findall("testcase")]
    assert "gdpr.retention: Personal data declares retention [email]" in names
    assert len(names) == len(set(names))
    assert "customers.email.nullValues: E-mail is always present" in names
    failures = customers.findall("testcase/failure")
    assert {f.get("type") for f in failures} == {"gdpr.retention", "customers.email.nullValues"}
    assert customers.get("failures") == "2"
    assert customers.get("skipped") == "1"  # the unsupported custom rule
    assert "remediation: Add slaProperties retention." in "".join(f.text or "" for f in failures)
    patients = suites[1]
    assert patients.find("testcase/skipped").get("message").startswith("waived")


def test_junit_survives_control_characters(mesh: MeshResult) -> None:
    broken = mesh_from_dict(mesh.to_dict())
    broken.products[0].findings[0] = type(broken.products[0].findings[0])(
        "X1", "lint", "error", "bell\x07 and nul\x00 inside"
    )
    validate_junit(render("junit", broken))


def test_sarif_validates_with_one_rule_per_id(mesh: MeshResult) -> None:
    doc = json.loads(render("sarif", mesh))
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    # a rule is declared only when it has a result (passing checks declare none)
    assert set(ids) == {r["ruleId"] for r in run["results"]}
    assert "ownership.team" not in ids  # passed everywhere
    retention = rules[ids.index("gdpr.retention")]
    assert retention["shortDescription"]["text"] == "Personal data declares retention"
    assert "Remediation: Add slaProperties retention." in retention["help"]["text"]
    assert retention["defaultConfiguration"]["level"] == "error"
    assert retention["properties"]["regulation"] == "GDPR"
    results = {(r["ruleId"], r["properties"]["product"]): r for r in run["results"]}
    loc = results[("gdpr.retention", "customers")]["locations"][0]["physicalLocation"]
    assert loc == {
        "artifactLocation": {"uri": "contracts/ecommerce/customers.odcs.yaml"},
        "region": {"startLine": 12},
    }
    assert results[("hipaa.minimum", "patients")]["suppressions"][0]["kind"] == "external"
    assert all(r["ruleIndex"] == ids.index(r["ruleId"]) for r in run["results"])
    assert ("customers.rowCount", "customers") not in results  # passing checks are rules, not results


def test_markdown_is_compact_and_escapes(mesh: MeshResult) -> None:
    md = render("markdown", mesh)
    assert md.startswith("## meshguard: ❌ fail")
    assert "| GDPR | 67% | 2/3 | 0 |" in md
    html = github_html(md)
    assert "customers" in html and "gdpr.retention" in html
    assert "<script>" not in md and "<img" not in md


def test_github_annotations(mesh: MeshResult) -> None:
    out = render("github", mesh)
    lines = [line for line in out.splitlines() if line.startswith("::")]
    assert (
        "::error file=contracts/ecommerce/customers.odcs.yaml,line=12,title=gdpr.retention Personal data "
        "declares retention::Personal data without a retention SLA%0ARemediation: Add slaProperties retention."
    ) in lines
    assert any(
        line.startswith("::warning file=contracts/ecommerce/customers.odcs.yaml,line=40,") for line in lines
    )
    assert not any("hipaa.minimum" in line for line in lines)  # waived: no annotation
    assert "## meshguard" in out


def test_text_colour_only_when_asked(mesh: MeshResult) -> None:
    plain = render("text", mesh)
    coloured = render("text", mesh, RenderContext(color=True))
    assert "\x1b[" not in plain and "\x1b[31m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "Mesh score" in plain and "GDPR" in plain


def test_no_color_is_honoured(monkeypatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty())  # type: ignore[arg-type]


def test_html_escapes_hostile_strings_and_is_self_contained(mesh: MeshResult) -> None:
    reporter = formats.get("html")
    ctx = RenderContext(
        trend=(TrendPoint("a", "2026-02-01T00:00:00+00:00", 70.0), TrendPoint("b", mesh.timestamp, 89.3)),
        sparklines={"customers": (60.0, 67.8)},
    )
    pages = dict(reporter.pages(mesh, ctx))
    index = reporter.render(mesh, ctx)
    assert len(pages) == len(mesh.products) + 3  # + the compliance matrix page, its CSV and JSON
    assert {"compliance.html", "compliance.csv", "compliance.json"} <= set(pages)
    html_pages = [t for name, t in pages.items() if name.endswith(".html")]
    for text in [index, *html_pages]:
        assert HOSTILE_SCRIPT not in text and "<img src=x" not in text
        assert "Content-Security-Policy" in text
        assert not re.search(r"""<[a-z]+[^>]*\ssrc=|<link|@import|url\(""", text), "no external resource"
        assert 'href="javascript:' not in text
    patients = next(t for name, t in pages.items() if "patients" in name)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in patients
    assert "<polyline" in index  # the trend chart drawn server side
    customers = next(t for name, t in pages.items() if "customers" in name)
    assert 'class="spark"' in customers
    assert "j***@***" in customers  # masked failing sample shown


def test_no_raw_guarded_value_in_any_rendering(mesh: MeshResult) -> None:
    outputs = [render(name, mesh) for name in formats.names()]
    outputs += [t for _, t in formats.get("html").pages(mesh, CTX)]
    for out in outputs:
        for raw in RAW_PII:
            assert raw not in out


def test_write_report_is_atomic_and_writes_pages(mesh: MeshResult, tmp_path: Path) -> None:
    target = tmp_path / "site" / "index.html"
    written = formats.write_report(formats.get("html"), mesh, CTX, target)
    assert target in written and len(written) == len(mesh.products) + 4
    assert all(p.exists() for p in written)
    assert not list(tmp_path.rglob("*.tmp"))


def test_parse_output(tmp_path: Path) -> None:
    spec = parse_output("sarif=out/x.sarif", tmp_path)
    assert spec.format == "sarif" and spec.path == tmp_path / "out" / "x.sarif"
    for bad in ("sarif", "pdf=x.pdf", "=x"):
        with pytest.raises(Exception, match="--output"):
            parse_output(bad, tmp_path)
