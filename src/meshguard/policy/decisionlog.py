"""An OPA-style decision log: one JSON line per policy decision (``decision_log:`` / ``--decision-log``).

Each line records what was decided and how to reproduce it: the decision id,
the run id, the time, meshguard's version and engine, the policy bundle's
content hash (as OPA's bundle revision), the input document and its hash, and
the result (findings per rule, rule errors). The input is the policy input
document, which already follows meshguard's masking rules (no values of
guarded columns: only counts, kinds and, for unguarded columns, min/max).
Lines are appended with one ``write`` each, so concurrent runs never interleave.
"""

from __future__ import annotations

import json
import marshal
import os
import uuid
from pathlib import Path
from typing import Any

import orjson

from meshguard.digest import sha256
from meshguard.errors import OutputUnavailable
from meshguard.version import __version__


def input_hash(doc: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a policy input, without ``meshguard.now`` (the run's clock,
    recorded as the run's timestamp), so the same contract and data give the same hash."""
    stable = dict(doc)
    if isinstance(stable.get("meshguard"), dict):
        stable["meshguard"] = {k: v for k, v in stable["meshguard"].items() if k != "now"}
    text = json.dumps(stable, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + sha256(text.encode("utf-8")).hexdigest()


def hashed_payload(doc: dict[str, Any]) -> tuple[str, bytes]:
    """:func:`input_hash` of a policy input and the input as JSON for an engine (an engine reads
    any key order): the canonical JSON of the whole document, for the engine, and of the
    document with ``meshguard`` less ``now``, for the hash. Where the whole document's screen
    finds nothing orjson writes otherwise than json (:func:`canonical`), neither does the
    other's (a subset of its values, each member still between quoted keys), so both are
    orjson's; otherwise each member is written on its own (:func:`_by_member`)."""
    try:
        payload = orjson.dumps(doc, option=_ORJSON)
        # marshal's version 2: no references, whose indexes (version 3 on) would hold 0x7f and
        # 0xff in about any document of this size; its floats are the same eight bytes
        screen = marshal.dumps(doc, 2)
    except (TypeError, ValueError):
        return _by_member(doc)
    if _suspect(payload, screen):
        return _by_member(doc)
    meta = doc.get("meshguard")
    text = payload
    if isinstance(meta, dict) and "now" in meta:
        stable = {k: v for k, v in meta.items() if k != "now"}
        text = orjson.dumps({**doc, "meshguard": stable}, option=_ORJSON)
    return "sha256:" + sha256(text).hexdigest(), payload


def _by_member(doc: dict[str, Any]) -> tuple[str, bytes]:
    """:func:`hashed_payload` member by member, each written as :func:`canonical` writes it; a
    document holding a value JSON cannot write goes the old way (the hash writes it with
    ``str``, the engine's JSON refuses it)."""
    try:
        members = {key: canonical(key) + b":" + canonical(doc[key]) for key in sorted(doc)}
        meta = doc.get("meshguard")
        hashed = members
        if isinstance(meta, dict) and "now" in meta:
            stable = {k: v for k, v in meta.items() if k != "now"}
            hashed = {**members, "meshguard": b'"meshguard":' + canonical(stable)}
    except TypeError:
        return input_hash(doc), json.dumps(doc).encode()
    text = b"{" + b",".join(hashed.values()) + b"}"
    payload = b"{" + b",".join(members.values()) + b"}"
    return "sha256:" + sha256(text).hexdigest(), payload


#: orjson's options for canonical JSON: sorted keys; what json cannot write (dates, dataclasses,
#: subclasses of the JSON types) is refused, so that it goes json's way
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ORJSON |= orjson.OPT_PASSTHROUGH_SUBCLASS
_DIGITS = frozenset(b"0123456789")


def canonical(value: Any) -> bytes:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` as UTF-8,
    byte for byte (stored input hashes are sha256 of it), written by orjson (several times
    faster) where orjson writes the same bytes: every value but the floats it writes otherwise
    (see :func:`_suspect`) and what it refuses (integers beyond 64 bits, non-string keys,
    surrogates, dates…), which json writes, or refuses, as before."""
    try:
        out = orjson.dumps(value, option=_ORJSON)
        screen = marshal.dumps(value)  # refuses what json cannot write either (UUIDs, enums…)
    except (TypeError, ValueError):
        return _json(value)
    return _json(value) if _suspect(out, screen) else out


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _suspect(out: bytes, screen: bytes) -> bool:
    """Whether ``value`` (``out`` as orjson wrote it, ``screen`` as marshal does) may hold a float
    orjson writes otherwise than json (``float.__repr__``), or a string that looks like one:
    ±inf and NaN (orjson writes null; their eight bytes in marshal's form end in 0x7f or 0xff,
    which any other byte of it may be too) and exponents -5 to -9 (orjson writes 1e-05 as
    0.00001, 1e-06 as 1e-6: a digit before "e-", or "0.0000"). Every other float is written
    alike (tests/test_policy_canonical.py). A false alarm only sends the value json's way."""
    if b"\x7f" in screen or b"\xff" in screen or b"0.0000" in out:
        return True
    at = out.find(b"e-")
    while at > 0:
        if out[at - 1] in _DIGITS:
            return True
        at = out.find(b"e-", at + 2)
    return False


class DecisionLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        except OSError as exc:
            raise OutputUnavailable(f"cannot open the decision log: {exc.strerror}", path=str(path)) from None

    def write(
        self,
        *,
        run_id: str | None,
        timestamp: str,
        engine: str,
        bundle_hash: str,
        doc: dict[str, Any],
        digest: str,
        result: dict[str, Any],
        errors: dict[str, str],
        eval_ns: int,
    ) -> None:
        record = {
            "decision_id": uuid.uuid4().hex,
            "run_id": run_id,
            "timestamp": timestamp,
            "labels": {"app": "meshguard", "version": __version__, "engine": engine},
            "bundles": {"meshguard": {"revision": bundle_hash}},
            "path": "meshguard",
            "product": doc.get("product", {}).get("id"),
            "input_hash": digest,
            "input": doc,
            "result": result,
            "errors": errors,
            "metrics": {"timer_eval_ns": eval_ns},
        }
        line = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str) + "\n"
        self.put(line.encode("utf-8"))

    def put(self, line: bytes) -> None:
        """Append one line as written (a forked child's, kept by :class:`KeptLog`)."""
        try:
            os.write(self._fd, line)
        except OSError as exc:
            raise OutputUnavailable(
                f"cannot write the decision log: {exc.strerror}", path=str(self.path)
            ) from None

    def close(self) -> None:
        os.close(self._fd)


class KeptLog(DecisionLog):
    """A decision log whose lines are kept in memory: a forked child's, for its parent to
    append after its own (one file, the products' order)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[bytes] = []

    def put(self, line: bytes) -> None:
        self.lines.append(line)

    def close(self) -> None:
        pass
