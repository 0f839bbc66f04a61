"""The standard pack as loaded, kept between runs (its rules' METADATA, its data, its hash).

Every run, the pre-commit hook's included, loads the built-in pack: it reads the files,
parses the ``# METADATA`` block of every rule and the data file (YAML) and hashes the
contents, about a tenth of the hook's work beyond lint. :func:`meshguard.policy.bundle.load_builtin`
keeps what it loaded in ``pack.<tag>.marshal`` (in ``__pycache__`` beside this module, or the
user's cache folder where that can't be written: :mod:`meshguard.cachedir`) together with
the bytes of every file it was made from. A later run reads the pack's files (as it always
did) and takes the stored bundle only when they are the same files with the same bytes, for
the same Python; otherwise (a file edited, added or removed, another interpreter, a truncated
or unreadable cache file, one whose CRC-32 is not that of its contents) the pack is loaded as before and the file rewritten. Written like
a ``.pyc`` file: atomically, never under ``PYTHONDONTWRITEBYTECODE``.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from pathlib import Path
from typing import Any

from meshguard import cachedir

#: layout of the stored tuple; bump when it (or what a stored bundle holds) changes
FORMAT = 2
DIRECTORY = Path(cachedir.folder(os.path.dirname(os.path.abspath(__file__))))


def _tag() -> str:
    return f"{FORMAT}|{sys.version}"


def cache_file(name: str) -> Path:
    return DIRECTORY / f"{name}.{sys.implementation.cache_tag}.marshal"


def fetch(name: str, contents: list[tuple[str, bytes]]) -> Any | None:
    """What was stored for exactly these files (relative path, bytes), or None."""
    try:
        tag, crc, blob = marshal.loads(cache_file(name).read_bytes())
        # the CRC first: a damaged module text or rule would be used as the pack's
        if tag != _tag() or not isinstance(blob, bytes) or zlib.crc32(blob) != crc:
            return None
        stored_contents, payload = marshal.loads(blob)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return payload if stored_contents == contents else None


def store(name: str, contents: list[tuple[str, bytes]], payload: Any) -> None:
    """Keep ``payload`` (made from ``contents``) for later runs; never fails the run."""
    if not cachedir.writable(str(DIRECTORY)):
        return
    target = cache_file(name)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        blob = marshal.dumps((contents, payload))
        data = marshal.dumps((_tag(), zlib.crc32(blob), blob))
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except (OSError, ValueError):  # a read-only folder; values marshal cannot hold (dates)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # the folder is not ours to write
            return
