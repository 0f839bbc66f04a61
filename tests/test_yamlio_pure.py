"""PyYAML built without libyaml (a platform with no wheel, a source build without the headers):
``yamlio`` then composes with PyYAML's pure-Python safe loader under its own tag resolver. Each
file must read to the same data, lines and columns as with libyaml, a malformed one fail at the
same line, and ``meshguard lint`` print the same report. The pure-Python side runs in a child
interpreter with ``yaml._yaml`` blocked, as if the extension had never been built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from conftest import ODCS_EXAMPLES, PROJECT
from meshguard.yamlio import YamlDocument, YamlError, parse_yaml

#: the child's first lines: PyYAML imported as if built without libyaml
WITHOUT_LIBYAML = "import sys\nsys.modules['yaml._yaml'] = None\n"

MALFORMED = [
    "a: b: c\n",
    "a:\n  - x\n - y\n",
    "a: [1, 2\n",
    "a: 1\na: 2\n",
    "key: 'open\n",
    "a:\n\tb: 1\n",
    "x: *nothing\n",
    "a: 0x_\n",
    "- {a: 1, a: 2}\n",
]


def _files() -> list[Path]:
    own = [
        *sorted((PROJECT / "contracts").rglob("*.yaml")),
        *sorted((PROJECT / "tests" / "fixtures").rglob("*.yaml")),
    ]
    return own + sorted(ODCS_EXAMPLES.rglob("*.yaml"))


def _summary(doc: YamlDocument) -> Any:
    return [
        doc.data,
        sorted((repr(k), v) for k, v in doc.lines.positions.items()),
        sorted((repr(k), v) for k, v in doc.lines.key_positions.items()),
    ]


def _read_all(files: list[str], texts: list[str]) -> dict[str, Any]:
    """Each file's summary and each text's error line, in this process."""
    out: dict[str, Any] = {"files": {}, "errors": []}
    for name in files:
        out["files"][name] = _summary(parse_yaml(Path(name).read_text(encoding="utf-8"), name))
    for text in texts:
        try:
            parse_yaml(text, "bad.yaml")
            out["errors"].append(None)
        except YamlError as exc:
            out["errors"].append(exc.line)
    return out


def _child(code: str, *args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT / "tests")])}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def test_without_libyaml_every_file_reads_the_same() -> None:
    files = [str(f) for f in _files()]
    assert len(files) >= 10
    code = WITHOUT_LIBYAML + textwrap.dedent(
        """
        import json, yaml
        assert not yaml.__with_libyaml__
        from meshguard import yamlio
        assert yamlio._Parser is yaml.SafeLoader
        from test_yamlio_pure import _read_all
        print(json.dumps(_read_all(sys.argv[1:], json.loads(sys.stdin.readline()))))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT / "src"), str(PROJECT / "tests")])}
    proc = subprocess.run(
        [sys.executable, "-c", code, *files],
        input=json.dumps(MALFORMED) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    pure = json.loads(proc.stdout)
    mine = json.loads(json.dumps(_read_all(files, MALFORMED)))
    assert pure["files"].keys() == mine["files"].keys()
    for name in files:
        assert pure["files"][name] == mine["files"][name], name
    assert None not in mine["errors"]
    assert pure["errors"] == mine["errors"]


def test_without_libyaml_lint_prints_the_same_report(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    for f in sorted((PROJECT / "contracts").rglob("*.odcs.yaml"))[:6]:
        (contracts / f.name).write_bytes(f.read_bytes())
    (contracts / "broken.odcs.yaml").write_text("apiVersion: v3.1.0\nkind: [DataContract\n")
    (tmp_path / "meshguard.yaml").write_text("contracts: {dir: contracts}\n")
    run = "from meshguard.cli import main\nmain()\n"
    pure = _child(WITHOUT_LIBYAML + run, "lint", "contracts", cwd=tmp_path)
    usual = _child(run, "lint", "contracts", cwd=tmp_path)
    assert pure.returncode == usual.returncode == 2, pure.stderr + usual.stderr  # a file unreadable
    assert "broken.odcs.yaml" in usual.stdout
    # the parsers word a syntax error each their own way; where it is, and all else, is the same
    assert [line.partition("invalid YAML:")[0] for line in pure.stdout.splitlines()] == [
        line.partition("invalid YAML:")[0] for line in usual.stdout.splitlines()
    ]
    assert pure.stderr == usual.stderr
