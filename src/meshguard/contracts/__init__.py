"""Contracts: load (safe YAML with lines), validate (ODCS JSON Schema), model, lint, diff.

The package also names the ODCS JSON Schema files it bundles: here, in the package itself, so
that the command line can name the schema to warm up (:data:`NEWEST`) at the cost of no module
beyond this one, which the loader imports anyway.
"""

from __future__ import annotations

from pathlib import Path

#: apiVersions whose official JSON Schema ships in ``schemas/`` (the standard's, Apache-2.0,
#: bitol-io), oldest first
BUNDLED_SCHEMAS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0")
#: the apiVersion ``meshguard init`` writes (tests hold the scaffold to it): the schema
#: ``meshguard lint`` is most likely to be asked for on a new contract
NEWEST = BUNDLED_SCHEMAS[-1]


def schema_file(version: str) -> Path:
    """The bundled JSON Schema file of ``version`` (one of :data:`BUNDLED_SCHEMAS`)."""
    return Path(__file__).with_name("schemas") / f"odcs-json-schema-{version}.json"
