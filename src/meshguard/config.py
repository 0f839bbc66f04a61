"""meshguard.yaml (or ``[tool.meshguard]`` in pyproject.toml): paths, engine, thresholds.

Unknown keys are an error naming the key and its line. Every section has a
default, so a repo with no config file works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshguard import schemacheck
from meshguard.errors import ConfigError
from meshguard.sensitivity import CATEGORIES, SensitivityMap
from meshguard.yamlio import DEFAULT_LIMITS, Limits, YamlError, load_yaml_file

CONFIG_FILE = "meshguard.yaml"
#: contract file names searched for in ``contracts.dir`` when meshguard.yaml names none
CONTRACT_GLOBS = ("**/*.odcs.yaml", "**/*.odcs.yml", "**/*.odcs.json")

_STR_LIST = {"type": "array", "items": {"type": "string"}}

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "contracts": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"dir": {"type": "string"}, "globs": _STR_LIST},
        },
        "policies": {
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "path": {"type": "string"},
                        "git": {"type": "string"},
                        "ref": {"type": "string"},
                        "subdir": {"type": "string"},
                        "builtin": {"type": "boolean"},
                        "rules": {
                            "type": "object",
                            # YAML reads a bare `off` as false
                            "additionalProperties": {"enum": ["error", "warning", "off", False]},
                        },
                    },
                },
            ]
        },
        "reports": {"type": "string"},
        "repository_url": {"type": "string", "minLength": 1},
        "waivers": {"type": "string"},
        "sensitivity": {
            "type": "object",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string", "enum": list(CATEGORIES)},
            },
        },
        "engine": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "kind": {"type": "string", "enum": ["embedded", "opa", "opa-inprocess"]},
                "timeout": {"type": "number", "exclusiveMinimum": 0},
                "compiled": {"type": "boolean"},
                "opa": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "url": {"type": "string"},
                        "token_env": {"type": "string"},
                        "verify_tls": {"type": "boolean"},
                        "ca_bundle": {"type": "string"},
                        "timeout": {"type": "number", "exclusiveMinimum": 0},
                        "retries": {"type": "integer", "minimum": 0},
                        "push_policies": {"type": "boolean"},
                    },
                },
            },
        },
        "data": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "samples": {"type": "object", "additionalProperties": {"type": "string"}},
                "allowed_roots": _STR_LIST,
                "sample_rows": {"type": ["integer", "null"], "minimum": 1},
                "failing_samples": {"type": "integer", "minimum": 0},
                "large_file_bytes": {"type": "integer", "minimum": 0},
                "allow_urls": {"type": "boolean"},
                "as_of": {"type": "string"},
                "pii_min_fraction": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "batch": {"type": "boolean"},
            },
        },
        "scoring": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "weights": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        k: {"type": "number", "minimum": 0}
                        for k in ("contract", "schema", "quality", "compliance", "versioning")
                    },
                },
                "pass_threshold": {"type": "number", "minimum": 0, "maximum": 100},
            },
        },
        "history": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"url": {"type": "string"}, "keep": {"type": "integer", "minimum": 1}},
        },
        "spark": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "master": {"type": "string"},
                "remote": {"type": "string"},
                "conf": {"type": "object", "additionalProperties": {"type": "string"}},
                "class_data": {"type": "boolean"},
            },
        },
        "limits": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_bytes": {"type": "integer", "minimum": 1},
                "max_depth": {"type": "integer", "minimum": 1},
                "max_nodes": {"type": "integer", "minimum": 1},
            },
        },
        "fail_on": {"type": "string", "enum": ["error", "warn", "never"]},
        "decision_log": {"type": "string"},
        "lint": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "rules": {
                    "type": "object",
                    "additionalProperties": {"enum": ["error", "warning", "off", False]},
                }
            },
        },
    },
}


@dataclass(frozen=True)
class OpaConfig:
    """engine.opa of meshguard.yaml: the OPA server and how to reach it."""

    url: str | None = None
    token_env: str | None = "MESHGUARD_OPA_TOKEN"
    verify_tls: bool = True
    ca_bundle: str | None = None
    timeout: float = 10.0
    retries: int = 2
    push_policies: bool = False


@dataclass(frozen=True)
class EngineConfig:
    """engine of meshguard.yaml: which policy engine decides, and its deadline."""

    kind: str = "embedded"
    timeout: float = 10.0
    #: the embedded engine may decide the standard pack through regorus's compiled program
    compiled: bool = True
    opa: OpaConfig = field(default_factory=OpaConfig)


@dataclass(frozen=True)
class DataConfig:
    """data of meshguard.yaml: where sample data is and how much of it is read."""

    samples: dict[str, str] = field(default_factory=dict)
    allowed_roots: tuple[Path, ...] = ()
    sample_rows: int | None = None
    failing_samples: int = 5
    large_file_bytes: int = 512 * 1024 * 1024
    allow_urls: bool = False
    #: "now" for SLA checks (ISO date or timestamp), for reproducible runs over fixed sample data
    as_of: str | None = None
    #: share of a column's sampled values that must look like personal data to flag it
    pii_min_fraction: float = 0.05
    #: products whose tables have one layout are read and profiled together (quality/batch.py)
    batch: bool = True


@dataclass(frozen=True)
class PoliciesConfig:
    """The repo's own policy folder (or a git repo holding it) on top of the built-in pack."""

    path: str = "policies"
    git: str | None = None
    ref: str | None = None
    subdir: str | None = None
    #: the standard pack shipped with meshguard is loaded under the repo's policies
    builtin: bool = True
    #: per-rule severity overrides (rule id or ``package.rule``): error | warning | off
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def named(self) -> bool:
        """True when a policy folder (or git repo) was named rather than left to the default."""
        return self.path != "policies" or self.git is not None


