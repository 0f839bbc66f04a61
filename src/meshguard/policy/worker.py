"""The embedded engine's worker process (:func:`meshguard.policy.embedded._spawn` starts it).

regorus holds the GIL while it evaluates, so a runaway policy cannot be
interrupted from a thread; the embedded engine therefore evaluates in this
small child process and kills it when a deadline passes. Frames on
stdin/stdout: a 4-byte big-endian length, then a one-line JSON header, a
newline and a raw payload (the input document or the answer, as JSON).

Requests: ``{"op": "load", ...}`` (payload: ``{"modules", "data", "rules", "core", "compiled", "program"}``;
core null for regorus, or the "module:Class" of another core with the same interface; compiled:
regorus decides through its compiled program too, :mod:`meshguard.policy.compiled`; program: the
bundle's hash, for :mod:`meshguard.policy.programcache`),
``{"op": "eval"}`` (payload: the input document),
``{"op": "eval_many"}`` (payload: input documents, one JSON document per line; one answer
frame per document, in order: ``{"tree": true}`` + the compiled program's decisions tree as it
wrote it, for the caller to flatten, or ``{"ok": true}`` + values and errors),
``{"op": "query", "query": ...}`` (payload: an input document or empty).
Answers: ``{"ok": true}`` + payload, or ``{"error": {message, path, line, column}}``.
"""

from __future__ import annotations

import json
import os
import struct
import sys

# Started beside every policy run (the pre-commit hook's too): it imports only what it uses,
# no typing or dataclasses (tests/test_startup_imports.py holds it to that).
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would cost more than this module
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, Any

_HEADER = struct.Struct(">I")
#: decisions a worker makes with the interpreter before compiling the standard pack
COMPILE_AFTER = 15


def write_frame(stream: IO[bytes], header: dict[str, Any], payload: bytes = b"") -> None:
    body = json.dumps(header).encode() + b"\n" + payload
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def split_frame(body: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, payload = body.partition(b"\n")
    header: dict[str, Any] = json.loads(head)
    return header, payload


def _read_exact(stream: IO[bytes], n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class _Module:
    """A Rego module as the request names it (path, text): what the cores read of a module."""

    __slots__ = ("path", "text")

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    from meshguard.errors import PolicyError
    from meshguard.policy.rego import RegoCore

    core: Any = None
    decide: Callable[[str], tuple[dict[str, Any], dict[str, str]]] | None = None
    #: the compiled program's answer as JSON, when it gives one (eval_many sends it as it is)
    raw: Callable[[str], str | None] | None = None
    while True:
        size = _read_exact(inp, _HEADER.size)
        if size is None:
            return
        body = _read_exact(inp, _HEADER.unpack(size)[0])
        if body is None:
            return
        header, payload = split_frame(body)
        op = header.get("op")
        try:
            if op == "load":
                spec = json.loads(payload)
                loader: Any = RegoCore
                options: dict[str, Any] = {}
                if spec.get("compiled"):
                    # program: the bundle's hash, under which its compiled program is kept between runs
                    options = {
                        "compiled": True,
                        "compile_after": COMPILE_AFTER,
                        "program": spec.get("program"),
                    }
                if spec.get("core"):  # "module:Class" of another core (opa-inprocess: OPA's own)
                    import importlib

                    module, _, name = str(spec["core"]).partition(":")
                    loader = getattr(importlib.import_module(module), name)
                    options = {}
                core = loader.load(
                    (_Module(p, t) for p, t in spec["modules"]),
                    spec["data"],
                    spec.get("rules", ()),
                    **options,
                )
                decide = core.decide if loader is RegoCore else _decisions(core)
                raw = core.decide_raw if loader is RegoCore else None
                write_frame(out, {"ok": True})
            elif core is None or decide is None:
                write_frame(out, {"error": {"message": "no policies loaded"}})
            elif op == "eval":
                values, errors = decide(payload.decode())
                write_frame(out, {"ok": True}, json.dumps({"values": values, "errors": errors}).encode())
            elif op == "eval_many":
                # one answer frame per input (newline-separated JSON documents), so the
                # caller applies its deadline to every product, not to the whole batch
                for doc in payload.split(b"\n") if payload else ():
                    try:
                        if raw is not None:
                            tree = raw(doc.decode())
                            if tree is not None:  # the program's answer as it wrote it
                                write_frame(out, {"tree": True}, tree.encode())
                                continue
                        values, errors = decide(doc.decode())
                    except Exception as exc:
                        write_frame(
                            out, {"error": {"message": str(exc) or type(exc).__name__}, "kind": "eval"}
                        )
                        continue
                    write_frame(out, {"ok": True}, json.dumps({"values": values, "errors": errors}).encode())
            elif op == "query":
                value = core.query(header["query"], payload.decode() if payload else None)
                write_frame(out, {"ok": True}, json.dumps(value).encode())
            else:
                write_frame(out, {"error": {"message": f"unknown op {op!r}"}})
        except PolicyError as exc:
            err = {"message": exc.message, "path": exc.path, "line": exc.line, "column": exc.column}
            write_frame(out, {"error": err, "kind": "policy"})
        except Exception as exc:
            write_frame(out, {"error": {"message": str(exc) or type(exc).__name__}, "kind": "eval"})


def _decisions(core: Any) -> Callable[[str], tuple[dict[str, Any], dict[str, str]]]:
    """(values, errors) from a core whose ``evaluate`` answers a Decisions object."""

    def decide(input_json: str) -> tuple[dict[str, Any], dict[str, str]]:
        d = core.evaluate(input_json)
        return d.values, d.errors

    return decide


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the process that started it dies.

    A policy that loops holds the interpreter inside regorus, where neither
    signals handled in Python nor EOF on stdin are seen: without this, a worker
    whose parent was killed (a pool worker terminated, Ctrl-C) would spin forever.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig, sigkill = 1, 9  # Linux's values (the signal module would import enum)
        libc.prctl(pr_set_pdeathsig, sigkill, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent is already gone
        os._exit(1)


def main() -> None:
    _die_with_parent()
    os.environ["RUST_BACKTRACE"] = "0"
    os.environ["RUST_LIB_BACKTRACE"] = "0"
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
