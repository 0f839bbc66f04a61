"""Discover contract files, parse them safely and validate them against the ODCS JSON Schema."""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from meshguard import realpaths, schemacheck
from meshguard.config import CONTRACT_GLOBS
from meshguard.contracts import BUNDLED_SCHEMAS, schema_file
from meshguard.contracts import legacy as legacy_format
from meshguard.contracts.model import Contract
from meshguard.errors import ContractError, UsageError
from meshguard.results.model import Finding, Location, Severity
from meshguard.sensitivity import SensitivityMap
from meshguard.yamlio import (
    DEFAULT_LIMITS,
    Limits,
    LineMap,
    Pointer,
    YamlDocument,
    YamlError,
    parse_yaml,
    read_text,
)

DEFAULT_GLOBS = CONTRACT_GLOBS

#: apiVersion minor lines meshguard reads. Each contract is validated against the official
#: JSON Schema of its own apiVersion: v3.0.0, v3.0.1, v3.0.2 and v3.1.0 are bundled (the
#: standard's schemas, Apache-2.0, bitol-io); v3.2.x uses the schema shipped in the
#: open-data-contract-standard package. A patch release without its own schema (v3.0.3)
#: uses the newest schema of its minor line.
SUPPORTED_API = ("v3.0", "v3.1", "v3.2")


@dataclass(frozen=True)
class LoadedContract:
    """A contract that parsed as YAML, plus the findings of schema validation."""

    contract: Contract
    findings: tuple[Finding, ...] = field(default=())


