"""Legacy DCS files without the datacontract extra: one line saying exactly what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

DCS = "dataContractSpecification: 1.1.0\nid: customers\ninfo:\n  title: Customers\n  version: 1.0.0\n"


def _without_datacontract(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # sys.modules[name] = None makes every import of it fail, as when the extra is not installed
    code = (
        "import sys\n"
        "sys.modules['datacontract'] = None\n"
        "from meshguard.cli import main\n"
        f"main({list(args)!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={"PYTHONPATH": str(PROJECT / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_dcs_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "datacontract.yaml").write_text(DCS)
    proc = _without_datacontract("lint", "datacontract.yaml", cwd=tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert "datacontract.yaml:1: this is a Data Contract Specification 1.1.0 file, not ODCS" in out
    assert "needs the 'datacontract' extra: pip install 'meshguard-odcs[datacontract]'" in out
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out


def test_import_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "t.sql").write_text("CREATE TABLE t (id INTEGER);\n")
    proc = _without_datacontract("import", "sql", "t.sql", "--domain", "d", "--owner", "o", cwd=tmp_path)
    assert proc.returncode == 3
    assert proc.stderr == (
        "meshguard: error: meshguard import (datacontract-cli) needs the 'datacontract' extra: "
        "pip install 'meshguard-odcs[datacontract]'\n"
    )
