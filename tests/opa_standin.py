"""A stand-in for an OPA server, for the tests only.

No OPA server binary can be installed on the machines that run this suite, so
this small HTTP server implements the part of OPA's REST API meshguard uses —
``PUT /v1/policies/{id}``, ``PUT /v1/data/{path}``, ``POST /v1/data/{path}``
with ``{"input": …}`` and ``GET /health`` — over real HTTP on 127.0.0.1.
Behind the API is OPA's own evaluator, in-process (its Go ``rego`` package,
from opa-golib-python-bindings: :class:`meshguard.policy.opa_inprocess.OpaCore`),
so it decides exactly as OPA does and, like an OPA server, compiles every
uploaded module together with the modules already loaded: a module that calls
a function not loaded yet is refused with OPA's HTTP 400 answer
(``{"code": "invalid_parameter", "message": ..., "errors": [{code, message,
location}]}``). Like OPA, an undefined document is HTTP 200 without a
``result`` key. ``fault`` makes it misbehave: "slow", "500", "drop",
"garbage", "undefined", "slow-push": the first module uploaded is answered after
``slow_seconds`` (a compile on a loaded machine), or "vanish": the process exits,
without an answer, on the first request after the first push (a module or data
path uploaded again, or a query).

Run as a script (``python tests/opa_standin.py [--fault NAME]``) it serves from
its own process, so a test can kill it: it prints its URL, then one line per
request received ("POST /v1/data/meshguard"), before answering it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from meshguard.errors import PolicyError
from meshguard.policy.bundle import Module
from meshguard.policy.opa_inprocess import OpaCore


def opa_config(read_timeout: float) -> str:
    """A meshguard.yaml for a test against the stand-in: a 2 s policy timeout, no retries, and
    ``read_timeout`` seconds for each answer from OPA."""
    return f"contracts: {{dir: contracts}}\nengine:\n  timeout: 2\n  opa: {{timeout: {read_timeout:g}, retries: 0}}\n"


#: for tests of what the server decides, not of how long it may take: the stand-in compiles each
#: uploaded module with OPA's evaluator, about 0.1 s on a quiet machine but over a second at a load
#: of 15 on 2 cores. A server that never answers still fails such a test, after this long.
PATIENT_OPA = opa_config(30)
#: for tests that wait for the client's timeout to strike
QUICK_OPA = opa_config(1)


def compile_error_answer(exc: PolicyError) -> dict[str, Any]:
    """OPA's HTTP 400 body for a module that does not parse or compile."""
    code, _, message = exc.message.partition(": ")
    if not message:
        code, message = "rego_compile_error", exc.message
    what = "parsing" if code == "rego_parse_error" else "compiling"
    return {
        "code": "invalid_parameter",
        "message": f"error(s) occurred while {what} module(s)",
        "errors": [
            {"code": code, "message": message, "location": {"file": exc.path, "row": exc.line, "col": 1}}
        ],
    }


class OpaStandIn:
    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.fault: str | None = None
        self.slow_seconds = 5.0
        self.requests: list[tuple[str, str]] = []
        self.echo = False
        self._pushed: set[str] = set()
        self._core: OpaCore | None = None
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OpaStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _build(self) -> OpaCore:
        modules = [Module(pid, text) for pid, text in sorted(self.policies.items())]
        return OpaCore.load(modules, self.data)

    def received(self, method: str, path: str) -> None:
        self.requests.append((method, path))
        if self.echo:
            print(method, path, flush=True)
        if self.fault == "vanish" and (method == "POST" or (method == "PUT" and path in self._pushed)):
            os._exit(0)  # the server is gone mid-request: no answer, connections closed
        if method == "PUT":
            self._pushed.add(path)

    def evaluate(self, path: str, input_doc: Any) -> Any:
        with self._lock:
            if self._core is None:
                self._core = self._build()
            core = self._core
        query = "data" + "".join(f".{p}" for p in path.split("/") if p)
        return core.query(query, json.dumps(input_doc))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, code: int, body: Any) -> None:
                raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                standin.received("GET", self.path)
                if self.path.startswith("/health"):
                    self._send(200, {})
                else:
                    self._send(404, {"code": "resource_not_found", "message": "not found"})

            def do_PUT(self) -> None:
                standin.received("PUT", self.path)
                body = self._body()
                if self.path.startswith("/v1/policies/"):
                    pid = self.path.removeprefix("/v1/policies/")
                    if standin.fault == "slow-push" and not standin.policies:
                        time.sleep(standin.slow_seconds)
                    with standin._lock:
                        before = standin.policies.get(pid)
                        standin.policies[pid] = body.decode()
                        try:  # compiled with every module already loaded, as OPA does
                            standin._core = standin._build()
                        except PolicyError as exc:
                            if before is None:
                                del standin.policies[pid]
                            else:
                                standin.policies[pid] = before
                            self._send(400, compile_error_answer(exc))
                            return
                    self._send(200, {})
                elif self.path.startswith("/v1/data/"):
                    key = self.path.removeprefix("/v1/data/").strip("/")
                    with standin._lock:
                        standin.data[key] = json.loads(body)
                        standin._core = None
                    self.send_response(204)
                    self.end_headers()
                else:
                    self._send(404, {"code": "resource_not_found"})

            def do_POST(self) -> None:
                standin.received("POST", self.path)
                body = json.loads(self._body() or b"{}")
                fault = standin.fault
                if fault == "slow":
                    time.sleep(standin.slow_seconds)
                elif fault == "500":
                    self._send(500, {"code": "internal_error", "message": "boom"})
                    return
                elif fault == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                elif fault == "garbage":
                    self._send(200, b"<html>not json")
                    return
                elif fault == "undefined":
                    self._send(200, {})
                    return
                if not self.path.startswith("/v1/data"):
                    self._send(404, {"code": "resource_not_found"})
                    return
                try:
                    value = standin.evaluate(self.path.removeprefix("/v1/data"), body.get("input"))
                except RuntimeError as exc:
                    self._send(500, {"code": "internal_error", "message": str(exc)})
                    return
                self._send(200, {} if value is None else {"result": value})

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="serve the OPA stand-in until killed")
    parser.add_argument("--fault", default=None)
    parser.add_argument("--slow-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    standin = OpaStandIn()
    standin.fault, standin.slow_seconds, standin.echo = args.fault, args.slow_seconds, True
    print(standin.url, flush=True)
    standin.server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