def parse_document(text: str, display: str, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """A contract's text: YAML, or JSON when ``display`` (or ``REF:path``) names a ``.json`` file
    (:mod:`meshguard.jsontext`, imported only then: a YAML repo's run never loads it)."""
    if display[-5:].lower() != ".json":
        return parse_yaml(text, display, limits)
    from meshguard.jsontext import parse_json

    return parse_json(text, display, limits)


def display_path(path: Path, root: Path | None) -> str:
    """``path`` relative to the repo ``root`` (both resolved), else as written."""
    shown = realpaths.relative(path, root) if root else None
    return path.as_posix() if shown is None else shown


def discover(paths: Iterable[Path], globs: Iterable[str] = DEFAULT_GLOBS) -> list[Path]:
    """Contract files named by ``paths`` (files as given, folders searched by ``globs``)."""
    out: list[Path] = []
    seen: set[object] = set()
    globs = tuple(globs)
    for path in paths:
        if path.is_dir():
            # one stat per file both filters (regular files) and identifies it (device, inode):
            # resolving every path of a 200-contract repo cost more than linting the changed one
            found: list[tuple[Path, object]] = sorted(
                (p, ino) for g in globs for p in path.glob(g) if (ino := _regular(p)) is not None
            )
            if not found:
                raise UsageError(
                    f"no contracts found in {path.as_posix()} (looked for {', '.join(globs)})",
                    hint="name contract files *.odcs.yaml (or *.odcs.json) or set contracts.globs in meshguard.yaml",
                )
        elif path.exists():
            found = [(path, _regular(path) or path.resolve())]
        else:
            raise UsageError(f"no such file or directory: {path.as_posix()}")
        for p, key in found:
            if key not in seen:  # the same file named twice (or through a link) is listed once
                seen.add(key)
                out.append(p)
    return out


def _regular(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a regular file (links followed), None for anything else."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


@cache
def _schema_text(version: str) -> dict[str, Any]:
    """The JSON Schema named by :func:`schema_version` (``v3.0.2``, ``v3.1.0``, ``v3.2``…)."""
    import json  # read only where this process validates (no schema helper), not on every start

    if version == "v3.2":
        from importlib import resources  # (importlib.resources costs more than the file read)

        pkg = resources.files("open_data_contract_standard")
        return json.loads(pkg.joinpath("schema.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    return json.loads(schema_file(version).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def schema_version(api_version: str) -> str:
    """The schema a contract of ``api_version`` (a supported one) is validated against."""
    minor = _api_minor(api_version)
    if minor == "v3.2":
        return minor
    exact = api_version.strip()
    if exact in BUNDLED_SCHEMAS:
        return exact
    return max(
        (v for v in BUNDLED_SCHEMAS if v.startswith(f"{minor}.")), key=lambda v: int(v.rsplit(".", 1)[1])
    )


@cache
def _validator(minor: str) -> Any:
    import jsonschema

    schema = _schema_text(minor)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=None)


def _api_minor(api_version: Any) -> str | None:
    if not isinstance(api_version, str):
        return None
    parts = api_version.strip().split(".")
    if len(parts) < 2:
        return None
    minor = ".".join(parts[:2])
    return minor if minor in SUPPORTED_API else None


def _location(path: str, lines: LineMap, pointer: Pointer, *, key: bool = False) -> Location:
    pos = lines.locate(pointer, key=key)
    return Location(
        path=path,
        line=pos[0] if pos else None,
        column=pos[1] if pos else None,
        pointer="/" + "/".join(str(p) for p in pointer),
    )


def _shown(version: str) -> str:
    return f"{version}.x" if version.count(".") == 1 else version


def _pretty(pointer: Pointer) -> str:
    out = ""
    for p in pointer:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _is_valid(doc: Any, version: str) -> bool:
    """jsonschema-rs's verdict (through the forked helper when one runs: see :mod:`meshguard.schemacheck`)."""
    if version in BUNDLED_SCHEMAS:  # the file's path names it (the helper may have built it already)
        path = str(schema_file(version))
        return schemacheck.is_valid(path, path, doc)
    return schemacheck.is_valid(f"odcs-{version}", _schema_text(version), doc)


def _schema_findings(doc: Any, path: str, lines: LineMap, minor: str) -> Iterator[Finding]:
    """Each violation once (a key several schema branches reject is one finding)."""
    seen: set[tuple[str, str]] = set()
    for f in _schema_violations(doc, path, lines, minor):
        key = (f.message, f.location.pointer if f.location else "")
        if key not in seen:
            seen.add(key)
            yield f


def _schema_violations(doc: Any, path: str, lines: LineMap, minor: str) -> Iterator[Finding]:
    # jsonschema-rs answers "valid?" in ~0.1 ms; the pure-Python validator (~100x
    # slower on ODCS's unevaluatedProperties) only runs to explain an invalid file.
    if _is_valid(doc, minor):
        return
    from jsonschema.exceptions import best_match

    validator = _validator(minor)
    errors = list(validator.iter_errors(doc))
    # where no branch of a oneOf/anyOf held, the properties the branch would have evaluated are
    # "unevaluated" too: a consequence, said once by the branch's own error
    branched = {tuple(e.absolute_path) for e in errors if e.validator in ("oneOf", "anyOf")}
    for err in errors:
        if err.validator == "unevaluatedProperties" and tuple(err.absolute_path) in branched:
            continue
        if err.context:
            deeper = _chosen_branch(err) or best_match(err.context)
            if deeper is not None and len(deeper.absolute_path) >= len(err.absolute_path):
                err = deeper
        pointer: Pointer = tuple(err.absolute_path)
        where = _pretty(pointer)
        key = False
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for extra in sorted(k for k in err.instance if k not in allowed):
                ptr = (*pointer, extra)
                yield Finding(
                    rule_id="MG001",
                    stage="lint",
                    severity=Severity.ERROR,
                    message=f"unknown field {_pretty(ptr)!r} (not in ODCS {_shown(minor)})",
                    location=_location(path, lines, ptr, key=True),
                    title="ODCS schema",
                    remediation="remove the field or move it under customProperties",
                )
            continue
        if err.validator == "required":
            message = f"{where}: {err.message}"
        elif err.validator == "enum":
            allowed_values = ", ".join(map(str, err.validator_value))
            message = f"{where}: {err.instance!r} is not one of: {allowed_values}"
        else:
            message = f"{where}: {_said(err)}"
        yield Finding(
            rule_id="MG001",
            stage="lint",
            severity=Severity.ERROR,
            message=message,
            location=_location(path, lines, pointer, key=key),
            title="ODCS schema",
            remediation=f"make the contract valid against the ODCS {_shown(minor)} JSON Schema",
        )


def _said(err: Any) -> str:
    """``err``'s message under 200 characters; a long value it quotes first ("{…} is not of type
    'array'") is what is shortened, so that what is wrong with it stays said."""
    text = str(err.message)
    quoted = repr(err.instance)
    if len(text) >= 200 and len(quoted) > 80 and text.startswith(quoted):
        text = quoted[:80] + "…" + text[len(quoted) :]
    return text if len(text) < 200 else text[:200] + "…"


def _chosen_branch(err: Any) -> Any:
    """For a mapping no branch of a ``oneOf``/``anyOf`` accepts, the error of the one branch
    whose required keys it has (a quality rule's ``mustBeGreaterThan: abc`` breaks the
    ``mustBeGreaterThan`` branch: "'abc' is not of type 'number'", not the first branch's
    "'mustBe' is a required property"); None when no single branch is meant."""
    from jsonschema.exceptions import best_match

    if err.validator not in ("oneOf", "anyOf") or not isinstance(err.instance, dict):
        return None
    meant = [
        i
        for i, branch in enumerate(err.validator_value)
        if isinstance(branch, dict)
        and branch.get("required")
        and all(key in err.instance for key in branch["required"])
    ]
    if len(meant) != 1:
        return None
    own = [e for e in err.context if e.relative_schema_path and e.relative_schema_path[0] == meant[0]]
    return best_match(own) if own else None


def load_contract(
    path: Path,
    root: Path | None = None,
    sensitivity: SensitivityMap | None = None,
    limits: Limits = DEFAULT_LIMITS,
    *,
    validate: bool = True,
) -> LoadedContract:
    """Parse one contract file. Unreadable input raises :class:`ContractError` (exit 2);
    a readable but invalid contract comes back with MG001 findings (unless ``validate``
    is False: then only the YAML is parsed, as for context of other contracts)."""
    shown = display_path(path, root)
    try:
        doc = parse_document(read_text(path, shown, limits), shown, limits)
    except YamlError as exc:
        raise ContractError(
            exc.message, path=exc.path, line=exc.line, column=exc.column, hint=exc.hint
        ) from None
    if doc.data is None:
        raise ContractError("empty file, expected an ODCS data contract", path=shown, line=1)
    if not isinstance(doc.data, dict):
        raise ContractError(
            f"expected a mapping at the top level, found a {type(doc.data).__name__}",
            path=shown,
            line=1,
        )
    data: dict[str, Any] = doc.data
    lines = doc.lines
    legacy: tuple[Finding, ...] = ()
    if legacy_format.is_dcs(data):
        data, lines, warning = legacy_format.convert(data, shown, doc.lines)
        legacy = (warning,)
    api = data.get("apiVersion")
    minor = _api_minor(api)
    if minor is None:
        if api is None:
            raise ContractError(
                "missing apiVersion (expected v3.0.x, v3.1.x or v3.2.x)",
                path=shown,
                line=1,
                hint="add `apiVersion: v3.1.0` and `kind: DataContract`",
            )
        raise ContractError(
            f"unknown apiVersion {api!r}: meshguard reads ODCS v3.0.x, v3.1.x and v3.2.x",
            path=shown,
            line=lines.line(("apiVersion",)),
        )
    contract = Contract(path=shown, doc=data, lines=lines, sensitivity=sensitivity or SensitivityMap())
    if not validate:
        return LoadedContract(contract, legacy)
    return LoadedContract(
        contract, (*legacy, *_schema_findings(data, shown, lines, schema_version(str(api))))
    )
