"""Which data products a set of changed files touches (``check --changed-only``, pre-commit).

A changed contract file is its product (an older side-by-side version stands
for the newest file of its folder). A changed data file is the product of every
contract whose ``servers[*].path`` (or ``data.samples`` entry in meshguard.yaml)
names it. Any other file touches no product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from meshguard.config import Config
from meshguard.contracts.load import discover, load_contract
from meshguard.contracts.versions import split_versions
from meshguard.errors import ContractError, UsageError

#: file names read as contracts besides the configured globs (legacy DCS files)
LEGACY_NAMES = ("datacontract.yaml", "datacontract.yml")
DATA_SUFFIXES = (".csv", ".parquet", ".json", ".ndjson", ".jsonl", ".duckdb", ".db", ".arrow", ".ipc")


@dataclass
class Scope:
    """The contracts a change touches, and the changed files that touch none."""

    contracts: list[Path] = field(default_factory=list)
    #: changed files that touch no product (reported, never an error)
    ignored: list[Path] = field(default_factory=list)


def is_contract_file(path: Path, globs: Sequence[str]) -> bool:
    name = path.name
    return name in LEGACY_NAMES or any(fnmatch(name, g.rsplit("/", 1)[-1]) for g in globs)


def _newest_of_folder(path: Path, globs: Sequence[str]) -> Path:
    siblings = [p for p in path.parent.iterdir() if p.is_file() and is_contract_file(p, globs)]
    split = split_versions(sorted(siblings))
    for head, older in split.older.items():
        if path == head or path in older:
            return head
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _contracts_using(data_files: Sequence[Path], config: Config) -> dict[Path, list[Path]]:
    """data file → contract files whose servers or data.samples entry point at it."""
    found: dict[Path, list[Path]] = {}
    if not data_files or not config.contracts_path.is_dir():
        return found
    try:
        candidates = split_versions(discover([config.contracts_path], config.contract_globs)).current
    except UsageError:
        return found
    names = {f.name for f in data_files}
    samples_hit = any(Path(v).name in names for v in config.data.samples.values())
    for contract_file in candidates:
        try:
            text = contract_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if not samples_hit and not any(n in text for n in names):
            continue  # cheap filter: the data file's name must appear in the contract
        try:
            contract = load_contract(contract_file, config.root, config.sensitivity, config.limits).contract
        except ContractError:
            continue
        # a server path is relative to the contract's folder, else to the repo root
        targets = [
            folder / str(s.get("path"))
            for s in contract.servers
            if s.get("path")
            for folder in (contract_file.parent, config.root)
        ]
        if contract.id in config.data.samples:
            targets.append(config.root / config.data.samples[contract.id])
        for data in data_files:
            if any(_same_file(data, t) for t in targets):
                found.setdefault(data, []).append(contract_file)
    return found


def select(changed: Sequence[Path], config: Config) -> Scope:
    """The contract files of the products that ``changed`` touches, in a stable order."""
    scope = Scope()
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            scope.contracts.append(p)

    data_files: list[Path] = []
    for path in changed:
        if not path.exists():
            raise UsageError(f"no such file: {path.as_posix()}")
        if path.is_dir():
            add(path)
        elif is_contract_file(path, config.contract_globs):
            add(_newest_of_folder(path, config.contract_globs))
        elif path.suffix.lower() in DATA_SUFFIXES:
            data_files.append(path)
        else:
            scope.ignored.append(path)
    using = _contracts_using(data_files, config)
    for data in data_files:
        if data in using:
            for c in using[data]:
                add(c)
        else:
            scope.ignored.append(data)
    return scope
