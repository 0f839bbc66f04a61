"""The ``opa`` engine: a remote OPA server through opa-python-client (imported lazily).

Configured by ``engine.opa`` in meshguard.yaml (url, bearer token from an
environment variable, TLS verification, CA bundle, timeout, retries with
backoff) or ``--opa-url`` / ``--push-policies``. In push mode the repo's
data and policies are uploaded first (``PUT /v1/data/{key}``,
``PUT /v1/policies/{id}``); otherwise the server's own bundles are queried.
OPA compiles each uploaded module together with the modules it already holds,
so modules go up in dependency order (a module after every module whose
package it refers to). A module the server refuses (HTTP 400: parse, compile or
type error) is a :class:`PolicyError` naming the module, its line and OPA's error.

Each product is one ``POST /v1/data/meshguard``. Fail closed: a transport
error, timeout, 4xx/5xx, malformed answer or an undefined ``data.meshguard``
(no such path on the server) raises :class:`EngineUnavailable` (exit 3).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from meshguard.config import Config
from meshguard.errors import EngineUnavailable, PolicyError, UsageError
from meshguard.policy.bundle import Module, PolicyBundle
from meshguard.policy.engine import ROOT, Decisions, EngineCapabilities, flatten_tree
from meshguard.policy.metadata import scan_file
from meshguard.stages import PolicyContext


def _policy_id(path: str) -> str:
    return "meshguard/" + path.replace("\\", "/").removesuffix(".rego")


_REF = re.compile(r"\bdata\.([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)")
_NOISE = re.compile(r'"(?:\\.|[^"\\\n])*"|`[^`]*`|#[^\n]*')


def upload_order(modules: Sequence[Module]) -> list[Module]:
    """``modules`` ordered so that each comes after the modules whose packages it refers to
    (``import data.x`` or a ``data.x.…`` reference); ties and cycles keep path order."""
    packages = {m.path: scan_file(m.text, m.path).package or "" for m in modules}
    needs: dict[str, set[str]] = {}
    for m in modules:
        refs = set(_REF.findall(_NOISE.sub("", m.text)))
        needs[m.path] = {
            other.path
            for other in modules
            if other.path != m.path
            and packages[other.path]
            and packages[other.path] != packages[m.path]
            and any(r == packages[other.path] or r.startswith(packages[other.path] + ".") for r in refs)
        }
    done: list[Module] = []
    placed: set[str] = set()
    pending = sorted(modules, key=lambda m: m.path)
    while pending:
        ready = [m for m in pending if needs[m.path] <= placed] or pending[:1]  # a cycle: path order
        for m in ready:
            done.append(m)
            placed.add(m.path)
        pending = [m for m in pending if m.path not in placed]
    return done


def _upload_error(exc: Any) -> tuple[str, int | None]:
    """OPA's 400 answer to a module upload: the first error's code and message, and its line."""
    errors = [e for e in getattr(exc, "errors", None) or [] if isinstance(e, dict)]
    if not errors:
        return f"{getattr(exc, 'expression', '') or 'refused'}: {getattr(exc, 'message', exc)}", None
    first = errors[0]
    row = (first.get("location") or {}).get("row")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first.get('code', 'error')}: {first.get('message', '')}{more}", row if isinstance(
        row, int
    ) else None


class OpaEngine:
    name = "opa"
    capabilities = EngineCapabilities()

    def __init__(
        self,
        url: str,
        bundle: PolicyBundle,
        *,
        token: str | None = None,
        verify_tls: bool = True,
        ca_bundle: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        push: bool = False,
    ) -> None:
        from opa_client.opa import OpaClient

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"invalid OPA URL {url!r} (expected http(s)://host:port)")
        if parts.path.strip("/"):
            raise UsageError(f"the OPA URL must not have a path: {url!r}")
        https = parts.scheme == "https"
        self._token = token
        self._retries = retries
        self.url = f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if https else 8181)}"
        self.bundle = bundle
        self._client = OpaClient(
            host=parts.hostname,
            port=parts.port or (443 if https else 8181),
            ssl=https,
            token=token,
            timeout=timeout,
            retries=retries,
        )
        if https:
            self._client._session.verify = ca_bundle or verify_tls
        if push:
            self.push()

    def _fail(self, what: str, exc: BaseException | str) -> EngineUnavailable:
        reason = exc if isinstance(exc, str) else f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        if self._token:  # a server or proxy may echo the request headers in its error
            reason = reason.replace(self._token, "***")
        return EngineUnavailable(f"OPA at {self.url}: {what}: {reason}")

    def _bounded(self, what: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` within a total deadline: the per-read timeout of requests does not stop a
        server that drips its answer byte by byte (the stuck reader thread is a daemon)."""
        limit = self._client.timeout * (self._retries + 1) + 0.3 * 2**self._retries + 1.0
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc

        worker = threading.Thread(target=run, name="meshguard-opa", daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            raise self._fail(what, f"no complete answer within {limit:.0f} s (stalled or dripping server)")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def _call(self, what: str, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        session = self._client._session
        try:
            response = self._bounded(
                what,
                lambda: session.request(
                    method, f"{self.url}/v1/{path}", timeout=self._client.timeout, **kwargs
                ),
            )
        except requests.RequestException as exc:
            raise self._fail(what, exc) from None
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
            raise self._fail(what, f"HTTP {response.status_code} {detail}".strip())
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self._fail(what, "the answer is not JSON") from None

    def push(self) -> None:
        """Upload the data document and every policy module of the bundle (in dependency order)."""
        from opa_client.errors import RegoParseError

        for key, value in self.bundle.data.items():
            self._call(f"pushing data {key}", "PUT", f"data/{key}", json=value)
        for m in upload_order(self.bundle.modules):
            try:
                self._bounded(
                    f"pushing {m.path}",
                    lambda m=m: self._client.update_policy_from_string(  # type: ignore[misc]
                        m.text, _policy_id(m.path), rego_compat=False
                    ),
                )
            except EngineUnavailable:
                raise
            except RegoParseError as exc:  # HTTP 400: the server's compiler refused the module
                message, line = _upload_error(exc)
                raise PolicyError(
                    f"OPA at {self.url} refused the module: {message}", path=m.path, line=line
                ) from None
            except Exception as exc:
                raise self._fail(f"pushing {m.path}", exc) from None

    def evaluate(self, doc: dict[str, Any]) -> Decisions:
        product = doc.get("product", {}).get("id", "?")
        what = f"evaluating product {product!r}"
        import requests

        try:
            answer = self._bounded(what, lambda: self._client.query_rule(doc, ROOT))
        except (requests.JSONDecodeError, ValueError):  # the body is not JSON
            raise self._fail(what, "malformed answer (not JSON)") from None
        except requests.HTTPError as exc:
            response = exc.response
            code = response.status_code if response is not None else "?"
            raise self._fail(what, f"HTTP {code}") from None
        except requests.RequestException as exc:
            raise self._fail(what, exc) from None
        if not isinstance(answer, dict):
            raise self._fail(what, "malformed answer (not a JSON object)")
        if "result" not in answer:
            raise self._fail(what, f"data.{ROOT} is undefined (no meshguard policies loaded on the server?)")
        values = flatten_tree(answer["result"])
        if values is None:
            raise self._fail(what, f"malformed answer (data.{ROOT} is not an object of rule sets)")
        return Decisions(values=values)

    def close(self) -> None:
        self._client.close_connection()


def open_opa(bundle: PolicyBundle, config: Config, run: PolicyContext) -> OpaEngine:
    opa = config.engine.opa
    url = run.opa_url or opa.url
    if not url:
        raise UsageError("the opa engine needs a server URL (--opa-url or engine.opa.url in meshguard.yaml)")
    token = os.environ.get(opa.token_env) if opa.token_env else None
    ca = opa.ca_bundle
    if ca and not os.path.isabs(ca):
        ca = str(config.root / ca)
    push = run.push_policies if run.push_policies is not None else opa.push_policies
    return OpaEngine(
        url,
        bundle,
        token=token,
        verify_tls=opa.verify_tls,
        ca_bundle=ca,
        timeout=opa.timeout,
        retries=opa.retries,
        push=push,
    )
