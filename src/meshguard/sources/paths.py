"""Resolve data paths inside the governance repo (or explicitly allowed roots), never outside."""

from __future__ import annotations

import functools
import glob as globmod
import os
from collections.abc import Sequence
from pathlib import Path

from meshguard.errors import DataError


@functools.lru_cache(maxsize=64)
def _resolved(root: Path, cwd: str) -> Path:
    """``root`` resolved (a realpath walk), once per process and working folder: every product of
    a mesh is confined to the same roots."""
    return Path(cwd, root).resolve()


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def resolve_data_paths(
    raw: str, root: Path, allowed: Sequence[Path], product: str, base: Path | None = None
) -> list[Path]:
    """Files named by ``raw`` (globs allowed), each checked to stay inside the repo.

    A relative path is looked up in ``base`` (the folder of the contract that names it) first,
    then in ``root``; the first that matches a file wins. Symlinks are resolved before the
    confinement check, so a link pointing out of the repo is refused.
    """
    if "://" in raw:
        raise DataError(
            f"product {product}: data path {raw!r} is a URL; only local files are read",
            hint="download the sample into the repo, or use a database server entry",
        )
    cwd = os.getcwd()
    roots = [_resolved(root, cwd), *(_resolved(Path(a), cwd) for a in allowed)]
    candidate = Path(raw)
    if candidate.is_absolute():
        tries = [candidate]
    else:
        tries = [folder / candidate for folder in dict.fromkeys(f for f in (base, root) if f is not None)]
    matches: list[str] = []
    for tried in tries:
        pattern = str(tried)
        matches = sorted(globmod.glob(pattern, recursive=True)) if globmod.has_magic(raw) else [pattern]
        if matches and all(Path(m).is_file() for m in matches):
            break
    else:
        looked = " or ".join(_shown(t, root) for t in tries)
        raise DataError(f"product {product}: sample file {raw!r} not found (looked for {looked})")
    out: list[Path] = []
    for m in matches:
        resolved = Path(m).resolve()
        if not _inside(resolved, roots):
            raise DataError(
                f"product {product}: data path {raw!r} is outside the governance repo",
                hint="add the folder to data.allowed_roots in meshguard.yaml if this is intended",
            )
        out.append(resolved)
    return out
