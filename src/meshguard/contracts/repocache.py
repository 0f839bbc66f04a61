"""What earlier runs learnt about a repo's contract files, kept while the files stay the same.

Linting one changed contract reads the rest of the repo only for the cross-contract rules, but
each run used to list the contracts folder (a glob of every folder and a ``stat`` of every file,
sorted), read every other file and scan it for its ``id:``, and read it again to look for the
schema a relationship names: about a sixth of a `meshguard lint` process, the same every
run. A :class:`RepoCache` keeps, for one contracts folder, in ``repos/`` under the cache folder
of :mod:`meshguard.cachedir` (one file per folder, like ``.pyc`` files):

- **the listing** (:func:`meshguard.contracts.load.discover` of the folder), with the
  modification time of every folder under it, taken before that folder was read: as the
  import system's ``FileFinder`` does, a listing is reused only while no folder's time has
  changed (a file added, removed or renamed changes its folder's), nor the folder itself (its
  inode and device: a folder reached through a link switched to another with the same times). A tree with a symbolic
  link anywhere, a glob reaching out of the folder or a folder that could not be read is
  listed every run;
- **per file**, what the lazy lint context (:mod:`meshguard.contracts.repo_index`) learnt from
  its text: its top-level ``id:`` and whether it mentions a name a relationship pointed at.
  They are reused only while the file's ``stat`` is the same (size, modification and change
  times in nanoseconds, inode, device): an edit, a ``touch``, a file replaced are all seen.

Nothing is kept that changed less than :data:`SETTLED_NS` before it was read: a file system
stamps times with a coarse clock (a few milliseconds, up to 2 s), so a second change within
the same tick would leave the same stamp (as git's "racy" index entries). Written atomically,
never under ``PYTHONDONTWRITEBYTECODE``; a damaged file (its CRC-32 wrong), another
interpreter's or another layout's is ignored. At most :data:`KEEP` repos are kept: saving
removes the least recently written beyond that.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meshguard import cachedir

#: layout of the stored dict; bump when it changes
FORMAT = 2
#: a folder or file modified less than this before it was read is not kept (coarse clocks)
SETTLED_NS = 3_000_000_000
#: repos kept; saving prunes the oldest files beyond this
KEEP = 64

Stamp = tuple[int, int, int, int, int]
#: a folder's modification and change times, inode and device
FolderStamp = tuple[int, int, int, int]
#: the files as discovered, the current contracts among them, current → its older versions
Listing = tuple[list[str], list[str], dict[str, list[str]]]


def _stamp(st: os.stat_result) -> Stamp:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _folder_stamp(st: os.stat_result) -> FolderStamp:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def directory() -> str:
    """The folder of the repo caches (beside this module's bytecode, or the user's cache folder)."""
    return os.path.join(cachedir.folder(os.path.dirname(os.path.abspath(__file__))), "repos")


class RepoCache:
    """The stored listing of ``folder`` (searched by ``globs``) and facts about its files."""

    def __init__(self, folder: Path, globs: Sequence[str]) -> None:
        self.folder = folder
        self.globs = tuple(globs)
        self._key = (os.path.abspath(folder), str(folder), self.globs)
        self.path = os.path.join(
            directory(),
            f"repo.{zlib.crc32(repr(self._key).encode()):08x}.{sys.implementation.cache_tag}.marshal",
        )
        self._pid = os.getpid()
        self._dirty = False
        stored = self._read()
        #: the stored listing: (folder → mtime_ns, the listing); None: list the folder
        self._listing: tuple[dict[str, FolderStamp], Listing] | None = stored.get("listing")
        #: file → (its stamp, what was learnt from its text); kept only for files checked this run
        self._stored_facts: dict[str, tuple[Stamp, dict[str, Any]]] = stored.get("facts", {})
        self._facts: dict[str, tuple[Stamp, dict[str, Any]] | None] = {}

    # -- the stored file ------------------------------------------------------------------------
    def _header(self) -> tuple[int, str, Any]:
        return (FORMAT, sys.version, self._key)

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, "rb") as fh:
                header, crc, blob = marshal.loads(fh.read())
            if header != self._header() or not isinstance(blob, bytes) or zlib.crc32(blob) != crc:
                return {}
            stored = marshal.loads(blob)
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        return stored if isinstance(stored, dict) else {}

    def save(self) -> None:
        """Keep what this run learnt for the next (only when it learnt something; never fails
        the run; not from a forked child, which its parent may stop mid-write)."""
        if not self._dirty or os.getpid() != self._pid or not cachedir.writable(directory()):
            return
        facts = {**self._stored_facts, **{f: got for f, got in self._facts.items() if got is not None}}
        for f, got in self._facts.items():
            if got is None:  # changed since: what was stored about it is stale
                facts.pop(f, None)
        if self._listing is not None:  # files gone from the folder are forgotten
            listed = set(self._listing[1][0])
            facts = {f: got for f, got in facts.items() if f in listed}
        blob = marshal.dumps({"listing": self._listing, "facts": facts})
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(directory(), exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(marshal.dumps((self._header(), zlib.crc32(blob), blob)))
            os.replace(tmp, self.path)
            self._dirty = False
            _prune(directory())
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    # -- the listing ----------------------------------------------------------------------------
    def listing(self) -> Listing | None:
        """The stored listing, when no folder under ``folder`` changed since; else None."""
        if self._listing is None:
            return None
        folders, listing = self._listing
        for d, times in folders.items():
            try:
                st = os.stat(d)
                if _folder_stamp(st) != tuple(times):
                    break
            except OSError:
                break
        else:
            return listing
        self._listing = None
        self._dirty = True  # a stale listing is not written back
        return None

    def folders(self) -> dict[str, FolderStamp] | None:
        """Every folder the globs may search, with its modification time, read before the
        folder's entries; None when the listing can't be kept (a symbolic link, a glob out of
        the folder, an unreadable or just-modified folder)."""
        if any(os.path.isabs(g) or ".." in Path(g).parts for g in self.globs):
            return None
        settled = time.time_ns() - SETTLED_NS
        out: dict[str, FolderStamp] = {}
        todo = [str(self.folder)]
        try:
            while todo:
                d = todo.pop()
                st = os.stat(d)
                if max(st.st_mtime_ns, st.st_ctime_ns) > settled:
                    return None
                out[d] = _folder_stamp(st)
                with os.scandir(d) as entries:
                    for e in entries:
                        if e.is_symlink():
                            return None
                        if e.is_dir(follow_symlinks=False):
                            todo.append(os.path.join(d, e.name))
        except OSError:
            return None
        return out

    def keep_listing(self, folders: dict[str, FolderStamp] | None, listing: Listing) -> None:
        """Keep ``listing`` (the folder as discovered) with the ``folders`` read before it."""
        if folders is not None:
            self._listing = (folders, listing)
            self._dirty = True

    # -- facts about one file -------------------------------------------------------------------
    def facts(self, key: str) -> dict[str, Any] | None:
        """What earlier runs learnt about file ``key`` (as listed) while it is unchanged ({} when
        nothing, which may be filled in); None when it just changed (nothing about it is kept)."""
        if key not in self._facts:
            try:
                st = os.stat(key)
            except OSError:
                self._facts[key] = None
                return None
            stamp = _stamp(st)
            stored = self._stored_facts.get(key)
            if stored is not None and tuple(stored[0]) == stamp:
                self._facts[key] = stored
            elif max(st.st_mtime_ns, st.st_ctime_ns) > time.time_ns() - SETTLED_NS or not stat.S_ISREG(
                st.st_mode
            ):
                self._facts[key] = None
            else:
                self._facts[key] = (stamp, {})
                self._dirty = True
        got = self._facts[key]
        return None if got is None else got[1]

    def learnt(self) -> None:
        """A fact was added to a dict :meth:`facts` returned."""
        self._dirty = True


def _prune(folder: str) -> None:
    """Remove the least recently written repo caches beyond :data:`KEEP`."""
    try:
        with os.scandir(folder) as entries:
            found = [(e.stat().st_mtime_ns, e.path) for e in entries if e.name.startswith("repo.")]
    except OSError:
        return
    for _, path in sorted(found, reverse=True)[KEEP:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
