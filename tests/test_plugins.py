"""Plugins by entry points: a toy distribution, installed as a ``.dist-info`` on the path the
way pip leaves one in site-packages, adds a source, a report format, a detector and a policy
engine, and a real ``meshguard`` process uses each of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import PROJECT, run_cli

TOY = '''
from __future__ import annotations

from meshguard.detectors import Detector
from meshguard.policy.engine import Decisions, EngineCapabilities
from meshguard.report.formats import BaseReporter
from meshguard.sources.files import FileSource


class ToySource(FileSource):
    """Reads the file a ``custom`` server names, and says it is the toy."""

    kind = "toy"

    def describe(self) -> str:
        return "toy source of " + super().describe()


class ToyReporter(BaseReporter):
    name = "toy"
    default_filename = "toy.txt"

    def render(self, mesh, ctx):
        return "".join(f"toy {p.id} {p.verdict} {p.data_source}\\n" for p in mesh.products)


TOY_CODE = Detector("toy_code", "toy codes", value=lambda v: v.startswith("TOY-"))


class ToyEngine:
    name = "toy"
    capabilities = EngineCapabilities()

    def evaluate(self, doc):
        return Decisions(values={"meshguard.toy.warn": [{"msg": "the toy engine saw " + doc["product"]["id"]}]})

    def close(self):
        pass


def open_toy(bundle, config, options):
    return ToyEngine()
'''

ENTRY_POINTS = """
[meshguard.sources]
custom = meshguard_toy:ToySource

[meshguard.reporters]
toy = meshguard_toy:ToyReporter

[meshguard.detectors]
toy_code = meshguard_toy:TOY_CODE

[meshguard.engines]
toy = meshguard_toy:open_toy
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like site-packages after ``pip install meshguard-toy``."""
    site = tmp_path_factory.mktemp("site")
    (site / "meshguard_toy").mkdir()
    (site / "meshguard_toy" / "__init__.py").write_text(TOY, encoding="utf-8")
    info = site / "meshguard_toy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: meshguard-toy\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The transactions product alone, its data behind a ``custom`` server, with a toy code column."""
    root = tmp_path_factory.mktemp("repo")
    (root / "contracts").mkdir()
    (root / "data").mkdir()
    (root / "meshguard.yaml").write_text(
        "data:\n  allowed_roots: [data]\n  as_of: '2026-11-25T00:00:00Z'\n", encoding="utf-8"
    )
    text = (PROJECT / "contracts" / "finance" / "transactions.odcs.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    type: local\n    path: data/finance/transactions.csv",
        "    type: custom\n    location: data/t.csv",
    )
    assert "type: custom" in text
    (root / "contracts" / "transactions.odcs.yaml").write_text(text, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies" / "toy.rego").write_text(
        'package meshguard.toy\n\nimport rego.v1\n\nwarn contains msg if {\n\tfalse\n\tmsg := "never"\n}\n',
        encoding="utf-8",
    )
    shutil.copy(PROJECT / "data" / "finance" / "transactions.csv", root / "data" / "t.csv")
    return root


def _run(site: Path, *args: str) -> tuple[int, str, str]:
    r = run_cli(*args, env={"PYTHONPATH": str(site)})
    return r.returncode, r.stdout, r.stderr


def test_without_the_plugin_nothing_is_found(repo: Path) -> None:
    r = run_cli("check", "--root", str(repo), "--format", "toy", "--no-history")
    assert r.returncode == 2 and "toy" in r.stderr
    r = run_cli(
        "check", "--root", str(repo), "--format", "json", "--no-history", "--no-reports", "--no-policy"
    )
    product = json.loads(r.stdout)["products"][0]
    assert product["data_source"] is None or "toy" not in product["data_source"]


def test_a_plugin_reporter_and_source_are_used(site: Path, repo: Path) -> None:
    code, out, err = _run(
        site, "check", "--root", str(repo), "--format", "toy", "--no-history", "--no-reports", "--no-policy"
    )
    assert code in (0, 1), err
    assert out.startswith("toy transactions "), out
    assert "toy source of" in out  # the custom server was read by the plugin's source


def test_a_plugin_engine_decides(site: Path, repo: Path) -> None:
    code, out, err = _run(
        site,
        "check",
        "--root",
        str(repo),
        "--engine",
        "toy",
        "--format",
        "json",
        "--no-history",
        "--no-reports",
    )
    assert code in (0, 1), err
    doc = json.loads(out)
    messages = [f["message"] for p in doc["products"] for f in p["findings"]]
    assert "the toy engine saw transactions" in messages
    assert doc["engine"] == "toy"


def test_a_plugin_detector_reaches_the_profile(site: Path, tmp_path: Path) -> None:
    sample = tmp_path / "codes.csv"
    sample.write_text("id,ref\n" + "".join(f"{i},TOY-{i:04d}\n" for i in range(20)), encoding="utf-8")
    probe = textwrap.dedent(
        f"""
        import json
        from pathlib import Path
        from meshguard.quality.profile import detected_in_sample
        print(json.dumps(detected_in_sample(Path({str(sample)!r}))))
        """
    )
    env_path = f"{site}:{PROJECT / 'src'}"
    r = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path},
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["ref"] == ["toy_code"]
    r = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT / "src")},
        check=False,
    )
    assert json.loads(r.stdout)["ref"] == []


def test_a_broken_plugin_is_a_clear_error(tmp_path: Path, repo: Path) -> None:
    info = tmp_path / "broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[meshguard.reporters]\nbroken = no_such_module:Nope\n", encoding="utf-8"
    )
    code, _, err = _run(tmp_path, "check", "--root", str(repo), "--format", "broken", "--no-history")
    assert code == 2 and "plugin 'broken'" in err and "Traceback" not in err
