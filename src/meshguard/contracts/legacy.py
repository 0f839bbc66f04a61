"""Legacy Data Contract Specification files (``dataContractSpecification: 1.x``).

meshguard reads them by converting to ODCS with datacontract-cli's own
converter (the optional extra ``meshguard-odcs[datacontract]``), keeps the original
file's line numbers for findings, and reports the conversion as a warning that
names the file. Without the extra it says exactly what to install.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from meshguard.errors import ContractError, MissingExtra
from meshguard.results.model import Finding, Location, Severity
from meshguard.yamlio import LineMap, Pointer

DCS_KEY = "dataContractSpecification"
RULE_ID = "MG002"

#: top-level ODCS key → where the DCS file says it
_TOP: dict[str, Pointer] = {
    "id": ("id",),
    "name": ("info", "title"),
    "version": ("info", "version"),
    "status": ("info", "status"),
    "description": ("info", "description"),
    "team": ("info", "owner"),
    "servers": ("servers",),
    "schema": ("models",),
    "apiVersion": (DCS_KEY,),
    "kind": (DCS_KEY,),
}
#: keys of a schema object or property whose DCS name differs
_RENAMED = {"logicalType": "type", "physicalType": "type", "properties": "fields"}


def is_dcs(data: Mapping[str, Any]) -> bool:
    return DCS_KEY in data and "apiVersion" not in data


def _convert(data: dict[str, Any], shown: str, line: int | None) -> dict[str, Any]:
    try:
        from datacontract.imports.dcs_importer import convert_dcs_to_odcs, parse_dcs_from_dict
    except ImportError:
        what = f"this is a Data Contract Specification {data.get(DCS_KEY)} file, not ODCS: reading it"
        raise MissingExtra(what, "datacontract", path=shown, line=line) from None
    try:
        with warnings.catch_warnings():  # its own deprecation notes about DCS fields
            warnings.simplefilter("ignore", DeprecationWarning)
            odcs = convert_dcs_to_odcs(parse_dcs_from_dict(data))
    except Exception as exc:  # pydantic ValidationError, ValueError, KeyError from the converter
        first = str(exc).strip().splitlines()
        detail = " ".join(first[:3])[:300] if first else type(exc).__name__
        raise ContractError(
            f"invalid Data Contract Specification file: {detail}", path=shown, line=line
        ) from None
    out: dict[str, Any] = odcs.model_dump(exclude_none=True, by_alias=True, mode="json")
    return out


def _walk(node: Any, optr: Pointer, dptr: Pointer | None, src: LineMap, dst: LineMap) -> None:
    """Record, for every ODCS pointer whose DCS origin has a known position, that position."""
    if dptr is not None:
        if dptr in src.positions:
            dst.positions[optr] = src.positions[dptr]
        if dptr in src.key_positions:
            dst.key_positions[optr] = src.key_positions[dptr]
    if isinstance(node, dict):
        for key, value in node.items():
            child: Pointer | None = None
            if dptr is not None:
                child = _TOP.get(key) if not optr else (*dptr, _RENAMED.get(key) or key)
            _walk(value, (*optr, key), child, src, dst)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            child = None
            if dptr is not None:
                # DCS keeps servers, models and fields in mappings by name; ODCS in lists
                named = dptr and dptr[-1] in ("servers", "models", "fields") and isinstance(value, dict)
                key = value.get("server") or value.get("name") if named else None
                child = (*dptr, key) if isinstance(key, str) else (*dptr, i)
            _walk(value, (*optr, i), child, src, dst)


def convert(data: dict[str, Any], shown: str, lines: LineMap) -> tuple[dict[str, Any], LineMap, Finding]:
    """The ODCS form of a DCS document, a line map onto the original file, and the warning."""
    line = lines.line((DCS_KEY,))
    doc = _convert(data, shown, line)
    mapped = LineMap()
    _walk(doc, (), (), lines, mapped)
    warning = Finding(
        rule_id=RULE_ID,
        stage="lint",
        severity=Severity.WARNING,
        status="warned",
        message=(
            f"{shown} is a Data Contract Specification {data.get(DCS_KEY)} file: read through "
            f"datacontract-cli's converter as ODCS {doc.get('apiVersion')}"
        ),
        location=Location(shown, line, 1, f"/{DCS_KEY}"),
        title="Legacy contract format",
        remediation=f"migrate the file to ODCS v3: `datacontract export odcs {shown}`",
    )
    return doc, mapped, warning
