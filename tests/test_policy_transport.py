"""A batch's answers come back from the embedded engine's worker in a few large reads of its pipe,
not two system calls per product, and they are the answers product by product."""

from __future__ import annotations

import json
from typing import Any

import pytest

from meshguard.policy import embedded
from meshguard.policy.bundle import load_builtin
from meshguard.policy.embedded import EmbeddedEngine
from meshguard.policy.worker import COMPILE_AFTER


def _doc(i: int) -> dict[str, Any]:
    return {
        "product": {"id": f"p{i}", "owner": None},
        "fields": [{"name": f"email_{i}", "path": f"email_{i}", "categories": ["pii"], "description": ""}],
    }


def test_a_batch_is_read_in_large_pieces_with_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of the pipe asks for a large piece (all the answers already written), never
    for one answer's 4-byte length and then its body: a batch costs a few system calls when
    the worker is ahead of the caller, and the answers are those product by product."""
    engine = EmbeddedEngine(load_builtin(), 60.0)
    try:
        docs = [_doc(i) for i in range(20)]
        one_by_one = [engine.evaluate(d) for d in docs]
        asked: list[int] = []
        real_read = embedded.os.read

        def counted(fd: int, n: int) -> bytes:
            asked.append(n)
            return real_read(fd, n)

        monkeypatch.setattr(embedded.os, "read", counted)
        batched = engine.submit([json.dumps(d).encode() for d in docs], 1)()
    finally:
        engine.close()
    assert batched == one_by_one
    assert any(d.values for d in batched)
    assert asked and min(asked) >= embedded._CHUNK, asked


def test_the_workers_send_the_programs_answer_as_it_wrote_it() -> None:
    """The standard pack's compiled program answers a batch: each answer is its decisions tree
    as the program wrote it (the worker neither reads nor rewrites it), flattened by the caller
    into the decisions the worker's own mapping gives."""
    engine = EmbeddedEngine(load_builtin(), 60.0)
    try:
        (worker,) = engine._pool(1)
        assert worker.compiled
        docs = [_doc(i) for i in range(COMPILE_AFTER + 2)]
        expected = [engine.evaluate(d) for d in docs]  # the program is compiled by now, if it was not stored
        worker.send({"op": "eval_many"}, b"\n".join(json.dumps(d).encode() for d in docs), "test")
        answers = [worker.receive(60.0, "test") for _ in docs]
        assert [a for a, _ in answers] == [{"tree": True}] * len(docs)
        assert [embedded._decisions(a, body) for a, body in answers] == expected
        assert all(b"meshguard." not in body for _, body in answers)  # a tree, not flattened keys
    finally:
        engine.close()
