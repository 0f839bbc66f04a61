"""One contract repository per run: every contract file is parsed once, whoever asks for it
(the linter, the relationship targets of the quality stage, a command looking a product up)."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT
from meshguard.commands.common import parse_now
from meshguard.commands.test import resolve_targets
from meshguard.config import load_config
from meshguard.contracts import load as load_module
from meshguard.contracts.repository import ContractRepository
from meshguard.pipeline import run
from meshguard.stages import RunOptions

NOW = parse_now("2026-11-25T00:00:00Z")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for folder in ("contracts", "data"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    shutil.copy(PROJECT / "meshguard.yaml", tmp_path / "meshguard.yaml")
    return tmp_path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every contract file read to be parsed (the real reader, counted)."""
    counted: Counter[str] = Counter()
    real = load_module.read_text

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        counted[Path(path).name if Path(path).parent.name != "orders" else f"orders/{Path(path).name}"] += 1
        return real(path, *args, **kwargs)

    monkeypatch.setattr(load_module, "read_text", counting)
    return counted


def test_a_run_with_data_reads_each_contract_once(repo: Path, reads: Counter[str]) -> None:
    config = load_config(repo)
    mesh = run(config, [config.contracts_path], RunOptions(now=NOW, with_policy=False, with_versioning=False))
    assert len(mesh.products) == 8 and any(p.checks for p in mesh.products)
    files = {
        p.name if p.parent.name != "orders" else f"orders/{p.name}"
        for p in (repo / "contracts").rglob("*.odcs.yaml")
    }
    assert set(reads) == files  # the relationship targets' mesh includes the older orders version
    assert max(reads.values()) == 1, reads


def test_a_product_looked_up_by_id_is_not_read_again(repo: Path, reads: Counter[str]) -> None:
    config = load_config(repo)
    repository = ContractRepository(config)
    paths = resolve_targets(config, ("customers",), repository)
    assert [p.name for p in paths] == ["customers.odcs.yaml"]
    mesh = run(config, paths, RunOptions(now=NOW, with_policy=False, with_versioning=False), repository)
    assert [p.id for p in mesh.products] == ["customers"]
    assert max(reads.values()) == 1, reads


def test_the_index_keeps_the_newest_version(repo: Path) -> None:
    repository = ContractRepository(load_config(repo))
    assert repository.by_id()["orders"].version.startswith("2.")
    assert sorted(p.name for p in repository.files_by_id()["orders"]) == [
        "1.1.0.odcs.yaml",
        "2.0.0.odcs.yaml",
    ]
    split = repository.split()
    assert [p.name for p in split.older[next(f for f in split.current if f.parent.name == "orders")]] == [
        "1.1.0.odcs.yaml"
    ]
