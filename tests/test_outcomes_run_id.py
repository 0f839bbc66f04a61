"""A run's id is what ``uuid.uuid4().hex`` gives for the same 16 random bytes (outcomes.random_run_id
builds it without importing uuid)."""

from __future__ import annotations

import os
import random
import uuid

import pytest

from meshguard import outcomes


def test_the_run_id_is_uuid4_hex_of_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(7)
    samples = [bytes(16), b"\xff" * 16, *(rng.randbytes(16) for _ in range(5000))]
    for raw in samples:
        monkeypatch.setattr(os, "urandom", lambda n, raw=raw: raw[:n])
        assert outcomes.random_run_id() == uuid.UUID(bytes=raw, version=4).hex


def test_a_new_mesh_gets_a_fresh_version_4_id() -> None:
    ids = {outcomes.new_mesh("lint").run_id for _ in range(50)}
    assert len(ids) == 50
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).variant == uuid.RFC_4122 for i in ids)
