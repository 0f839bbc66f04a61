"""The standard pack's compiled program, kept between runs (meshguard.policy.programcache).

A worker that may decide through regorus's program reads it back under the bundle's hash
instead of compiling it (about 15 ms) and loads the interpreter only when the program cannot
answer. The stored program is used only for exactly what it was compiled from: another
bundle, other data, another regorus, a truncated or corrupt file are misses, compiled again.
"""

from __future__ import annotations

import json
import marshal
import os
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from meshguard.policy import compiled, programcache
from meshguard.policy.bundle import Module, load_builtin
from meshguard.policy.rego import RegoCore, tree_query
from test_policy_compiled import RULES, _inputs

PACK = load_builtin()
MODULES = list(PACK.modules)
QUERY = tree_query(MODULES)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache's folder in tmp_path, writable (the suite runs under PYTHONDONTWRITEBYTECODE)."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(programcache, "DIRECTORY", str(folder))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    return folder


def _wanted(modules: list[Module] = MODULES, data: dict[str, Any] | None = None) -> tuple[Any, ...]:
    return programcache.key(
        compiled.sources(modules, tree_query(modules)), json.dumps(PACK.data if data is None else data)
    )


def _stored(cache: Path) -> Path:
    return Path(programcache.path(PACK.hash))


def _no_compiling(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count compilations (through compiled.build) from now on."""
    calls: list[int] = []
    real = compiled.build

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(compiled, "build", counting)
    return calls


def _decisions(core: RegoCore) -> list[Any]:
    return [core.decide(json.dumps(doc)) for doc in _inputs()]


def test_a_stored_program_decides_from_the_first_product_like_the_interpreter(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    interpreter = RegoCore.load(MODULES, PACK.data, RULES)
    expected = _decisions(interpreter)
    calls = _no_compiling(monkeypatch)
    first = RegoCore.load(MODULES, PACK.data, RULES, compiled=True, compile_after=15, program=PACK.hash)
    assert calls == [1] and _stored(cache).exists()  # compiled at once, and kept
    assert first._engine is None  # no interpreter loaded: the program decides
    assert first._compiled is not None and first._compiled.tree(json.dumps(_inputs()[0])) is not None
    second = RegoCore.load(MODULES, PACK.data, RULES, compiled=True, compile_after=15, program=PACK.hash)
    assert calls == [1]  # read back, not compiled again
    assert second._engine is None
    assert _decisions(second) == expected  # the 300-field product went to the interpreter, loaded then
    assert second._engine is not None
    assert _decisions(first) == expected


def test_a_second_run_reads_the_program_written_by_the_first(cache: Path) -> None:
    program = compiled.build(MODULES, PACK.data, QUERY)
    programcache.store(PACK.hash, _wanted(), program)
    back = programcache.fetch(PACK.hash, _wanted())
    assert back is not None
    assert back.serialize_binary() == program.serialize_binary()


@pytest.mark.parametrize(
    "change",
    [
        "module text",
        "module path",
        "data",
        "regorus",
        "format",
        "truncated",
        "flipped byte",
        "crc kept",
        "garbage",
    ],
)
def test_anything_else_is_a_miss(cache: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    program = compiled.build(MODULES, PACK.data, QUERY)
    programcache.store(PACK.hash, _wanted(), program)
    assert programcache.fetch(PACK.hash, _wanted()) is not None
    wanted = _wanted()
    stored = _stored(cache)
    raw = stored.read_bytes()
    key, crc, blob = marshal.loads(raw)
    if change == "module text":
        wanted = _wanted([Module(MODULES[0].path, MODULES[0].text + "\n"), *MODULES[1:]])
    elif change == "module path":
        wanted = _wanted([Module("builtin:other.rego", MODULES[0].text), *MODULES[1:]])
    elif change == "data":
        wanted = _wanted(data={**PACK.data, "extra": 1})
    elif change == "regorus":  # another build of the extension: another size or time
        size, mtime = programcache.engine_id()
        monkeypatch.setattr(programcache, "engine_id", lambda: (size, mtime + 1))
        wanted = _wanted()
    elif change == "format":
        monkeypatch.setattr(programcache, "FORMAT", programcache.FORMAT + 1)
        wanted = _wanted()
    elif change == "truncated":
        stored.write_bytes(raw[: len(raw) // 2])
    elif change == "flipped byte":
        broken = bytearray(blob)
        broken[len(broken) // 2] ^= 0x01
        stored.write_bytes(marshal.dumps((key, crc, bytes(broken))))
    elif change == "crc kept":  # regorus itself must read the bytes back whole
        stored.write_bytes(marshal.dumps((key, zlib.crc32(blob[:100]), blob[:100])))
    else:
        stored.write_bytes(b"not a program")
    assert programcache.fetch(PACK.hash, wanted) is None


def test_a_corrupt_file_is_compiled_again_and_rewritten(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    RegoCore.load(MODULES, PACK.data, RULES, compiled=True, program=PACK.hash)
    stored = _stored(cache)
    stored.write_bytes(stored.read_bytes()[:-10])
    calls = _no_compiling(monkeypatch)
    core = RegoCore.load(MODULES, PACK.data, RULES, compiled=True, program=PACK.hash)
    assert calls == [1]
    assert programcache.fetch(PACK.hash, _wanted()) is not None  # whole again
    assert core._engine is None and core._compiled is not None


def test_nothing_is_written_under_dont_write_bytecode(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    core = RegoCore.load(MODULES, PACK.data, RULES, compiled=True, compile_after=15, program=PACK.hash)
    assert not cache.exists()
    assert core._engine is not None and core._compiled is None  # as without a cache: compiled later


def test_only_a_few_programs_are_kept_and_no_temporary_file(cache: Path) -> None:
    program = compiled.build(MODULES, PACK.data, QUERY)
    cache.mkdir()
    (cache / "program.dead.marshal.999999.tmp").write_bytes(b"left by a killed worker")
    for n in range(programcache.KEEP + 3):
        programcache.store(f"sha256:{n:02x}{0:062x}", _wanted(), program)
        os.utime(programcache.path(f"sha256:{n:02x}{0:062x}"), ns=(n * 10**9, n * 10**9))
    names = sorted(p.name for p in cache.iterdir())
    assert len(names) == programcache.KEEP
    assert all(n.endswith(".marshal") for n in names)
    assert programcache.path(f"sha256:{programcache.KEEP + 2:02x}{0:062x}").endswith(names[-1])


def test_the_embedded_engine_names_the_bundle_to_its_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker keeps the program under the hash the parent sends with the pack."""
    from meshguard.policy import embedded

    sent: list[dict[str, Any]] = []
    real = embedded.write_frame

    def recording(stream: Any, header: dict[str, Any], payload: bytes = b"") -> None:
        if header.get("op") == "load":
            sent.append(json.loads(payload))
        real(stream, header, payload)

    monkeypatch.setattr(embedded, "write_frame", recording)
    engine = embedded.EmbeddedEngine(PACK, 30.0)
    try:
        assert engine.evaluate(_inputs()[0]).values is not None
    finally:
        engine.close()
    assert [s["program"] for s in sent] == [PACK.hash]
    other = embedded.EmbeddedEngine(PACK, 30.0, compiled=False)
    other.close()
    assert sent[-1]["program"] is None  # nothing compiled, nothing kept
