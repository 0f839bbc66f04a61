"""Resolve data paths inside the governance repo (or explicitly allowed roots), never outside."""

from __future__ import annotations

import glob as globmod
from collections.abc import Sequence
from pathlib import Path

from meshguard.errors import DataError


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def resolve_data_paths(raw: str, root: Path, allowed: Sequence[Path], product: str) -> list[Path]:
    """Files named by ``raw`` (relative to ``root``, globs allowed), each checked to stay inside.

    Symlinks are resolved before the check, so a link pointing out of the repo is refused.
    """
    if "://" in raw:
        raise DataError(
            f"product {product}: data path {raw!r} is a URL; only local files are read",
            hint="download the sample into the repo, or use a database server entry",
        )
    roots = [root.resolve(), *(Path(a).resolve() for a in allowed)]
    candidate = Path(raw)
    pattern = str(candidate if candidate.is_absolute() else root / candidate)
    matches = sorted(globmod.glob(pattern, recursive=True)) if globmod.has_magic(raw) else [pattern]
    out: list[Path] = []
    for m in matches:
        resolved = Path(m).resolve()
        if not _inside(resolved, roots):
            raise DataError(
                f"product {product}: data path {raw!r} is outside the governance repo",
                hint="add the folder to data.allowed_roots in meshguard.yaml if this is intended",
            )
        out.append(resolved)
    if not out or not all(p.is_file() for p in out):
        raise DataError(f"product {product}: sample file {raw!r} not found")
    return out
