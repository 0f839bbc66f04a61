"""The text report is what a terminal shows: a contract's (or its data's) control characters,
which a YAML string may hold (``"\\e[2J"``, ``"\\r"``), are printed escaped, never sent to the
terminal as they are; the report's own colours stay."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import invoke
from meshguard.report import formats
from meshguard.report.formats import RenderContext
from meshguard.results.model import CheckResult, MeshResult, ProductResult
from meshguard.results.scoring import score_mesh
from meshkit import RULES

HOSTILE = "x\x1b]0;owned\x07\x1b[2J\rhidden\x9b1;1H\x7f"


def _mesh() -> MeshResult:
    product = ProductResult(HOSTILE, "n", HOSTILE, "t", "1.0.0", "active", "contracts/p.odcs.yaml")
    product.checks.append(CheckResult(id="p.c", name="c", stage="quality", status="failed", message=HOSTILE))
    mesh = MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded", products=[product])
    return score_mesh(mesh, RULES)


def test_control_characters_are_escaped_and_colours_kept() -> None:
    text = formats.get("text")
    plain = text.render(_mesh(), RenderContext(color=False))
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", plain)
    assert "x\\x1b]0;owned\\x07\\x1b[2J\\x0dhidden\\x9b1;1H\\x7f" in plain
    coloured = text.render(_mesh(), RenderContext(color=True))
    # every escape left is a colour the report painted: ESC [ digits m
    assert "\x1b[" in coloured and not re.search(
        r"\x1b(?!\[\d+m)|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]", coloured
    )
    assert re.sub(r"\x1b\[\d+m", "", coloured) == plain


def test_a_newline_in_a_value_does_not_start_a_line() -> None:
    """A CI log reads a line starting ``::`` as a command to the runner (``::error``,
    ``::stop-commands``): a contract's string or file name holding a newline stays on its
    line, the newline written ``\\n``."""
    product = ProductResult("p", "n", "d\n::error::domain", "t", "1.0.0", "active", "c/x\n::error::path.yaml")
    product.checks.append(CheckResult(id="p.c", name="c", stage="quality", status="failed", message="m"))
    mesh = score_mesh(
        MeshResult("r" * 32, "2026-03-01T10:00:00+00:00", "0.1.0", "embedded", products=[product]), RULES
    )
    text = formats.get("text").render(mesh, RenderContext(color=False))
    assert not [line for line in text.splitlines() if line.lstrip().startswith("::")]
    assert "d\\n::error::domain" in text and "c/x\\n::error::path.yaml" in text


def test_lint_of_a_file_whose_name_holds_a_newline(tmp_path: Path) -> None:
    (tmp_path / "x\n::error::name.odcs.yaml").write_text("apiVersion: v3.1.0\n", encoding="utf-8")
    r = invoke("lint", "--root", str(tmp_path), str(tmp_path), cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert not [line for line in r.stdout.splitlines() if line.lstrip().startswith("::")]
    assert "x\\n::error::name.odcs.yaml" in r.stdout


def test_markdown_and_github_escape_control_characters_as_the_text_report_does() -> None:
    """Both are printed to stdout by ``--format markdown`` / ``--format github`` (and the
    annotations to stderr by ``check --ci``): a terminal shows them as the text report."""
    for name in ("markdown", "github"):
        out = formats.get(name).render(_mesh(), RenderContext())
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), name
        assert "\\x1b" in out and "\\x07" in out, name


def test_changelog_escapes_control_characters(tmp_path: Path) -> None:
    body = "apiVersion: v3.1.0\nkind: DataContract\nid: p\nname: p\nstatus: active\nschema:\n  - name: t\n"
    (tmp_path / "old.odcs.yaml").write_text(
        body.replace("status", "version: 1.0.0\nstatus")
        + '    properties:\n      - name: "gone\\e]0;owned\\a\\e[2J"\n        logicalType: string\n'
        "      - name: y\n        logicalType: string\n",
        encoding="utf-8",
    )
    (tmp_path / "new.odcs.yaml").write_text(
        body.replace("status", "version: 2.0.0\nstatus")
        + "    properties:\n      - name: y\n        logicalType: string\n",
        encoding="utf-8",
    )
    r = invoke("changelog", "old.odcs.yaml", "new.odcs.yaml", "--root", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gone\\x1b]0;owned\\x07\\x1b[2J" in r.stdout
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", r.stdout)
