"""A batch's answers come back from the embedded engine's worker in a few large reads of its pipe,
not two system calls per product, and they are the answers product by product."""

from __future__ import annotations

import fcntl
import json
import struct
import termios
import time
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


def _waiting(fd: int) -> int:
    """Bytes written by the worker and not read yet."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_a_batch_is_read_in_a_few_reads_with_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = EmbeddedEngine(load_builtin(), 60.0)
    try:
        docs = [_doc(i) for i in range(20)]
        one_by_one = [engine.evaluate(d) for d in docs]
        (worker,) = engine._pool(1)
        collect = engine.submit([json.dumps(d).encode() for d in docs], 1)
        fd = worker._proc.stdout.fileno()  # type: ignore[union-attr]
        deadline, seen = time.monotonic() + 60, -1
        while time.monotonic() < deadline:  # until the worker has written every answer
            time.sleep(0.3)
            now = _waiting(fd)
            if now and now == seen:
                break
            seen = now
        reads = 0
        real_read = embedded.os.read

        def counted(fd: int, n: int) -> bytes:
            nonlocal reads
            reads += 1
            return real_read(fd, n)

        monkeypatch.setattr(embedded.os, "read", counted)
        batched = collect()
    finally:
        engine.close()
    assert batched == one_by_one
    assert any(d.values for d in batched)
    assert reads <= 3, f"{reads} reads for {len(docs)} answers"


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
