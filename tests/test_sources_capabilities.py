"""Sources and quality backends are found through one table each and declare what they can do:
a new source is one class registered in one line; no source kind or capability is probed."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pytest

from meshguard.config import load_config
from meshguard.contracts.load import load_contract
from meshguard.quality.backends import BACKENDS
from meshguard.quality.stage import run_quality
from meshguard.sources import registry
from meshguard.sources.base import Capabilities, ReadOptions, Typing
from meshguard.stages import QualityContext
from quality_repo import CUSTOMERS, customers_contract, make_repo, write_contract

SRC = Path(__file__).resolve().parents[1] / "src" / "meshguard"


class InMemorySource:
    """A toy source: the customers rows from memory, checked by the polars backend."""

    kind = "toy"
    typing: Typing = "typed"
    capabilities: ClassVar[Capabilities] = Capabilities(backend="polars")
    reads: ClassVar[list[str]] = []

    def __init__(self, product: str) -> None:
        self.product = product

    @classmethod
    def from_server(cls, server: Mapping[str, Any], *, product: str, **_: Any) -> InMemorySource:
        return cls(product)

    def describe(self) -> str:
        return "toy:memory"

    def read(self, table: str, options: ReadOptions) -> pl.DataFrame:
        self.reads.append(table)
        return pl.DataFrame(CUSTOMERS).with_columns(
            pl.col("signed_up").str.to_datetime(time_zone="UTC", time_unit="us")
        )


def test_a_new_source_is_one_class_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.SOURCES, "toy", f"{__name__}:InMemorySource")
    root = make_repo(tmp_path)
    path = root / "contracts" / "customers.odcs.yaml"
    write_contract(path, customers_contract({"server": "s", "type": "toy"}))
    config = load_config(root)
    contract = load_contract(path, config.root, config.sensitivity).contract
    out = run_quality(contract, config, QualityContext(now=datetime(2025, 1, 18, tzinfo=UTC)), {})
    assert out.source == "toy:memory" and InMemorySource.reads == ["customers"]
    failed = {c.id for c in out.checks if c.status == "failed"}
    assert {"customers.customer_id.unique", "customers.age.maximum", "customers.email.pattern"} <= failed


def test_every_registered_source_declares_a_known_backend() -> None:
    for kind in registry.SOURCES:
        cls = registry.source_class(kind)
        assert isinstance(cls.capabilities, Capabilities), kind
        assert cls.capabilities.backend in BACKENDS, kind


def _probes(path: Path) -> list[str]:
    """``x.kind ==`` / ``x.kind in`` comparisons and ``getattr``/``hasattr`` on a source or table."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Attribute)
            and node.left.attr == "kind"
        ):
            found.append(f"{path.name}:{node.lineno} compares .kind")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
        ):
            target = ast.unparse(node.args[0]) if node.args else ""
            if "source" in target or "table" in target:
                found.append(f"{path.name}:{node.lineno} {node.func.id}({target}, …)")
    return found


def test_no_source_kind_checks_or_capability_probes(tmp_path: Path) -> None:
    files = [*(SRC / "sources").glob("*.py"), *(SRC / "quality").glob("*.py")]
    assert len(files) > 10
    probes = [p for f in files for p in _probes(f)]
    assert probes == []
    # the guard sees what it guards against
    seeded = tmp_path / "seeded.py"
    seeded.write_text(
        'def f(source, table):\n    return source.kind == "spark" or getattr(table, "run_sql")\n'
    )
    assert len(_probes(seeded)) == 2
