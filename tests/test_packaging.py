"""The wheel is the product: every file of the package the runtime reads is in it.

Builds the sdist and, from it, the wheel (no network: the build backend comes from this
environment) and compares its file list with the package's tracked non-Python files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PROJECT

PACKAGE = PROJECT / "src" / "meshguard"


def _tracked_data_files() -> set[str]:
    """Every file git tracks under src/meshguard that is not Python source: runtime data."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", "src/meshguard"], cwd=PROJECT, capture_output=True, check=True
    ).stdout.decode()
    files = {Path(p) for p in out.split("\0") if p}
    return {p.relative_to("src").as_posix() for p in files if p.suffix != ".py" and (PROJECT / p).exists()}


def _clean_copy(dest: Path) -> Path:
    """The checkout's files (tracked and new, nothing ignored): no stale build/ or egg-info."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in out.split("\0"):
        src = PROJECT / rel
        if rel and src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    source = _clean_copy(tmp_path_factory.mktemp("checkout"))
    out = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel from the unpacked sdist, as a release builds them
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), "."],
        cwd=source,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    (whl,) = out.glob("meshguard_odcs-*.whl")
    with zipfile.ZipFile(whl) as z:
        return set(z.namelist())


def test_every_runtime_data_file_is_in_the_wheel(wheel: set[str]) -> None:
    data = _tracked_data_files()
    # the files that once went missing, and the pack, are among them
    for must in ("meshguard/report/templates/sort.js", "meshguard/policy/pack/gdpr.rego"):
        assert must in data
    missing = sorted(data - wheel)
    assert not missing, f"package data missing from the wheel: {missing}"


def test_the_wheel_holds_no_bytecode_or_strays(wheel: set[str]) -> None:
    assert not [n for n in wheel if "__pycache__" in n or n.endswith(".pyc")]
    package_files = {n for n in wheel if n.startswith("meshguard/")}
    tracked = _tracked_data_files() | {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert package_files - tracked == set()
