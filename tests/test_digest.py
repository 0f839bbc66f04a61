"""meshguard.digest: the same SHA-256 digests as hashlib's, from the interpreter's own
implementation for a process's first bytes and from OpenSSL's beyond."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from conftest import PROJECT
from meshguard import digest

SIZES = [0, 1, 55, 56, 63, 64, 65, 1000, 4096, 100_000]


@pytest.mark.parametrize("size", SIZES)
def test_the_same_digest_as_hashlib(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    monkeypatch.setattr(digest, "_hashed", 0)
    assert digest.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    assert digest.sha256(data).digest() == hashlib.sha256(data).digest()
    h = digest.sha256(data[: size // 2])
    h.update(data[size // 2 :])
    assert h.hexdigest() == hashlib.sha256(data).hexdigest()


def test_small_amounts_use_the_interpreters_own_and_more_use_openssl(monkeypatch: pytest.MonkeyPatch) -> None:
    assert digest._BUILTIN is not None  # CPython builds it: _sha256 (3.11), _sha2 (3.12+)
    monkeypatch.setattr(digest, "_hashed", 0)
    small = digest.sha256(b"x" * 1000)
    assert type(small).__module__ in ("_sha256", "_sha2")
    big = digest.sha256(b"y" * digest.SMALL)  # past the budget: OpenSSL's
    assert type(big).__module__ == "_hashlib"
    assert big.hexdigest() == hashlib.sha256(b"y" * digest.SMALL).hexdigest()
    later = digest.sha256(b"z")  # and from then on
    assert type(later).__module__ == "_hashlib"


def test_without_the_builtin_module_hashlib_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "_BUILTIN", None)
    monkeypatch.setattr(digest, "_hashed", 0)
    h = digest.sha256(b"abc")
    assert type(h).__module__ == "_hashlib"
    assert h.hexdigest() == hashlib.sha256(b"abc").hexdigest()


def test_a_small_hash_does_not_load_openssl() -> None:
    code = (
        "import sys\n"
        "from meshguard.digest import sha256\n"
        "print(sha256(b'policy input').hexdigest())\n"
        "print('_hashlib' in sys.modules, 'hashlib' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT / "src")},
        check=True,
    )
    first, loaded = proc.stdout.splitlines()
    assert first == hashlib.sha256(b"policy input").hexdigest()
    assert loaded == "False False"
