"""A CI runner reads commands from what a step prints: GitHub's runner a line starting ``::``
after whitespace and ``##[`` anywhere in a line, the Azure Pipelines agent ``##vso[`` anywhere
and ``##[``; both end a line at a carriage return too. A contract's strings (its id, name,
domain, descriptions, rule names, a column's name, a value quoted in a failed check) reach
every printed format: none of them may command the runner, and each keeps the same text once
read back (JSON and XML parsed, Markdown's character references)."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import invoke
from meshguard import printsafe
from meshguard.errors import UsageError
from meshguard.progress import Step
from meshguard.report.progress import Progress

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: "p ##vso[task.setvariable variable=ID]owned"
name: "##[error]name"
version: 1.0.0
status: active
domain: "::error::domain"
description:
  purpose: "##vso[task.complete result=Succeeded]purpose"
servers:
  - server: local
    type: local
    path: data/p.csv
    format: csv
schema:
  - name: "t ##vso[task.prependpath]/evil"
    physicalName: p
    properties:
      - name: id
        logicalType: integer
        required: true
        description: "an id\\n  ::add-mask::x"
        quality:
          - metric: nullValues
            mustBe: 0
            name: "##vso[task.uploadfile]/etc/passwd"
      - name: "c ##[group]x"
        logicalType: string
        logicalTypeOptions:
          pattern: "^a$"
"""
HOSTILE = ("##vso[task.setvariable variable=ID]owned", "##vso[task.prependpath]/evil", "::error::domain")


def commands(text: str, annotations: bool = False) -> list[str]:
    """The lines of ``text`` a runner would take as a command (``annotations``: but the
    ``::error``/``::warning``/``::notice`` lines the github format writes on purpose)."""
    found = []
    for line in re.split(r"\r\n|\r|\n", text):
        head = line.lstrip()
        ours = annotations and re.match(r"::(error|warning|notice) ", head)
        if (head.startswith("::") and not ours) or "##[" in line or "##vso[" in line.lower():
            found.append(line)
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """``check`` of a contract whose strings are CI commands, in every printed format."""
    repo = tmp_path_factory.mktemp("ci")
    (repo / "contracts").mkdir()
    (repo / "data").mkdir()
    (repo / "contracts" / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    (repo / "data" / "p.csv").write_text("id,c ##[group]x\n1,##vso[task.setvariable variable=V]b\n,x\n")
    others = ("json", "sarif", "junit", "markdown", "github")
    args = [f"--output={f}={repo / f}" for f in others]
    r = invoke("check", "--root", str(repo), "--format", "text", *args, cwd=repo)
    assert r.returncode == 1, r.stdout + r.stderr
    assert not commands(r.stderr), r.stderr
    html = invoke("check", "--root", str(repo), "--format", "html", "--no-reports", cwd=repo)
    assert html.returncode == 1, html.stdout + html.stderr
    return {
        "text": r.stdout,
        "html": html.stdout,
        **{f: (repo / f).read_text(encoding="utf-8") for f in others},
    }


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown", "github", "html"])
def test_no_contract_string_commands_the_runner(printed: dict[str, str], fmt: str) -> None:
    text = printed[fmt]
    assert ("evil" in text or "owned" in text) and "##" in text  # the hostile strings are there
    assert not commands(text, annotations=fmt == "github"), fmt


def test_each_format_reads_back_the_same_strings(printed: dict[str, str]) -> None:
    strings: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            strings.append(value)

    for fmt in ("json", "sarif"):
        strings.clear()
        walk(json.loads(printed[fmt]))
        assert any(HOSTILE[1] in s for s in strings), fmt
    assert HOSTILE[0] in json.loads(printed["json"])["products"][0]["id"]
    xml = "".join(
        f"{e.text or ''} {' '.join(e.attrib.values())}"
        for e in ET.fromstring(printed["junit"].split("\n", 1)[1]).iter()
    )
    assert all(h in xml for h in HOSTILE[:2])
    assert "##vso&#91;task.setvariable variable=ID]owned" in printed["markdown"]
    # plain text writes the character it must not print as the text report writes a control one
    assert "##vso\\x5btask.setvariable variable=ID]owned" in printed["text"]
    assert "  \\x3a:error::domain" in printed["text"]


def test_the_status_line_and_an_error_line_command_nothing() -> None:
    term = io.StringIO()
    bar = Progress(stream=term, delay=0, force=True)
    bar.step(Step("p ##vso[task.setvariable variable=X]y", "reading", "##[group]t"))
    bar.close()
    assert "variable=X" in term.getvalue() and not commands(term.getvalue())
    error = str(UsageError("no product '::x ##vso[task.setvariable variable=X]y'", path="a\n::error::b"))
    assert "variable=X" in error and not commands(error)


def test_changelog_commands_nothing(tmp_path: Path) -> None:
    old = tmp_path / "old.odcs.yaml"
    new = tmp_path / "new.odcs.yaml"
    old.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: p\nname: p\nversion: 1.0.0\nstatus: active\nschema:\n"
        '  - name: t\n    properties:\n      - name: "x\\n::error::gone ##vso[task.complete]"\n'
        "        logicalType: string\n      - name: y\n        logicalType: string\n",
        encoding="utf-8",
    )
    new.write_text(
        old.read_text(encoding="utf-8").replace("1.0.0", "2.0.0").split('      - name: "x')[0]
        + "      - name: y\n        logicalType: string\n",
        encoding="utf-8",
    )
    r = invoke("changelog", str(old), str(new), "--root", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gone" in r.stdout and not commands(r.stdout)


def test_inert_leaves_other_text_as_it_is() -> None:
    for text in ("a: b", "x::y", "#[x]", "# [x]", "a ## [b]", "ok\n  : :x", "\x1b[2J"):
        assert printsafe.inert(text) == text
    assert printsafe.inert("a\r\t::x::y\n##VSO[x]") == "a\r\t\\x3a:x::y\n##VSO\\x5bx]"


def test_policy_input_commands_nothing(tmp_path: Path) -> None:
    (tmp_path / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    r = invoke("policy", "input", "p.odcs.yaml", "--root", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not commands(r.stdout)
    assert json.loads(r.stdout)["contract"]["id"] == "p ##vso[task.setvariable variable=ID]owned"


def test_import_prints_a_columns_name_inert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``meshguard import`` names each column it proposes a classification for: the name comes
    from the imported source (a CSV header, a DDL), so it is printed as the reports print one."""
    from meshguard.commands import importing
    from meshguard.contracts.importer import Imported, Proposal

    column = "c\x1b]0;owned\x07 ##vso[task.setvariable variable=X]y"
    imported = Imported(
        {"id": "x", "schema": [{"name": "t"}]}, [Proposal("t", column, ("email",), "pii", "restricted")]
    )
    monkeypatch.setattr(importing, "import_contract", lambda *a, **k: imported)
    (tmp_path / "s.csv").write_text("a\n1\n")
    r = invoke(
        "import", "csv", "s.csv", "--domain", "d", "--owner", "o", "--root", str(tmp_path), cwd=tmp_path
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "c\\x1b]0;owned\\x07 ##vso\\x5btask.setvariable variable=X]y" in r.stdout
    assert not commands(r.stdout) and "\x1b" not in r.stdout
