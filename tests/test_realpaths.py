"""realpaths gives what Path.resolve gives, links, missing files and relative paths included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from meshguard import realpaths


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "a.yaml").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.yaml").write_text("y")
    (tmp_path / "linkdir").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "sub" / "link.yaml").symlink_to(tmp_path / "elsewhere" / "b.yaml")
    (tmp_path / "real" / "sub" / "dangling.yaml").symlink_to(tmp_path / "nowhere" / "c.yaml")
    return tmp_path


def _paths(top: Path) -> list[Path]:
    names = ["a.yaml", "link.yaml", "dangling.yaml", "missing.yaml", ".."]
    folders = [
        top / "real" / "sub",
        top / "linkdir" / "sub",
        top / "linkdir" / "sub" / ".." / "sub",
        top / "nope",
    ]
    return [f / n for f in folders for n in names] + [top, top / "linkdir", Path("/")]


def test_real_is_resolve(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    for path in _paths(top):
        assert realpaths.real(path) == str(path.resolve()), path


def test_relative_is_relative_to(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    monkeypatch.chdir(top / "linkdir")
    roots = [top, top / "real", top / "linkdir", top / "elsewhere", Path("."), Path("sub")]
    paths = [*_paths(top), Path("sub/a.yaml"), Path("sub/link.yaml"), Path("../linkdir/sub/a.yaml")]
    for root in roots:
        for path in paths:
            try:
                want: str | None = path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                want = None
            assert realpaths.relative(path, root) == want, (path, root)


def test_relative_paths_follow_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = _tree(tmp_path)
    monkeypatch.chdir(top / "real")
    first = realpaths.real(Path("sub/a.yaml"))
    monkeypatch.chdir(top / "elsewhere")
    assert realpaths.real(Path("sub/a.yaml")) == str(Path("sub/a.yaml").resolve()) != first
    assert os.path.isabs(first)


def test_a_new_run_sees_a_retargeted_link(tmp_path: Path) -> None:
    """A program calling meshguard for hours over a deployment's ``current`` link: the next run
    (a repository made) resolves the link anew, as ``Path.resolve`` would."""
    from meshguard.config import Config
    from meshguard.contracts.repository import ContractRepository

    for release in ("r1", "r2"):
        (tmp_path / release / "contracts").mkdir(parents=True)
    current = tmp_path / "current"
    current.symlink_to(tmp_path / "r1")
    contract = current / "contracts" / "a.odcs.yaml"
    assert realpaths.real(contract) == str(tmp_path / "r1" / "contracts" / "a.odcs.yaml")
    current.unlink()
    current.symlink_to(tmp_path / "r2")
    ContractRepository(Config(root=current))
    assert (
        realpaths.real(contract)
        == str(contract.resolve())
        == str(tmp_path / "r2" / "contracts" / "a.odcs.yaml")
    )
