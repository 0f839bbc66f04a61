"""Where meshguard keeps what it computes once and reuses across runs, like ``.pyc`` files.

The code cache (:mod:`meshguard.codecache`), the standard pack as loaded
(:mod:`meshguard.policy.packcache`) and its compiled program
(:mod:`meshguard.policy.programcache`) live in the ``__pycache__`` folder beside the module that
keeps them. Where this user can't write there (a package installed by root, a read-only image),
they live in the user's cache folder instead (``$XDG_CACHE_HOME``, else ``~/.cache``), under
``meshguard/<copy>/``: one subfolder per installed copy of the package (a CRC-32 of its
folder's path), so two installations never read each other's files.

The policy worker imports this module: it uses ``os`` and ``zlib`` only (no ``pathlib``, no
``typing``).
"""

from __future__ import annotations

import os
import sys
import zlib

#: the folder of this installed copy of the package
PACKAGE = os.path.dirname(os.path.abspath(__file__))


def folder(package_dir: str) -> str:
    """The cache folder for the modules of ``package_dir`` (a folder of this package)."""
    pycache = os.path.join(package_dir, "__pycache__")
    if os.access(pycache if os.path.isdir(pycache) else package_dir, os.W_OK):
        return pycache
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(home, "meshguard", f"{zlib.crc32(os.fsencode(PACKAGE)):08x}")


def writable(directory: str) -> bool:
    """Whether a cache file may be written in ``directory``: not under ``PYTHONDONTWRITEBYTECODE``
    (as ``.pyc`` files), and the folder, or the nearest one above it that exists (where it
    would be made), writable by this user."""
    if sys.dont_write_bytecode:
        return False
    while not os.path.isdir(directory):
        parent = os.path.dirname(directory)
        if parent == directory:
            return False
        directory = parent
    return os.access(directory, os.W_OK)