DEFAULT_WEIGHTS: dict[str, float] = {
    "contract": 15.0,
    "schema": 20.0,
    "quality": 25.0,
    "compliance": 30.0,
    "versioning": 10.0,
}


@dataclass(frozen=True)
class Config:
    """A governance repo's configuration (meshguard.yaml, else the defaults)."""

    root: Path
    contracts_dir: str = "contracts"
    contract_globs: tuple[str, ...] = CONTRACT_GLOBS
    policies: PoliciesConfig = field(default_factory=PoliciesConfig)
    reports_dir: str = "reports"
    waivers_file: str = "waivers.yaml"
    sensitivity: SensitivityMap = field(default_factory=SensitivityMap)
    engine: EngineConfig = field(default_factory=EngineConfig)
    data: DataConfig = field(default_factory=DataConfig)
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    pass_threshold: float = 80.0
    history_url: str | None = None
    history_keep: int = 500
    spark: dict[str, Any] = field(default_factory=dict)
    limits: Limits = DEFAULT_LIMITS
    fail_on: str = "error"
    lint_rules: dict[str, str] = field(default_factory=dict)
    source: str | None = None  # the file the config came from, if any
    #: OPA-style decision log (JSON lines), relative to the repo root; None: not written
    decision_log: str | None = None
    #: how scorecards link a contract: a URL template with {path}, {line} and {commit}
    #: (e.g. https://github.com/org/repo/blob/{commit}/{path}#L{line}); None: the file itself
    repository_url: str | None = None

    @property
    def contracts_path(self) -> Path:
        return self.root / self.contracts_dir

    @property
    def policies_path(self) -> Path:
        return self.root / self.policies.path

    @property
    def reports_path(self) -> Path:
        return self.root / self.reports_dir

    @property
    def waivers_path(self) -> Path:
        return self.root / self.waivers_file


def _validate(raw: Any, display: str, lines: Any = None) -> None:
    if schemacheck.is_valid("config", CONFIG_SCHEMA, raw):
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    err = errors[0]
    pointer = tuple(err.absolute_path)
    line = lines.line(pointer) if lines is not None else None
    where = ".".join(str(p) for p in pointer) or "(top level)"
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        key = ".".join([*map(str, pointer), extra[0]]) if extra else where
        line = lines.line((*pointer, extra[0])) if lines is not None and extra else line
        allowed = ", ".join(sorted(err.schema.get("properties", {})))
        raise ConfigError(f"unknown key {key!r} (known keys here: {allowed})", path=display, line=line)
    raise ConfigError(f"{where}: {err.message}", path=display, line=line)


def _rule_settings(raw: dict[str, Any]) -> dict[str, str]:
    """Per-rule settings, a bare YAML ``off`` (read as false) meaning ``"off"``."""
    return {str(k): "off" if v is False else str(v) for k, v in raw.items()}


