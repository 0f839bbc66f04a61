"""The embedded Rego engine is a sandbox: no network, no file system, no environment, no way to
corrupt the worker protocol, and a runaway policy is stopped by the timeout (fail closed)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli
from policykit import compliant, make_repo

#: builtins regorus offers that can touch the world outside the input document, and what meshguard
#: does about each. A new regorus release adding any builtin in these families fails the test below.
RISKY_FAMILIES = ("http.", "net.lookup", "io.", "os.", "file", "opa.", "providers.", "env", "rego.parse")
HANDLED = {
    "http.send": "replaced by a function that always fails (DISABLED_BUILTINS)",
    "opa.runtime": "regorus returns only version, features and builtin names: no env, no config",
}
CONFIG = "contracts: {dir: contracts}\nengine:\n  timeout: 3\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "gov", {"good": compliant()}, config=CONFIG)


class Listener:
    """An HTTP server that records every connection it accepts (before reading any request)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            timeout = 5

            def do_GET(self) -> None:
                outer.paths.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            def get_request(self) -> tuple[socket.socket, Any]:
                conn = super().get_request()
                outer.accepted += 1
                return conn

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def connections_before_now(self) -> int:
        """How many connections reached the server before this call: a last request of our own
        is accepted after every earlier one (the listen queue is first in, first out)."""
        with urllib.request.urlopen(f"{self.url}/barrier", timeout=10) as answer:
            assert answer.status == 200
        assert self.paths[-1] == "/barrier"
        return self.accepted - 1


@pytest.fixture
def listener() -> Iterator[Listener]:
    srv = Listener()
    try:
        yield srv
    finally:
        srv.server.shutdown()
        srv.server.server_close()


def _policy(repo: Path, body: str) -> None:
    (repo / "policies" / "probe.rego").write_text(
        "package meshguard.probe\n\nimport rego.v1\n\n# METADATA\n# title: Probe\n# custom:\n#   id: PROBE-1\n"
        f"deny contains msg if {{\n{body}\n}}\n",
        encoding="utf-8",
    )


def _probe(repo: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    r = run_cli("check", "--no-data", "--no-history", "--format", "json", cwd=repo, env=env)
    assert r.returncode in (0, 1), r.stdout + r.stderr
    (product,) = json.loads(r.stdout)["products"]
    probe: dict[str, object] = next(c for c in product["checks"] if c["id"] == "PROBE-1")
    return probe


def test_builtins_that_reach_outside_are_known_and_handled() -> None:
    from meshguard.policy.bundle import Module
    from meshguard.policy.rego import DISABLED_BUILTINS, RegoCore

    core = RegoCore.load([Module("p.rego", "package p\nimport rego.v1\nx := opa.runtime()\n")], {})
    runtime = core.query("data.p.x")
    builtins = set(runtime["builtins"])
    assert len(builtins) > 50
    risky = {b for b in builtins if b.startswith(RISKY_FAMILIES)}
    assert risky == set(HANDLED), f"new builtins that may reach outside: {sorted(risky - set(HANDLED))}"
    assert set(DISABLED_BUILTINS) == {"http.send"}
    assert set(runtime) <= {"builtins", "commit", "features", "regorus-version", "version"}  # no env


def test_http_send_reaches_nothing(repo: Path, listener: Listener) -> None:
    _policy(
        repo,
        f'  r := http.send({{"method": "get", "url": "{listener.url}/leak"}})\n  msg := sprintf("%v", [r])',
    )
    probe = _probe(repo)
    assert probe["status"] == "errored" and "http.send is disabled" in str(probe["message"])
    assert listener.connections_before_now() == 0  # the finished run never even connected
    assert listener.paths == ["/barrier"]


def test_no_environment(repo: Path) -> None:
    _policy(repo, '  msg := sprintf("%v", [opa.runtime()])')
    probe = _probe(repo, env={"MESHGUARD_CANARY_ENV": "env-canary-q81"})
    assert probe["status"] == "failed" and "regorus-version" in str(probe["message"])
    assert "env-canary-q81" not in json.dumps(probe) and "MESHGUARD_CANARY_ENV" not in json.dumps(probe)


def test_no_files(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("canary: file-canary-k27\n", encoding="utf-8")
    # a parser given a path parses the path itself as text: the file is never opened
    _policy(repo, f'  x := yaml.unmarshal("{secret}")\n  msg := sprintf("%v", [x])')
    probe = _probe(repo)
    assert (probe["status"], probe["message"]) == ("failed", str(secret))
    # JSON has no such bare word: parsing the URL fails the rule, and nothing is read
    _policy(repo, f'  x := json.unmarshal("file://{secret}")\n  msg := sprintf("%v", [x])')
    probe = _probe(repo)
    assert probe["status"] == "errored" and "file-canary-k27" not in json.dumps(probe)


def test_print_does_not_corrupt_the_worker_protocol(repo: Path) -> None:
    _policy(repo, '  print("PRINTED", input.product.id)\n  msg := "printed"')
    probe = _probe(repo)
    assert probe["status"] == "failed" and probe["message"] == "printed"


def test_runaway_policy_is_killed_and_fails_closed(repo: Path) -> None:
    _policy(
        repo,
        '  some i in numbers.range(1, 200000)\n  some j in numbers.range(1, 200000)\n  i == j + 1000000\n  msg := "x"',
    )
    r = run_cli("check", "--no-data", "--format", "json", cwd=repo, timeout=120)  # unstopped: hours
    assert r.returncode == 3 and "exceeded the 3 s policy timeout" in r.stderr and r.stdout == ""
    assert not (repo / "reports" / "index.html").exists()
