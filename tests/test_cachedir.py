"""One cache folder for every file meshguard keeps between runs (``meshguard.cachedir``): the
package's ``__pycache__`` where it can be written, else one folder of this installed copy in the
user's cache folder, for the code cache, the loaded policy pack and the compiled program alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import PROJECT, read_only
from meshguard import cachedir

SRC = PROJECT / "src" / "meshguard"


def test_a_writable_package_folder_keeps_its_caches_in_its_pycache(tmp_path: Path) -> None:
    assert cachedir.folder(str(tmp_path)) == str(tmp_path / "__pycache__")
    (tmp_path / "__pycache__").mkdir()
    assert cachedir.folder(str(tmp_path)) == str(tmp_path / "__pycache__")


def test_a_read_only_package_folder_sends_them_to_one_folder_of_this_copy_in_the_users_cache(
    tmp_path: Path, tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_only(tmpfs)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    copy = f"{zlib.crc32(os.fsencode(cachedir.PACKAGE)):08x}"
    assert cachedir.folder(str(tmpfs)) == str(tmp_path / "xdg" / "meshguard" / copy)
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cachedir.folder(str(tmpfs)) == str(tmp_path / "home" / ".cache" / "meshguard" / copy)


def test_writable_follows_dont_write_bytecode_and_the_nearest_existing_folder(
    tmp_path: Path, tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert cachedir.writable(str(tmp_path / "not" / "made" / "yet"))
    read_only(tmpfs)
    assert not cachedir.writable(str(tmpfs))
    assert not cachedir.writable(str(tmpfs / "under" / "it"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert not cachedir.writable(str(tmp_path))


PROBE = """\
import json
from meshguard import cachedir, codecache
from meshguard.policy import packcache, programcache
packcache.store("pack", [("a.rego", b"package a")], {"rules": 1})
print(json.dumps([cachedir.__file__, str(codecache._default_path("lint").parent), str(packcache.DIRECTORY),
                  programcache.DIRECTORY, programcache.writable(),
                  packcache.fetch("pack", [("a.rego", b"package a")]), str(packcache.cache_file("pack"))]))
"""


def test_the_code_cache_the_pack_and_the_program_of_a_read_only_install_share_the_users_folder(
    tmp_path: Path, tmpfs: Path
) -> None:
    package = tmpfs / "meshguard"
    (package / "policy").mkdir(parents=True)
    for name in (
        "__init__.py",
        "version.py",
        "cachedir.py",
        "codecache.py",
        "policy/__init__.py",
        "policy/packcache.py",
        "policy/programcache.py",
    ):
        (package / name).write_bytes((SRC / name).read_bytes())
    read_only(tmpfs)
    env = {**os.environ, "PYTHONPATH": str(tmpfs), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    module, code, pack, program, writable, fetched, pack_file = json.loads(proc.stdout)
    assert module == str(package / "cachedir.py")  # the read-only copy, not the project's
    folder = tmp_path / "cache" / "meshguard" / f"{zlib.crc32(os.fsencode(str(package))):08x}"
    assert code == pack == program == str(folder)
    assert writable is True and fetched == {"rules": 1} and Path(pack_file).is_file()
