"""A file's path resolved as :meth:`pathlib.Path.resolve` resolves it, at one ``lstat`` per file.

``Path.resolve`` walks every component of the path (``os.path.realpath``: an ``lstat`` and a
few string operations each), and a mesh shows each of its thousands of contracts relative to
the repo's root, and versions each relative to its git work tree: three such walks per
contract, most of them over the same few folders. Here a folder is resolved once per run
(:func:`forget` starts one) and working folder (for a relative one), and a file is its resolved
folder joined with its name unless the name is a symbolic link (then the whole walk, as
before): the realpath of
``folder/name`` is the realpath of ``folder`` followed by ``name`` whenever ``name`` is not a
link, whether or not it exists.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: resolved folders, by (working folder or "" when absolute, folder as written)
_FOLDERS: dict[tuple[str, str], str] = {}
_MAX = 4096


def forget() -> None:
    """Resolve every folder anew from now on: called as a run starts (a repository made, a
    diff), so that a program calling meshguard for hours sees a symbolic link retargeted
    between two runs (a deployment's ``current``), as ``Path.resolve`` would."""
    _FOLDERS.clear()


def _folder(folder: str) -> str:
    key = ("" if os.path.isabs(folder) else os.getcwd(), folder)
    found = _FOLDERS.get(key)
    if found is None:
        if len(_FOLDERS) >= _MAX:
            _FOLDERS.clear()
        found = _FOLDERS[key] = str(Path(folder).resolve())
    return found


def real(path: Path) -> str:
    """``str(path.resolve())``."""
    name = path.name
    if not name or name == "..":
        return str(path.resolve())
    try:
        is_link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        is_link = False  # what does not exist is kept as written, as realpath keeps it
    if is_link:
        return str(path.resolve())
    folder = _folder(str(path.parent))
    return folder + name if folder.endswith("/") else f"{folder}/{name}"


def relative(path: Path, root: Path) -> str | None:
    """``path.resolve().relative_to(root.resolve()).as_posix()``, None where it is not inside."""
    full, base = real(path), _folder(str(root))
    if full == base:
        return "."
    prefix = base if base.endswith("/") else base + "/"
    return full[len(prefix) :] if full.startswith(prefix) else None
