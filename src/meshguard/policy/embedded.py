"""The embedded engine (default): regorus, in a worker process guarded by a deadline.

The bundle is parsed once per worker and reused for every product; each
product is one ``data.meshguard`` evaluation. A worker is started per thread
(so parallel callers never share an interpreter). When an evaluation runs past
``engine.timeout`` the worker is killed and the run fails closed
(:class:`EngineUnavailable`, exit 3); syntax errors are :class:`PolicyError`
(file:line:col, exit 2).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from meshguard.config import Config
from meshguard.errors import EngineUnavailable, PolicyError
from meshguard.policy.bundle import PolicyBundle
from meshguard.policy.compiled import compilable
from meshguard.policy.engine import Decisions, EngineCapabilities
from meshguard.policy.tree import ROOT, flatten_tree
from meshguard.policy.worker import split_frame, write_frame
from meshguard.stages import PolicyContext

_SIZE = struct.Struct(">I")
#: how much of the worker's answers one read of the pipe takes at most (a pipe holds 64 KiB)
_CHUNK = 1 << 16
#: the header of an answer without error, as the worker writes it (:func:`write_frame`)
_OK = json.dumps({"ok": True}).encode() + b"\n"
#: the header of a decisions tree the worker sends as its program wrote it (``eval_many``)
_TREE = json.dumps({"tree": True}).encode() + b"\n"


class EvaluationError(RuntimeError):
    """A query failed inside the interpreter (a builtin error, a conflict…)."""


def _spawn() -> subprocess.Popen[bytes]:
    """A new worker process (it waits for its ``load`` request)."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])  # the folder holding the meshguard package
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env["RUST_BACKTRACE"] = "0"
    return subprocess.Popen(
        # -c rather than -m: runpy and what it imports would be a fifth of the worker's start-up
        [sys.executable, "-c", "from meshguard.policy.worker import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


#: a worker started ahead of its engine (see :func:`prestart`), with the process that started it
_SPARES: list[tuple[int, subprocess.Popen[bytes]]] = []
_exit_hook = False


def prestart() -> None:
    """Start one worker process now, for the first engine of this process to take.

    A command calls it as soon as it knows the run will decide policies with this engine:
    the worker's interpreter start-up and imports then overlap with the command's own
    imports, the contract loading and the versioning stage (the pre-commit hook waited
    for them otherwise). A spare nobody takes is stopped at exit.
    """
    global _exit_hook
    if _SPARES:
        return
    _SPARES.append((os.getpid(), _spawn()))
    if not _exit_hook:
        atexit.register(_drop_spares)
        _exit_hook = True


def _spare() -> subprocess.Popen[bytes] | None:
    while _SPARES:
        pid, proc = _SPARES.pop()
        if pid == os.getpid() and proc.poll() is None:  # never a forked parent's process
            return proc
    return None


def _drop_spares() -> None:
    while _SPARES:
        pid, proc = _SPARES.pop()
        if pid == os.getpid():
            _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _decisions(answer: dict[str, Any], body: bytes) -> Decisions:
    """The decisions of one answer to ``eval_many``: values and errors, or the compiled
    program's decisions tree, flattened here as the worker's :meth:`RegoCore.decide` would."""
    raw = json.loads(body)
    if not answer.get("tree"):
        return Decisions(values=raw["values"], errors=raw["errors"])
    values = flatten_tree(raw)
    if values is None:  # the worker's decide raises this (as an evaluation error) for the same tree
        raise EvaluationError(f"data.{ROOT} is not an object of rule sets")
    return Decisions(values=values, errors={})


class Worker:
    """One child process holding one loaded regorus engine."""

    def __init__(
        self,
        bundle: PolicyBundle,
        timeout: float,
        *,
        with_tests: bool = False,
        core: str | None = None,
        compiled: bool = True,
    ) -> None:
        self.timeout = timeout
        self._proc = _spare() or _spawn()
        #: answers read from the pipe and not yet taken (from :attr:`_pos` on; see :meth:`_read`)
        self._buf = bytearray()
        self._pos = 0
        modules = [*bundle.modules, *(bundle.tests if with_tests else ())]
        #: regorus's compiled program decides too, where it cannot differ (meshguard.policy.compiled)
        self.compiled = compiled and core is None and not with_tests and compilable(bundle)
        spec = {
            "modules": [[m.path, m.text] for m in modules],
            "data": bundle.data,
            "rules": [f"{r.package}.{r.name}" for r in bundle.rules],
            "core": core,
            "compiled": self.compiled,
            "program": bundle.hash if self.compiled else None,
        }
        # Loading is sent now and its answer read before the first decision, so the
        # worker's start-up overlaps with the stages that run before the policy stage.
        self.send({"op": "load"}, json.dumps(spec).encode(), "loading policies")
        self._loading: float | None = max(timeout, 30.0)

    def wait_loaded(self) -> None:
        """Read the answer to the load request (a policy syntax error surfaces here)."""
        if self._loading is not None:
            timeout, self._loading = self._loading, None
            self.receive(timeout, "loading policies")

    def _read(self, n: int, deadline: float, what: str) -> bytes:
        """``n`` bytes of the worker's answers, within ``deadline``. The pipe is read in large
        pieces (every answer already written, up to :data:`_CHUNK`) and kept in :attr:`_buf`:
        a batch's answers then cost a few system calls, not two per product."""
        assert self._proc.stdout is not None
        buf, pos = self._buf, self._pos
        while len(buf) - pos < n:
            left = deadline - time.monotonic()
            fd = self._proc.stdout.fileno()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.close()
                raise EngineUnavailable(
                    f"{what} exceeded the {self.timeout:g} s policy timeout "
                    "(a policy that loops or is very slow?); engine.timeout in meshguard.yaml sets it"
                )
            chunk = os.read(fd, max(n - len(buf) + pos, _CHUNK))
            if not chunk:
                code = self._proc.poll()
                self.close()
                raise EngineUnavailable(f"the embedded policy engine stopped while {what} (exit {code})")
            if pos:
                del buf[:pos]
                pos = 0
            buf += chunk
        self._pos = pos + n
        return bytes(buf[pos : pos + n])

    def send(self, header: dict[str, Any], payload: bytes, what: str) -> None:
        assert self._proc.stdin is not None
        try:
            write_frame(self._proc.stdin, header, payload)
        except (BrokenPipeError, OSError):
            self.close()
            raise EngineUnavailable(f"the embedded policy engine is not running ({what})") from None

    def receive(self, timeout: float, what: str) -> tuple[dict[str, Any], bytes]:
        self.wait_loaded()
        deadline = time.monotonic() + timeout
        size = _SIZE.unpack(self._read(_SIZE.size, deadline, what))[0]
        frame = self._read(size, deadline, what)
        if frame.startswith(_TREE):  # most answers: their header needs no parsing
            return {"tree": True}, frame[len(_TREE) :]
        if frame.startswith(_OK):
            return {"ok": True}, frame[len(_OK) :]
        answer, body = split_frame(frame)
        err = answer.get("error")
        if err is not None:
            if answer.get("kind") == "policy":
                raise PolicyError(
                    err["message"], path=err.get("path"), line=err.get("line"), column=err.get("column")
                )
            if answer.get("kind") == "eval":
                raise EvaluationError(str(err.get("message")))
            raise EngineUnavailable(f"embedded policy engine failed while {what}: {err.get('message')}")
        return answer, body

    def request(
        self, header: dict[str, Any], payload: bytes, timeout: float, what: str
    ) -> tuple[dict[str, Any], bytes]:
        self.send(header, payload, what)
        return self.receive(timeout, what)

    def evaluate(self, doc: dict[str, Any], what: str) -> Decisions:
        _, body = self.request({"op": "eval"}, json.dumps(doc).encode(), self.timeout, what)
        raw = json.loads(body)
        return Decisions(values=raw["values"], errors=raw["errors"])

    def query(self, query: str, doc: dict[str, Any] | None = None) -> Any:
        payload = json.dumps(doc).encode() if doc is not None else b""
        _, body = self.request({"op": "query", "query": query}, payload, self.timeout, f"evaluating {query}")
        return json.loads(body)

    def close(self) -> None:
        _stop(self._proc)


class EmbeddedEngine:
    """Decisions from worker processes; ``core`` ("module:Class") picks the evaluator they load
    (regorus when None; :mod:`meshguard.policy.opa_inprocess` passes OPA's own)."""

    capabilities = EngineCapabilities(batches=True)

    def __init__(
        self,
        bundle: PolicyBundle,
        timeout: float,
        *,
        core: str | None = None,
        name: str = "embedded",
        compiled: bool = True,
    ) -> None:
        self.name = name
        self.core = core
        self.compiled = compiled
        self.bundle = bundle
        self.timeout = timeout
        self._local = threading.local()
        self._workers: list[Worker] = []
        self._lock = threading.Lock()
        self._worker()  # load now: syntax errors surface before any product is evaluated

    def _worker(self) -> Worker:
        worker: Worker | None = getattr(self._local, "worker", None)
        if worker is None or worker._proc.poll() is not None:
            worker = Worker(self.bundle, self.timeout, core=self.core, compiled=self.compiled)
            self._local.worker = worker
            with self._lock:
                self._workers.append(worker)
        return worker

    def evaluate(self, doc: dict[str, Any]) -> Decisions:
        product = doc.get("product", {}).get("id", "?")
        try:
            return self._worker().evaluate(doc, f"evaluating policies for product {product!r}")
        except EvaluationError as exc:  # this product's input (e.g. nested past the engine's limit)
            return Decisions(failed=str(exc))

    def evaluate_many(self, docs: list[bytes], workers: int = 1) -> list[Decisions]:
        """Decisions for several serialised input documents (JSON, one line each)."""
        return self.submit(docs, workers)()

    def submit(self, docs: list[bytes], workers: int = 1) -> Callable[[], list[Decisions]]:
        """Send serialised input documents (JSON, one line each) to ``workers`` processes
        and return a function that collects their decisions, in order.

        The documents are split into contiguous slices, one frame per worker; the
        workers evaluate while the caller does other work. Every worker answers
        product by product and each answer must arrive within ``engine.timeout``
        of the caller asking for it, as with :meth:`evaluate`.
        """
        pool = self._pool(max(1, min(workers, len(docs))))
        size = -(-len(docs) // len(pool)) if docs else 0
        slices = [docs[i * size : (i + 1) * size] for i in range(len(pool))]
        try:
            for worker, part in zip(pool, slices, strict=True):
                if part:
                    worker.send({"op": "eval_many"}, b"\n".join(part), "evaluating policies")
        except BaseException:
            self._reset(pool)
            raise

        def collect() -> list[Decisions]:
            out: list[list[Decisions]] = [[] for _ in pool]
            try:
                for i in range(size):
                    for n, (worker, part) in enumerate(zip(pool, slices, strict=True)):
                        if i < len(part):
                            out[n].append(self._answer(worker))
            except BaseException:
                self._reset(pool)
                raise
            return [d for part in out for d in part]

        return collect

    def _answer(self, worker: Worker) -> Decisions:
        """One product's answer in a batch; one the engine could not evaluate (its input nested
        past the engine's limit, say) is that product's failure: the worker goes on with the next."""
        try:
            answer, body = worker.receive(self.timeout, "evaluating policies for a batch of products")
            return _decisions(answer, body)
        except EvaluationError as exc:
            return Decisions(failed=str(exc))

    def _reset(self, pool: list[Worker]) -> None:
        """Stop workers whose answers were left unread (they would be out of step)."""
        for worker in pool:
            worker.close()

    def _pool(self, n: int) -> list[Worker]:
        """The calling thread's ``n`` batch workers: its own :meth:`evaluate` worker first (a run
        that batches needs no second process), then more, kept for the thread's next batches."""
        pool: list[Worker] | None = getattr(self._local, "batch", None)
        if pool is None:
            pool = self._local.batch = []
        pool[:] = [w for w in pool if w._proc.poll() is None]
        if not pool:
            pool.append(self._worker())
        while len(pool) < n:
            worker = Worker(self.bundle, self.timeout, core=self.core, compiled=self.compiled)
            pool.append(worker)
            with self._lock:
                self._workers.append(worker)
        return pool[:n]

    def close(self) -> None:
        with self._lock:
            for w in self._workers:
                w.close()
            self._workers.clear()


def open_embedded(bundle: PolicyBundle, config: Config, run: PolicyContext) -> EmbeddedEngine:
    return EmbeddedEngine(bundle, config.engine.timeout, compiled=config.engine.compiled)
