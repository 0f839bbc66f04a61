"""What a data product holds, as plain data for the council: fields, contacts, purpose, retention.

The contract's own words, gathered once (``ProductResult.catalogue``): every
property with its logical type, classification, sensitivity categories, purpose
or lawful basis and retention (field custom properties, else the contract's),
and the line it is declared on; the team members as contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from meshguard.contracts.model import Contract, Property

PURPOSE_KEYS = ("purpose", "lawfulBasis", "lawful_basis")
RETENTION_KEYS = ("retention", "retentionPeriod", "retention_period")


def _custom(raw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping) and isinstance(item.get("property"), str):
                out[item["property"]] = item.get("value")
    return out


def _first(values: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = values.get(key)
        if value not in (None, "", [], {}):
            return str(value)
    return None


def _retention_sla(contract: Contract) -> str | None:
    """The contract's retention SLA; its property matched without regard to case, as the data
    check and the version diff match it (``casefold``, as ``contracts.periods.caseless``)."""
    for sla in contract.sla:
        if sla.property.casefold() == "retention" and sla.value is not None:
            return f"{sla.value} {sla.unit}".strip() if sla.unit else str(sla.value)
    return None


def _field(contract: Contract, p: Property) -> dict[str, Any]:
    custom = _custom(p.raw.get("customProperties"))
    return {
        "path": f"{p.schema}.{p.path}",
        "logical_type": p.logical_type,
        "classification": p.classification,
        "categories": sorted(p.categories),
        "purpose": _first(custom, PURPOSE_KEYS),
        "retention": _first(custom, RETENTION_KEYS),
        "description": p.description,
        "line": contract.line(p.pointer),
    }


def _contacts(contract: Contract) -> list[dict[str, Any]]:
    """Team members by their username (an e-mail address where the contract uses one): a person's
    display name is left out, as it may equal a guarded value of some product's data."""
    out: list[dict[str, Any]] = []
    for m in contract.team_members:
        username = m.get("username")
        if not isinstance(username, str) or not username.strip():
            continue
        email = username if "@" in username else None
        out.append({"name": username, "role": str(m["role"]) if m.get("role") else None, "email": email})
    return out


def catalogue(contract: Contract) -> dict[str, Any]:
    custom = _custom(contract.doc.get("customProperties"))
    description = contract.description
    fields = [_field(contract, p) for p in contract.properties]
    return {
        "fields": fields,
        "categories": sorted({c for f in fields for c in f["categories"]}),
        "contacts": _contacts(contract),
        "purpose": _first(description, ("purpose",)),
        "lawful_basis": _first(custom, PURPOSE_KEYS[1:]),
        "retention": _retention_sla(contract),
    }
