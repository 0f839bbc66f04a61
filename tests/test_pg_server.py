"""The tests' PostgreSQL helper leaves no server behind when the test run that started it is killed.

A real cluster each time (initdb + pg_ctl), owned by a real child process that is SIGKILLed: no
``finally`` and no ``atexit`` of it runs. Waiting is bounded (``GONE_WITHIN``) only so that a
regression fails instead of hanging; nothing here is a timing claim.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import pg_server

GONE_WITHIN = 90.0  # seconds

OWNER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from pg_server import postgres
with postgres(private=True) as server:
    print(json.dumps(server), flush=True)
    time.sleep(600)
"""


def _postmaster(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().split()[0])


def _alive(pid: int) -> bool:
    return pg_server.identity(pid) != ""


def _gone_within(seconds: float, *pids: int) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.fixture
def owned_cluster() -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """A cluster started by a child process; yields (the child, the cluster's data folder)."""
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(Path(__file__).parent)], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    data = Path(json.loads(owner.stdout.readline())["data"])
    server = _postmaster(data)
    assert _alive(server)
    yield owner, data
    owner.kill()
    owner.wait()
    if _alive(server):  # what a failed test left: stop it here, not in the next run
        pg_server.stop(data)
    shutil.rmtree(data.parent, ignore_errors=True)


def test_a_killed_owner_leaves_no_server_running(owned_cluster: tuple[subprocess.Popen[str], Path]) -> None:
    owner, data = owned_cluster
    server = _postmaster(data)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _gone_within(GONE_WITHIN, server), f"the server {server} of a killed test run still runs"
    deadline = time.monotonic() + GONE_WITHIN
    while data.parent.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not data.parent.exists()


def test_the_next_cluster_reaps_one_whose_owner_and_guard_were_killed(
    owned_cluster: tuple[subprocess.Popen[str], Path],
) -> None:
    owner, data = owned_cluster
    base, server = data.parent, _postmaster(data)
    guard = int((base / "guard.pid").read_text())
    os.kill(guard, signal.SIGKILL)
    assert _gone_within(GONE_WITHIN, guard)
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _alive(server)  # nobody stopped it yet
    with pg_server.postgres(private=True) as fresh:  # the next cluster started on this machine
        assert Path(str(fresh["data"])).parent != base
        assert not _alive(server) and not base.exists()


def test_a_cluster_whose_owner_lives_is_left_alone(owned_cluster: tuple[subprocess.Popen[str], Path]) -> None:
    _, data = owned_cluster
    assert data.parent not in pg_server.reap_orphans()
    assert _alive(_postmaster(data)) and data.is_dir()
