"""A stand-in for an OPA server, for the tests only.

No OPA binary can be installed on the machines that run this suite, so this
small HTTP server implements the part of OPA's REST API meshguard uses —
``PUT /v1/policies/{id}``, ``PUT /v1/data/{path}``, ``POST /v1/data/{path}``
with ``{"input": …}`` and ``GET /health`` — over real HTTP on 127.0.0.1, and
answers by delegating to the embedded interpreter (regorus). Like OPA, an
undefined document is HTTP 200 without a ``result`` key. ``fault`` makes it
misbehave: "slow", "500", "drop", "garbage", "undefined".
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from meshguard.errors import PolicyError
from meshguard.policy.bundle import Module
from meshguard.policy.rego import RegoCore


class OpaStandIn:
    def __init__(self) -> None:
        self.policies: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.fault: str | None = None
        self.slow_seconds = 5.0
        self.requests: list[tuple[str, str]] = []
        self._version = 0
        self._local = threading.local()
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

    def _build(self) -> RegoCore:
        modules = [Module(pid, text) for pid, text in sorted(self.policies.items())]
        return RegoCore.load(modules, self.data)

    def evaluate(self, path: str, input_doc: Any) -> Any:
        # regorus engines are bound to the thread that made them: one per request thread
        with self._lock:
            if getattr(self._local, "version", None) != self._version:
                self._local.core = self._build()
                self._local.version = self._version
            core: RegoCore = self._local.core
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
                standin.requests.append(("GET", self.path))
                if self.path.startswith("/health"):
                    self._send(200, {})
                else:
                    self._send(404, {"code": "resource_not_found", "message": "not found"})

            def do_PUT(self) -> None:
                standin.requests.append(("PUT", self.path))
                body = self._body()
                if self.path.startswith("/v1/policies/"):
                    pid = self.path.removeprefix("/v1/policies/")
                    with standin._lock:
                        standin.policies[pid] = body.decode()
                        try:
                            standin._build()
                            standin._version += 1
                        except PolicyError as exc:
                            del standin.policies[pid]
                            self._send(400, {"code": "invalid_parameter", "message": str(exc), "errors": []})
                            return
                    self._send(200, {})
                elif self.path.startswith("/v1/data/"):
                    key = self.path.removeprefix("/v1/data/").strip("/")
                    with standin._lock:
                        standin.data[key] = json.loads(body)
                        standin._version += 1
                    self.send_response(204)
                    self.end_headers()
                else:
                    self._send(404, {"code": "resource_not_found"})

            def do_POST(self) -> None:
                standin.requests.append(("POST", self.path))
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
