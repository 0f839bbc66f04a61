"""Server type → source class, and the choice of a product's data location.

A new source kind is one module with a class implementing
:class:`meshguard.sources.base.Source` plus one line in :data:`SOURCES`, or a
plugin's ``meshguard.sources`` entry point keyed by server type
(:mod:`meshguard.plugins`).
"""

from __future__ import annotations

from typing import Any

from meshguard import plugins
from meshguard.config import Config
from meshguard.contracts.model import Contract, Server
from meshguard.errors import UsageError
from meshguard.sources.base import Source

#: ODCS server type → "module:Class" (imported on use)
SOURCES: dict[str, str] = {
    "local": "meshguard.sources.files:FileSource",
    "file": "meshguard.sources.files:FileSource",
    "duckdb": "meshguard.sources.duckdb_source:DuckDBSource",
    "postgres": "meshguard.sources.postgres:PostgresSource",
    "postgresql": "meshguard.sources.postgres:PostgresSource",
    "sqlite": "meshguard.sources.sqlite_source:SQLiteSource",
    "spark": "meshguard.sources.spark:SparkSource",
    "databricks": "meshguard.sources.spark:SparkSource",
    "hive": "meshguard.sources.spark:SparkSource",
}


def supported(server_type: str) -> bool:
    return plugins.target(plugins.SOURCES, server_type, SOURCES) is not None


def source_class(server_type: str) -> Any:
    target = plugins.target(plugins.SOURCES, server_type, SOURCES)
    if target is None:
        raise NoSource(f"server type {server_type!r} is not supported")
    return plugins.load(target, group=plugins.SOURCES, name=server_type)


class NoSource(Exception):
    """The contract names no data location meshguard can read (the reason is the message)."""


def choose_server(contract: Contract, server_name: str | None) -> Server:
    servers = contract.servers
    if server_name:
        for s in servers:
            if s.name == server_name:
                return s
        names = ", ".join(s.name for s in servers) or "none"
        raise UsageError(f"product {contract.id}: no server named {server_name!r} (servers: {names})")
    if not servers:
        raise NoSource("no data location: the contract has no `servers` entry and meshguard.yaml no sample")
    for s in servers:
        if supported((s.type or "").lower()):
            return s
    kinds = ", ".join(sorted({s.type or "?" for s in servers}))
    known = ", ".join(sorted(plugins.registry(plugins.SOURCES, SOURCES)))
    raise NoSource(f"server type {kinds} is not supported (supported: {known})")


def open_source(contract: Contract, config: Config, server_name: str | None = None) -> Source:
    """The source of ``contract``'s data: a configured sample, else the server entry named
    ``server_name`` (``--server``), else the first one meshguard can read."""
    common: dict[str, Any] = {
        "root": config.root,
        "product": contract.id,
        "allowed_roots": config.data.allowed_roots,
        "spark": config.spark,  # every source takes what it needs from these, ignores the rest
    }
    sample = config.data.samples.get(contract.id)
    if sample and not server_name:
        from meshguard.sources.files import FileSource

        return FileSource.from_server({"path": sample}, **common)
    server = choose_server(contract, server_name)
    # a relative path in the contract is looked up next to the contract first, then in the repo root
    common["base"] = (config.root / contract.path).parent
    kind = (server.type or "").lower()
    if not supported(kind):
        raise NoSource(f"server type {server.type!r} is not supported")
    cls = source_class(kind)
    src: Source = cls.from_server(server.raw, **common)
    return src
