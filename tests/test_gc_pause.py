"""The cycle collector is paused while a run builds and renders its results (meshguard.gcpause).

A large run keeps what it makes until it ends and makes almost no cyclic garbage, yet the
collector walked its whole growing heap again and again (~9 s of CPU at 10,000 contracts, more
in the forked children, whose collections copied the pages they share with the parent). These
tests pin where it is off and where it is on again, and that the caller's setting comes back.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from meshguard import forked, gcpause
from meshguard.report import publish as publish_mod
from meshguard.report.formats import RenderContext
from meshkit import build_mesh, copy_example_repo

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _died(code: int) -> Exception:
    return RuntimeError(f"child died {code}")


def test_paused_and_resumed_restore_what_they_found(collector_on: None) -> None:
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.resumed():
            assert gc.isenabled()
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a nested pause does not end the outer one
    assert gc.isenabled()


def test_a_forked_child_never_collects(collector_on: None) -> None:
    assert forked.start(gc.isenabled, _died).result() is False
    assert gc.isenabled()


def test_the_reports_are_rendered_with_the_collector_paused(
    collector_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from meshguard.report.formats.jsonout import JsonReporter

    seen: list[bool] = []
    chunks = JsonReporter.chunks

    def spy(self: JsonReporter, *args: Any, **kwargs: Any) -> Iterator[str]:
        seen.append(gc.isenabled())
        yield from chunks(self, *args, **kwargs)

    monkeypatch.setattr(JsonReporter, "chunks", spy)
    out = io.StringIO()
    publish_mod.publish(build_mesh(), RenderContext(source_link=".."), stdout_format="json", stream=out)
    assert seen == [False]
    assert out.getvalue().startswith("{")
    assert gc.isenabled()


def test_a_run_pauses_the_collector_and_the_data_stage_runs_with_it_on(
    collector_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import meshguard
    from meshguard import pipeline
    from meshguard.quality import stage as quality_stage

    seen: dict[str, list[bool]] = {"scoring": [], "quality": []}
    summarize, run_quality = pipeline.summarize, quality_stage.run_quality

    def scoring(*args: Any, **kwargs: Any) -> Any:
        seen["scoring"].append(gc.isenabled())
        return summarize(*args, **kwargs)

    def quality(*args: Any, **kwargs: Any) -> Any:
        seen["quality"].append(gc.isenabled())
        return run_quality(*args, **kwargs)

    monkeypatch.setattr(pipeline, "summarize", scoring)
    monkeypatch.setattr(quality_stage, "run_quality", quality)
    repo = copy_example_repo(PROJECT, tmp_path / "repo")
    mesh = meshguard.check(repo, options=meshguard.CheckOptions(jobs=1, with_data=True, with_policy=False))
    assert mesh.products
    assert seen["scoring"] == [False]
    assert seen["quality"] and all(seen["quality"])
    assert gc.isenabled()  # the caller's setting is back


def test_an_engine_called_product_by_product_runs_with_the_collector_on(
    collector_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import meshguard
    from meshguard.policy.stage import PolicyStage
    from opa_standin import PATIENT_OPA, OpaStandIn
    from policykit import compliant, make_repo

    seen: list[bool] = []
    evaluate = PolicyStage.evaluate

    def spy(self: PolicyStage, *args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(PolicyStage, "evaluate", spy)
    repo = make_repo(tmp_path / "gov", {"good": compliant()}, config=PATIENT_OPA)
    with OpaStandIn() as opa:
        options = meshguard.CheckOptions(
            jobs=1, with_data=False, engine="opa", opa_url=opa.url, push_policies=True
        )
        mesh = meshguard.check(repo, options=options)
    assert [p.id for p in mesh.products] == ["good"]
    assert seen == [True]
