"""The policy input is serialised once per product for a batching engine: the input hash (the
audit trail's, :func:`meshguard.policy.decisionlog.input_hash`) and the JSON the engine reads
come from the same canonical text."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import PROJECT
from meshguard.config import load_config
from meshguard.contracts.repo import RepoLint, lint_repo
from meshguard.pipeline import StageContexts
from meshguard.policy import stage as stage_module
from meshguard.policy.decisionlog import hashed_payload, input_hash
from meshguard.policy.stage import PolicyStage
from meshguard.stages import RunOptions

DOCS: list[dict[str, Any]] = [
    {"meshguard": {"version": "1", "now": "2026-01-01T00:00:00Z", "mode": "ci"}, "contract": {"id": "x"}},
    {"meshguard": {"version": "1"}, "fields": [{"name": "é", "tags": ["pii"], "b": 1, "a": None}]},
    {"meshguard": "not an object", "zeta": {"z": 1, "a": [0.1, 1e-05, 1e16, -0.0, 3]}, "alpha": True},
    {"contract": {"description": 'line\nbreak \u2028 "quoted" \\ tab\t', "emoji": "\U0001f600"}},
    {},
    # what orjson writes otherwise than json, beside a clock: each member then goes its own way
    {"meshguard": {"now": "2026-01-01T00:00:00Z", "limit": float("inf")}, "a": {"x": 1e-07}},
    {"meshguard": {"now": "2026-01-01T00:00:00Z"}, "small": [0.00001], "big": 2**70},
    {"meshguard": {"now": "2026-01-01T00:00:00Z", "v": "1e-5 0.00001"}, "b": "\x7f\xff"},
]


@pytest.mark.parametrize("doc", DOCS)
def test_one_serialisation_gives_the_input_hash_and_the_engines_json(doc: dict[str, Any]) -> None:
    digest, payload = hashed_payload(doc)
    assert digest == input_hash(doc)
    assert json.loads(payload) == doc
    assert b"\n" not in payload  # the worker reads a batch as one document per line


def test_a_value_json_cannot_write_is_refused_as_before() -> None:
    doc = {"meshguard": {"now": "2026-01-01T00:00:00Z"}, "contract": {"day": datetime.date(2026, 1, 1)}}
    with pytest.raises(TypeError):
        json.dumps(doc)
    with pytest.raises(TypeError):
        hashed_payload(doc)


@pytest.fixture(scope="module")
def checked() -> Iterator[tuple[StageContexts, RepoLint, Any]]:
    config = load_config(PROJECT)
    stages = StageContexts.of(RunOptions(with_data=False))
    assert stages.policy is not None
    yield stages, lint_repo([config.contracts_path], config), config


def test_the_batched_stage_hashes_each_input_once_from_its_payload(
    checked: tuple[StageContexts, RepoLint, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    stages, repo, config = checked
    assert stages.policy is not None
    products = [(lc.contract, None, None) for lc in repo.contracts]
    with PolicyStage.open(config, stages.policy) as stage:
        assert stage.batches
        expected = [input_hash(stage.input_for(*p)) for p in products]

        def unused(doc: dict[str, Any]) -> str:
            raise AssertionError("the input was serialised a second time for its hash")

        monkeypatch.setattr(stage_module, "input_hash", unused)
        outcomes = list(stage.evaluate_many(products, chunk=3))
    assert [o.input_hash for o in outcomes] == expected
    assert any(o.findings for o in outcomes)


def test_a_document_sharing_its_strings_is_written_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real input shares many string objects (marshal's version 3 on writes them as references,
    whose indexes hold any byte): the whole document is still written in one piece."""
    names = [f"field_{i}" for i in range(300)]
    doc = {
        "meshguard": {"now": "2026-01-01T00:00:00Z", "version": "1"},
        "fields": [{"name": n, "tags": [n, n], "type": "string"} for n in names],
    }
    want = input_hash(doc)

    def refused(_: dict[str, Any]) -> tuple[str, bytes]:
        raise AssertionError("written member by member")

    monkeypatch.setattr("meshguard.policy.decisionlog._by_member", refused)
    digest, payload = hashed_payload(doc)
    assert digest == want and json.loads(payload) == doc
