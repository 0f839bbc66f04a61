"""``check --engine opa`` when the OPA server goes away mid-run: exit 3 and one line, never a hang.

The server is tests/opa_standin.py (no OPA binary can be installed here) run in its own
process, so it can really vanish: killed while it holds a request, or exiting on its own
as soon as a pool worker starts pushing again. A server that accepts connections and never
answers is a listening socket nobody accepts on. Each case is bounded by the subprocess
timeout of ``run_cli``: a regression hangs until it and fails with ``TimeoutExpired``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import PROJECT, run_cli
from opa_standin import PATIENT_OPA, QUICK_OPA
from policykit import compliant, make_repo

HANG_BOUND = 120  # seconds; the runs below end in a few seconds when nothing hangs


def _repo(tmp_path: Path, products: int, config: str = PATIENT_OPA) -> Path:
    contracts = {}
    for i in range(products):
        doc = compliant()
        doc["id"] = f"product{i}"
        contracts[f"product{i}"] = doc
    return make_repo(tmp_path / "gov", contracts, config=config)


class Server:
    """The stand-in in its own process; ``lines`` receives each request line it prints."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
        self.proc = subprocess.Popen(
            [sys.executable, str(PROJECT / "tests" / "opa_standin.py"), *args],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url
        self.seen: list[str] = []
        self._wanted: tuple[str, threading.Event] | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.seen.append(line.strip())
                if self._wanted and line.startswith(self._wanted[0]):
                    self._wanted[1].set()

    def wait_for(self, prefix: str, client: threading.Thread, timeout: float) -> bool:
        """Block until the server has received a request starting with ``prefix`` (false when
        ``client`` ends first or ``timeout`` passes)."""
        event = threading.Event()
        with self._lock:
            if any(s.startswith(prefix) for s in self.seen):
                return True
            self._wanted = (prefix, event)
        deadline = time.monotonic() + timeout
        while not event.wait(0.1):
            if not client.is_alive() or time.monotonic() > deadline:
                return False
        return True

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def _one_line_exit_3(proc: subprocess.CompletedProcess[str], url: str, reason: str) -> None:
    assert proc.returncode == 3, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"meshguard: error: OPA at {url}"), err
    assert reason in err, err


def _check_in_background(repo: Path, url: str, *more: str) -> tuple[threading.Thread, dict[str, object]]:
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["proc"] = run_cli(
                "check", "--engine", "opa", "--opa-url", url, *more, cwd=repo, timeout=HANG_BOUND
            )
        except BaseException as exc:  # TimeoutExpired: the hang this file guards against
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_server_killed_while_it_holds_the_query(tmp_path: Path, servers: list[Server]) -> None:
    repo = _repo(tmp_path, 1)
    server = Server("--fault", "slow", "--slow-seconds", "600")
    servers.append(server)
    thread, box = _check_in_background(repo, server.url, "--push-policies")
    assert server.wait_for("POST /v1/data/meshguard", thread, HANG_BOUND), (server.seen, box)
    os.kill(server.proc.pid, signal.SIGKILL)  # the query is in flight: the server never answers it
    server.proc.wait()
    thread.join(HANG_BOUND + 10)
    assert "error" not in box, box.get("error")
    proc = box["proc"]
    assert isinstance(proc, subprocess.CompletedProcess)
    _one_line_exit_3(proc, server.url, "evaluating product 'product0': ConnectionError")


def test_server_gone_before_the_pool_workers_push(tmp_path: Path, servers: list[Server]) -> None:
    """The run pushes the policies, then each pool worker opens its engine and queries (the
    policies went up once, from the run's own process): the server exits at that request. A worker whose start fails must fail the
    run, not leave the pool starting new workers while the run waits forever."""
    repo = _repo(tmp_path, 4)
    server = Server("--fault", "vanish")
    servers.append(server)
    proc = run_cli(
        "check", "--engine", "opa", "--opa-url", server.url, "--push-policies", "--jobs", "2",
        cwd=repo, timeout=HANG_BOUND,
    )  # fmt: skip
    assert server.proc.wait(HANG_BOUND) == 0  # it did vanish, on a request after the first push
    _one_line_exit_3(proc, server.url, "ConnectionError")


def test_server_that_accepts_and_never_answers(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 1, QUICK_OPA)  # the client's timeout ends this run
    with socket.socket() as listener:  # the kernel completes each connection; nobody reads it
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        proc = run_cli("check", "--engine", "opa", "--opa-url", url, cwd=repo, timeout=HANG_BOUND)
    _one_line_exit_3(proc, url, "evaluating product 'product0': ReadTimeout")
