"""Each product is scored as it leaves the product loop, not in a serial pass after the last one:
with the embedded engine, the run's process scores a product while the engine's process
evaluates the next batch. A product's score is its own (the mesh's summaries come after)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import meshguard
from meshguard import pipeline
from meshguard.results import scoring
from meshkit import copy_example_repo

PROJECT = Path(__file__).resolve().parent.parent


def test_a_product_is_scored_before_the_next_is_checked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events: list[tuple[str, str]] = []
    before, score = pipeline.ProductChecker._before_policy, scoring.score_product

    def checking(self: pipeline.ProductChecker, lc: Any) -> Any:
        events.append(("check", lc.contract.id))
        return before(self, lc)

    def scored(product: Any, rules: Any) -> None:
        events.append(("score", product.id))
        score(product, rules)

    monkeypatch.setattr(pipeline.ProductChecker, "_before_policy", checking)
    monkeypatch.setattr(pipeline, "score_product", scored)
    monkeypatch.setattr(scoring, "score_product", scored)
    repo = copy_example_repo(PROJECT, tmp_path / "repo")
    mesh = meshguard.check(repo, options=meshguard.CheckOptions(jobs=1, with_data=False, with_policy=False))
    ids = [p.id for p in mesh.products]
    assert len(ids) > 2
    # interleaved: check, score, check, score, ... (each product scored once)
    assert events == [(kind, i) for i in ids for kind in ("check", "score")]
    assert all(p.verdict and p.score is not None for p in mesh.products)
    assert mesh.domains and mesh.summary["verdict"]  # the mesh's summaries
