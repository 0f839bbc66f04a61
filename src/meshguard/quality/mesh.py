"""The mesh a product's relationships may point into: the named contracts plus the rest of the repo."""

from __future__ import annotations

import re
from collections.abc import Sequence

from meshguard.config import Config
from meshguard.contracts.load import discover, load_contract
from meshguard.contracts.model import Contract
from meshguard.errors import ContractError, UsageError


def _version_key(c: Contract) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", c.version)[:3]) or (0,)


def mesh_contracts(config: Config, named: Sequence[Contract]) -> dict[str, Contract]:
    """Contract id → contract (the newest version when several are in the repo)."""
    everything = list(named)
    seen = {c.path for c in named}
    if config.contracts_path.is_dir():
        try:
            files = discover([config.contracts_path], config.contract_globs)
        except UsageError:
            files = []
        for f in files:
            try:
                c = load_contract(f, config.root, config.sensitivity, config.limits).contract
            except ContractError:
                continue
            if c.path not in seen:
                seen.add(c.path)
                everything.append(c)
    out: dict[str, Contract] = {}
    for c in everything:
        if c.id not in out or _version_key(c) > _version_key(out[c.id]):
            out[c.id] = c
    return out
