"""Contracts kept side by side by version (``orders/1.2.0.odcs.yaml``, ``orders/2.0.0.odcs.json``).

Only the newest file of such a folder is the data product; the older ones are
its previous versions (for ``diff``), not products of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meshguard.contracts.lint import SEMVER

#: endings of a contract file's name, longest first (``1.2.0.odcs.json`` is version ``1.2.0``)
CONTRACT_SUFFIXES = (".odcs.yaml", ".odcs.yml", ".odcs.json", ".yaml", ".yml")


def semver_key(version: str) -> tuple[int, int, int, int, str] | None:
    """Sort key for a semantic version; releases sort after their pre-releases."""
    m = SEMVER.match(version.strip())
    if not m:
        return None
    major, minor, patch, pre = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4)
    return (major, minor, patch, 0 if pre else 1, pre or "")


def version_of_file(path: Path) -> str | None:
    """``1.2.0`` for ``…/1.2.0.odcs.yaml`` (or ``.odcs.json``); None when the stem is not a version."""
    stem = path.name
    for suffix in CONTRACT_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = stem.removeprefix("v")
    return stem if semver_key(stem) else None


@dataclass
class VersionSplit:
    """Contract files as current contracts and their older side-by-side versions."""

    current: list[Path] = field(default_factory=list)
    #: current file → its older versions, newest first
    older: dict[Path, list[Path]] = field(default_factory=dict)


def split_versions(files: Sequence[Path]) -> VersionSplit:
    """Keep the newest file of each folder of versioned files; keep order otherwise."""
    groups: dict[Path, list[tuple[tuple[int, int, int, int, str], Path]]] = defaultdict(list)
    for f in files:
        v = version_of_file(f)
        key = semver_key(v) if v else None
        if key is not None:
            groups[f.parent].append((key, f))
    newest: dict[Path, Path] = {}
    older: dict[Path, list[Path]] = {}
    for members in groups.values():
        members.sort(reverse=True)
        # several files of the newest version (``1.2.0.odcs.yaml`` and ``1.2.0.odcs.json``): each
        # is a current contract, none picked silently (their shared id is a lint error, MG020)
        heads = [f for key, f in members if key == members[0][0]]
        head = heads[0]
        for _, f in members:
            newest[f] = f if f in heads else head
        older[head] = [f for _, f in members[len(heads) :]]
        for twin in heads[1:]:
            older[twin] = []
    out = VersionSplit()
    for f in files:
        if f not in newest:
            out.current.append(f)
        elif newest[f] == f:
            out.current.append(f)
            out.older[f] = older[f]
    return out
