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
import os
import uuid
from pathlib import Path
from typing import Any

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
    """:func:`input_hash` of a policy input and the input as JSON for an engine, from one
    serialisation: the canonical JSON is written member by member (sorted, as ``sort_keys``
    writes it), the hash reads it with ``meshguard`` less ``now``, the engine with it (an engine
    reads any key order). A document holding a value JSON cannot write goes the old way (the
    hash writes it with ``str``, the engine's JSON refuses it)."""
    try:
        members = {
            key: f"{json.dumps(key, ensure_ascii=False)}:{_canonical(doc[key])}" for key in sorted(doc)
        }
        meta = doc.get("meshguard")
        hashed = members
        if isinstance(meta, dict) and "now" in meta:
            stable = {k: v for k, v in meta.items() if k != "now"}
            hashed = {**members, "meshguard": f'"meshguard":{_canonical(stable)}'}
    except TypeError:
        return input_hash(doc), json.dumps(doc).encode()
    text = "{" + ",".join(hashed.values()) + "}"
    payload = "{" + ",".join(members.values()) + "}"
    return "sha256:" + sha256(text.encode("utf-8")).hexdigest(), payload.encode("utf-8")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
