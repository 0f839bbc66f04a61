"""regorus's compiled program of a bundle, kept between runs (in practice the standard pack's).

Compiling the pack costs about 15 ms of CPU; reading the program back about half a
millisecond. A worker that may decide through the program (:mod:`meshguard.policy.compiled`)
looks for it here first, under the bundle's content hash; on a miss it compiles at once and
stores it, so every later run, the pre-commit hook's included, decides through the program
from its first product, and loads regorus's interpreter only if the program cannot answer.

The file (``program.<hash>.marshal``, in ``__pycache__`` beside this module, or the user's cache
folder where that can't be written: :mod:`meshguard.cachedir`) is used only when what
it was compiled from is exactly what is asked now: the same module paths and texts, the same
entry rule, the same data (as JSON) and the same regorus extension (its file's size and
modification time: another regorus version, or a reinstall, is a miss); the program's bytes
carry a CRC-32, and regorus must read them back whole. Anything else (another bundle, a
truncated or corrupt file, another regorus) is a miss: compiled again and rewritten. Files are
written like ``.pyc`` files: atomically, never under ``PYTHONDONTWRITEBYTECODE``.
"""

from __future__ import annotations

import marshal
import os
import zlib

from meshguard import cachedir

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the policy worker imports this module
if TYPE_CHECKING:
    from typing import Any

#: layout of the stored tuple; bump when it changes
FORMAT = 1
#: program files kept (one per bundle hash); older ones are removed past this
KEEP = 8
DIRECTORY = cachedir.folder(os.path.dirname(os.path.abspath(__file__)))


def engine_id() -> tuple[int, int]:
    """The installed regorus extension: its file's size and modification time."""
    import regorus  # its package imports the extension module, regorus.regorus

    st = os.stat(regorus.regorus.__file__)
    return st.st_size, st.st_mtime_ns


def key(sources: list[tuple[str, str]], data_json: str) -> tuple[Any, ...]:
    """Everything the program depends on (compared whole when it is read back)."""
    return (FORMAT, engine_id(), tuple(sources), data_json)


def path(bundle_hash: str, directory: str | None = None) -> str:
    name = bundle_hash.rpartition(":")[2][:32]
    return os.path.join(directory or DIRECTORY, f"program.{name}.marshal")


def writable(directory: str | None = None) -> bool:
    return cachedir.writable(directory or DIRECTORY)


def fetch(bundle_hash: str, wanted: tuple[Any, ...], directory: str | None = None) -> Any | None:
    """The stored program compiled from exactly ``wanted`` (see :func:`key`), or None."""
    try:
        with open(path(bundle_hash, directory), "rb") as f:
            stored = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(stored, tuple) and len(stored) == 3):
        return None
    stored_key, crc, blob = stored
    if stored_key != wanted or not isinstance(blob, bytes) or zlib.crc32(blob) != crc:
        return None
    import regorus

    try:
        program, partial = regorus.Program.deserialize_binary(blob)
    except Exception:  # regorus raises plain RuntimeError on bytes it cannot read
        return None
    return None if partial else program


def store(bundle_hash: str, wanted: tuple[Any, ...], program: Any, directory: str | None = None) -> None:
    """Keep ``program`` (compiled from ``wanted``) for later runs; never fails the run."""
    directory = directory or DIRECTORY
    if not writable(directory):
        return
    target = path(bundle_hash, directory)
    tmp = f"{target}.{os.getpid()}.tmp"
    try:
        blob = program.serialize_binary()
        os.makedirs(directory, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(marshal.dumps((wanted, zlib.crc32(blob), blob)))
        os.replace(tmp, target)
    except Exception:  # a full disk, a read-only folder, a program regorus cannot write
        _remove([tmp])
        return
    _prune(directory, target)


def _prune(directory: str, kept: str) -> None:
    """At most :data:`KEEP` program files (the oldest go), and no temporary file left by a
    worker killed while writing."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith("program.")]
        found = [(os.stat(os.path.join(directory, n)).st_mtime_ns, os.path.join(directory, n)) for n in names]
    except OSError:
        return
    programs = sorted((t, p) for t, p in found if p.endswith(".marshal") and p != kept)
    stale = [p for _, p in programs[: max(0, len(programs) + 1 - KEEP)]]
    stale += [p for _, p in found if p.endswith(".tmp") and not p.endswith(f".{os.getpid()}.tmp")]
    _remove(stale)


def _remove(paths: list[str]) -> None:
    for p in paths:
        try:
            os.unlink(p)
        except OSError:  # gone already (another worker's clean-up)
            continue
