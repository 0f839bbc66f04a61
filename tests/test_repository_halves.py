"""A large repo's contracts are loaded by two processes (half by a forked child).

What comes out must be what one process loads: the same contracts with the same findings,
the same unreadable files with the same errors, in the same order; and the child really
loaded its half (this process parsed only the other one). The threshold is lowered here so
that the example repo (plus two broken files) counts as large.
"""

from __future__ import annotations

import pickle
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT
from meshguard.config import load_config
from meshguard.contracts import load as load_module
from meshguard.contracts import repository
from meshguard.contracts.repository import ContractRepository

PARSE = load_module.read_text


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(PROJECT / "contracts", tmp_path / "contracts")
    shutil.copy(PROJECT / "meshguard.yaml", tmp_path / "meshguard.yaml")
    broken = tmp_path / "contracts" / "zz"
    broken.mkdir()
    (broken / "a-bad-yaml.odcs.yaml").write_text("apiVersion: v3.1.0\nid: [unclosed\n")
    (broken / "b-bad-schema.odcs.yaml").write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: b\nversion: 1.0.0\nstatus: active\nnot_a_field: 1\n"
    )
    return tmp_path


def _load(repo: Path, fork_from: int, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Counter[str]]:
    monkeypatch.setattr(repository, "FORK_FROM", fork_from)
    parsed: Counter[str] = Counter()

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        parsed[Path(path).name] += 1
        return PARSE(path, *args, **kwargs)

    monkeypatch.setattr(load_module, "read_text", counting)
    config = load_config(repo)
    loaded, errors, older = ContractRepository(config).load_current([config.contracts_path])
    shown = (
        [
            (
                lc.contract.path,
                lc.contract.doc,
                lc.contract.lines.positions,
                [f.to_dict() for f in lc.findings],
            )
            for lc in loaded
        ],
        [(str(e), e.path, e.line) for e in errors],
        older,
    )
    return shown, parsed


def test_two_processes_load_what_one_loads(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alone, parsed_alone = _load(repo, 10**9, monkeypatch)
    halves, parsed_here = _load(repo, 4, monkeypatch)
    assert halves == alone
    loaded, errors, _ = alone
    assert len(loaded) >= 8 and any(findings for *_, findings in loaded)
    assert [e[1] for e in errors] == ["contracts/zz/a-bad-yaml.odcs.yaml"]
    assert any(p.endswith("b-bad-schema.odcs.yaml") and f for p, *_, f in loaded)
    # the child parsed its half of the current files: this process did not
    current = len(loaded) + len(errors)
    assert sum(parsed_alone.values()) - sum(parsed_here.values()) == current // 2
    pickle.dumps(halves)  # what crossed back is plain data
