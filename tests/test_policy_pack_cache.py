"""The standard pack as loaded, kept between runs (meshguard.policy.packcache).

Every run loads the built-in pack; a stored bundle stands in for the METADATA parsing, the
data file and the hash only when the pack's files are byte for byte those it was made from.
Each test works on a copy of the pack, with the cache in tmp_path.
"""

from __future__ import annotations

import marshal
import shutil
import sys
import zlib
from pathlib import Path

import pytest

from meshguard.policy import bundle, packcache

ORIGINAL = bundle.builtin_pack_path()


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the pack, loaded by load_builtin, with the cache in tmp_path (writable:
    the suite runs under PYTHONDONTWRITEBYTECODE)."""
    copy = tmp_path / "pack"
    shutil.copytree(ORIGINAL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(bundle, "builtin_pack_path", lambda: copy)
    monkeypatch.setattr(packcache, "DIRECTORY", tmp_path / "cache")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return copy


def _fresh(path: Path) -> bundle.PolicyBundle:
    return bundle.load_bundle(path, label=bundle.BUILTIN)


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the pack was parsed")

    monkeypatch.setattr(bundle, "collect_rules", refuse)


def test_a_second_run_reads_the_pack_back_unchanged(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = bundle.load_builtin()
    assert packcache.cache_file("pack").exists()
    assert first == _fresh(pack)
    _no_parsing(monkeypatch)
    second = bundle.load_builtin()
    assert second == first  # modules, tests, data, rules with their METADATA, hash
    assert [r.custom for r in second.rules] == [r.custom for r in first.rules]


@pytest.mark.parametrize("change", ["edited", "added", "removed", "data", "crlf"])
def test_a_changed_pack_is_loaded_again(pack: Path, change: str) -> None:
    bundle.load_builtin()
    gdpr = pack / "gdpr.rego"
    if change == "edited":
        gdpr.write_text(gdpr.read_text().replace("title:", "title: Edited", 1))
    elif change == "added":
        (pack / "extra.rego").write_text("package meshguard.extra\n\ndeny contains 1 if input.x\n")
    elif change == "removed":
        (pack / "versioning_test.rego").unlink()
    elif change == "data":
        data = pack / "data.yaml"
        data.write_text(data.read_text() + "\nextra_key: 1\n")
    else:  # the same text once read (universal newlines), other bytes: other hash
        gdpr.write_bytes(gdpr.read_bytes().replace(b"\n", b"\r\n"))
    loaded = bundle.load_builtin()
    assert loaded == _fresh(pack)
    assert loaded.hash != _fresh(ORIGINAL).hash


def test_a_file_outside_the_bundle_changes_nothing(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle.load_builtin()
    (pack / "README.md").write_text("notes\n")
    (pack / ".hidden.rego").write_text("package x\n")
    expected = _fresh(pack)
    _no_parsing(monkeypatch)
    assert bundle.load_builtin() == expected


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other python", "damaged", "other shape"])
def test_a_damaged_or_foreign_cache_file_is_ignored_and_rewritten(
    pack: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    bundle.load_builtin()
    stored = packcache.cache_file("pack")
    raw = stored.read_bytes()
    if damage == "truncated":
        stored.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        stored.write_bytes(b"\x00not marshal")
    elif damage == "other python":  # another interpreter's (or format's) bundle is never used
        tag, _, blob = marshal.loads(raw)
        contents, payload = marshal.loads(blob)
        foreign = marshal.dumps((contents, (*payload[:4], "sha256:written-by-another-python")))
        stored.write_bytes(marshal.dumps((tag + "-other", zlib.crc32(foreign), foreign)))
    elif damage == "damaged":  # bytes changed on disk that marshal still reads: a module's text
        tag, crc, blob = marshal.loads(raw)
        contents, payload = marshal.loads(blob)
        modules = [(p, t.replace("package", "packag\x00")) for p, t in payload[0]]
        stored.write_bytes(marshal.dumps((tag, crc, marshal.dumps((contents, (modules, *payload[1:]))))))
    else:
        tag, _, blob = marshal.loads(raw)
        contents, _ = marshal.loads(blob)
        short = marshal.dumps((contents, ("too", "short")))
        stored.write_bytes(marshal.dumps((tag, zlib.crc32(short), short)))
    assert bundle.load_builtin() == _fresh(pack)
    assert packcache.fetch("pack", bundle._contents(pack) or []) is not None  # rewritten whole


def test_nothing_is_written_under_dont_write_bytecode(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert bundle.load_builtin() == _fresh(pack)
    assert not packcache.cache_file("pack").exists()
