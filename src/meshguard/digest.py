"""SHA-256 digests without OpenSSL's start-up where a process hashes little.

``hashlib.sha256`` loads OpenSSL (``_hashlib``) on first use: about 11 M instructions, a few
milliseconds of the pre-commit hook, which hashes a few kilobytes (the policy settings, one
product's policy input). CPython's own SHA-256 (``_sha256``; ``_sha2`` from 3.12) gives the
same digests and loads for about 1 M, but hashes about five times slower per byte. So a
process hashes its first :data:`SMALL` bytes with it and the rest with OpenSSL's (a mesh of
thousands of contracts hashes megabytes). An interpreter without that module uses hashlib.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this module is on the hook's import path
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    class Hash(Protocol):
        def update(self, data: bytes, /) -> None: ...
        def digest(self) -> bytes: ...
        def hexdigest(self) -> str: ...


#: bytes a process hashes with the interpreter's own SHA-256 before it loads OpenSSL's: about
#: what the slower hashing costs in the time OpenSSL takes to load
SMALL = 256 * 1024

_hashed = 0


def _builtin() -> Callable[[bytes], Hash] | None:
    for name in ("_sha2", "_sha256"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        constructor: Callable[[bytes], Hash] = module.sha256
        return constructor
    return None


_BUILTIN = _builtin()


def sha256(data: bytes = b"") -> Hash:
    """A SHA-256 hash object holding ``data`` (``update``, ``digest``, ``hexdigest``, as hashlib's)."""
    global _hashed
    _hashed += len(data)
    if _BUILTIN is not None and _hashed <= SMALL:
        return _BUILTIN(data)
    import hashlib

    return hashlib.sha256(data)
