"""The mesh a product's relationships may point into: the named contracts plus the rest of the repo."""

from __future__ import annotations

from collections.abc import Sequence

from meshguard.config import Config
from meshguard.contracts.model import Contract
from meshguard.contracts.repository import ContractRepository


def mesh_contracts(
    config: Config, named: Sequence[Contract], repository: ContractRepository | None = None
) -> dict[str, Contract]:
    """Contract id → contract (the newest version when several are in the repo), read
    through the run's repository (so a contract already loaded is not read again)."""
    return (repository or ContractRepository(config)).by_id(named)


def related_mesh(
    config: Config, named: Sequence[Contract], repository: ContractRepository | None = None
) -> dict[str, Contract]:
    """:func:`mesh_contracts` when one of ``named`` has relationships (its data's checks read the
    contracts they point into), else nothing read: ``{}``."""
    return mesh_contracts(config, named, repository) if any(c.relationships for c in named) else {}