def _from_mapping(root: Path, raw: dict[str, Any], display: str) -> Config:
    contracts = raw.get("contracts", {})
    policies_raw = raw.get("policies", {})
    if isinstance(policies_raw, str):
        policies_raw = {"path": policies_raw}
    engine_raw = dict(raw.get("engine", {}))
    opa = OpaConfig(**engine_raw.pop("opa", {}))
    data_raw = dict(raw.get("data", {}))
    roots = tuple(Path(p) if Path(p).is_absolute() else root / p for p in data_raw.pop("allowed_roots", []))
    scoring = raw.get("scoring", {})
    weights = dict(DEFAULT_WEIGHTS)
    weights.update(scoring.get("weights", {}))
    if sum(weights.values()) <= 0:
        raise ConfigError("scoring.weights must not all be zero", path=display)
    history = raw.get("history", {})
    limits = Limits(**{**DEFAULT_LIMITS.__dict__, **raw.get("limits", {})})
    return Config(
        root=root,
        contracts_dir=contracts.get("dir", "contracts"),
        contract_globs=tuple(contracts.get("globs", CONTRACT_GLOBS)),
        policies=PoliciesConfig(
            **{"path": "policies", **policies_raw, "rules": _rule_settings(policies_raw.get("rules", {}))}
        ),
        reports_dir=raw.get("reports", "reports"),
        waivers_file=raw.get("waivers", "waivers.yaml"),
        sensitivity=SensitivityMap.from_config(raw.get("sensitivity")),
        engine=EngineConfig(opa=opa, **engine_raw),
        data=DataConfig(allowed_roots=roots, **data_raw),
        weights=weights,
        pass_threshold=float(scoring.get("pass_threshold", 80.0)),
        history_url=history.get("url"),
        history_keep=int(history.get("keep", 500)),
        spark=dict(raw.get("spark", {})),
        limits=limits,
        fail_on=raw.get("fail_on", "error"),
        decision_log=raw.get("decision_log"),
        repository_url=raw.get("repository_url"),
        lint_rules=_rule_settings(raw.get("lint", {}).get("rules", {})),
        source=display,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's content; a ValueError (TOMLDecodeError, UnicodeDecodeError) when it is not TOML."""
    import tomllib  # only for a repo configured in pyproject.toml

    return tomllib.loads(path.read_text(encoding="utf-8"))


def find_root(start: Path) -> Path:
    """The governance repo holding ``start``: the nearest folder, from ``start`` upwards, with a
    meshguard.yaml (or a pyproject.toml with ``[tool.meshguard]``), as git and pre-commit find
    theirs; ``start`` itself when there is none."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "meshguard" in _read_toml(pyproject).get("tool", {}):
                    return folder
            except (ValueError, OSError):
                pass
    return start


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Load the config of the governance repo at ``root``.

    ``explicit`` (``--config``) must exist. Otherwise meshguard.yaml, then
    ``[tool.meshguard]`` in pyproject.toml, then defaults.
    """
    root = root.resolve()
    candidates: list[Path] = [explicit] if explicit else [root / CONFIG_FILE]
    for path in candidates:
        if path is None:
            continue
        if not path.exists():
            if explicit:
                raise ConfigError("config file not found", path=str(path))
            continue
        display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        try:
            doc = load_yaml_file(path, display)
        except YamlError as exc:
            raise ConfigError(
                exc.message, path=exc.path, line=exc.line, column=exc.column, hint=exc.hint
            ) from None
        raw = doc.data if doc.data is not None else {}
        if not isinstance(raw, dict):
            raise ConfigError("the config must be a mapping of keys", path=display, line=1)
        _validate(raw, display, doc.lines)
        return _from_mapping(root, raw, display)
    pyproject = root / "pyproject.toml"
    if pyproject.exists():
        try:
            data = _read_toml(pyproject)
        except ValueError as exc:  # TOMLDecodeError, UnicodeDecodeError
            raise ConfigError(f"invalid TOML: {exc}", path="pyproject.toml") from None
        section = data.get("tool", {}).get("meshguard")
        if section is not None:
            display = "pyproject.toml [tool.meshguard]"
            if not isinstance(section, dict):
                raise ConfigError("[tool.meshguard] must be a table", path=display)
            _validate(section, display)
            return _from_mapping(root, section, display)
    return Config(root=root)
