"""Bootstrap an ODCS contract from an existing source with datacontract-cli's importers.

datacontract-cli (the optional extra ``meshguard-odcs[datacontract]``) reads the
source (SQL DDL, a Parquet or CSV file, a dbt manifest, a JSON Schema, an Avro
schema); meshguard then fills what its governance needs: id, owner team,
domain, a local ``sample`` server when a data file is known, required primary
keys, and sensitivity categories proposed from a profile of the sample data
(columns whose values look like e-mail addresses are proposed as pii, with a
YAML comment saying why). Values read from the data never land in the contract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshguard.detectors import by_name
from meshguard.errors import DataError, MissingExtra, UsageError

#: meshguard format name → datacontract-cli import format
FORMATS: dict[str, str] = {
    "sql": "sql",
    "parquet": "parquet",
    "csv": "csv",
    "dbt": "dbt",
    "jsonschema": "jsonschema",
    "avro": "avro",
}
#: a sample file → column → the kinds of sensitive content found in its first rows
Detect = Callable[[Path], dict[str, list[str]]]
DATA_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".ndjson": "json", ".jsonl": "json"}
ORDER = (
    "apiVersion",
    "kind",
    "id",
    "name",
    "version",
    "status",
    "domain",
    "dataProduct",
    "tenant",
    "description",
    "team",
    "support",
    "schema",
    "servers",
)


@dataclass(frozen=True)
class Proposal:
    schema: str
    column: str
    kinds: tuple[str, ...]
    tag: str
    classification: str

    @property
    def comment(self) -> str:
        known = by_name()
        what = " and ".join(known[k].description if k in known else k for k in self.kinds)
        return f"meshguard: proposed {self.tag} (sampled values look like {what}): review before merging"


@dataclass
class Imported:
    doc: dict[str, Any]
    proposals: list[Proposal] = field(default_factory=list)


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "data-product"


def _datacontract_import(fmt: str, source: Path, args: dict[str, Any]) -> dict[str, Any]:
    try:
        from datacontract.data_contract import DataContract
    except ImportError:
        raise MissingExtra("meshguard import (datacontract-cli)", "datacontract") from None
    if not source.exists():
        raise UsageError(f"no such file: {source.as_posix()}")
    try:
        odcs = DataContract.import_from_source(FORMATS[fmt], str(source), **args)
    except Exception as exc:  # the importers raise anything from ValueError to their own exceptions
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise DataError(
            f"datacontract-cli could not import it as {fmt}: {first}", path=source.as_posix()
        ) from None
    doc: dict[str, Any] = odcs.model_dump(exclude_none=True, by_alias=True, mode="json")
    return doc


def _server(sample: Path, root: Path) -> dict[str, Any]:
    fmt = DATA_FORMATS.get(sample.suffix.lower())
    if fmt is None:
        raise UsageError(f"--sample {sample.as_posix()}: expected a .csv, .parquet or .json/.ndjson file")
    try:
        shown = sample.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = sample.resolve().as_posix()
    return {"server": "sample", "type": "local", "path": shown, "format": fmt}


def _properties(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for schema in doc.get("schema") or []:
        for prop in schema.get("properties") or []:
            out.append((str(schema.get("name")), prop))
    return out


def _fill(doc: dict[str, Any], *, cid: str, domain: str, owner: str) -> None:
    doc["id"] = cid
    if not doc.get("name") or doc.get("name") == "My Data Contract":
        doc["name"] = cid.replace("-", " ").capitalize()
    doc["version"] = "0.1.0"
    doc["status"] = "draft"
    doc["domain"] = domain
    doc["dataProduct"] = cid
    team = doc.get("team")
    doc["team"] = {**(team if isinstance(team, dict) else {}), "name": owner}
    doc["customProperties"] = [p for p in doc.get("customProperties") or [] if "value" in p] or None
    for _, prop in _properties(doc):
        if prop.get("primaryKey"):
            prop["required"] = True  # a key is never null: meshguard lint MG016


def _apply(doc: dict[str, Any], proposals: Sequence[Proposal]) -> None:
    by_column = {(p.schema, p.column): p for p in proposals}
    for schema, prop in _properties(doc):
        found = by_column.get((schema, str(prop.get("name"))))
        if found is None:
            continue
        tags = [t for t in prop.get("tags") or [] if t != found.tag]
        prop["tags"] = [*tags, found.tag]
        prop.setdefault("classification", found.classification)
        prop.pop("examples", None)  # never copy guarded values into the contract
        options = prop.get("logicalTypeOptions")
        if isinstance(options, dict):  # profiled bounds are values too
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                options.pop(key, None)
            if not options:
                prop.pop("logicalTypeOptions")


def import_contract(
    fmt: str,
    source: Path,
    *,
    domain: str,
    owner: str,
    root: Path,
    contract_id: str | None = None,
    sample: Path | None = None,
    dialect: str | None = None,
    dbt_model: Sequence[str] = (),
    detect: Detect | None = None,
) -> Imported:
    """The contract datacontract-cli imports from ``source``, filled for governance.

    ``detect`` profiles a sample file (column → detected kinds of content; the
    quality stage's :func:`meshguard.quality.profile.detected_in_sample`): without
    it, no sensitivity is proposed.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown import format {fmt!r} (known: {', '.join(FORMATS)})")
    args: dict[str, Any] = {}
    if dialect:
        args["dialect"] = dialect
    if dbt_model:
        args["dbt_model"] = list(dbt_model)
    doc = _datacontract_import(fmt, source, args)
    if sample is None and fmt in ("csv", "parquet"):
        sample = source  # the source is itself a sample of the data
    schemas = [s.get("name") for s in doc.get("schema") or [] if s.get("name")]
    _fill(
        doc, cid=contract_id or slug(str(schemas[0]) if schemas else source.stem), domain=domain, owner=owner
    )
    if fmt == "csv":
        for _, prop in _properties(doc):
            prop.pop("examples", None)  # values copied from the data: leave them out
    imported = Imported(doc)
    if sample is not None:
        if not sample.is_file():
            raise UsageError(f"no such file: {sample.as_posix()}")
        doc["servers"] = [_server(sample, root)]
        if len(schemas) == 1 and detect is not None:
            imported.proposals = propose(sample, str(schemas[0]), detect)
            _apply(doc, imported.proposals)
    else:
        doc.pop("servers", None)  # importer placeholders (host: my_host…) would only fail the data stage
    imported.doc = {k: doc[k] for k in (*ORDER, *doc) if k in doc and doc[k] is not None}
    return imported


def propose(sample: Path, schema: str, detect: Detect) -> list[Proposal]:
    """Sensitivity proposals for the columns of ``sample`` from what their values look like."""
    out: list[Proposal] = []
    detectors = by_name()
    for column, kinds in detect(sample).items():
        sensitive = [k for k in kinds if k in detectors]
        if not sensitive:
            continue
        tag = "pci" if any(detectors[k].category == "pci" for k in sensitive) else "pii"
        classification = (
            "restricted"
            if any(detectors[k].classification == "restricted" for k in sensitive)
            else "confidential"
        )
        out.append(Proposal(schema, column, tuple(sensitive), tag, classification))
    return out


def render(imported: Imported) -> str:
    """YAML of the contract, with a comment on every proposed classification."""
    text = yaml.safe_dump(imported.doc, sort_keys=False, allow_unicode=True, width=100)
    if not imported.proposals:
        return text
    lines = text.splitlines()
    wanted: dict[str, dict[str, Proposal]] = {p.schema: {} for p in imported.proposals}
    for p in imported.proposals:
        wanted[p.schema][yaml.safe_dump({"name": p.column}).strip()] = p
    current: str | None = None
    schema_items = {yaml.safe_dump({"name": s}).strip(): s for s in wanted}
    for i, line in enumerate(lines):
        if line.startswith("- ") and line[2:] in schema_items:
            current = schema_items[line[2:]]
        elif current is not None and line.startswith("  - ") and line[4:] in wanted[current]:
            lines[i] = f"{line}  # {wanted[current][line[4:]].comment}"
    return "\n".join(lines) + "\n"
