"""Whether a document is valid against a JSON Schema, decided by jsonschema-rs in a forked helper.

jsonschema-rs answers "valid?" for a contract in a fraction of a millisecond, but importing it
(its native module imports ``email.utils``, ``socket``, ``decimal`` and more at load, and reads
attributes of them there, so a lazy import cannot defer them) and building the ODCS validator
cost about 60 M instructions: 15 % of ``meshguard lint`` on one contract, all on one core.

:func:`prestart` forks a helper as soon as a command knows it will validate documents (when
:func:`core_free` finds a core for it): while
this process imports the command's modules, the helper imports jsonschema-rs and builds the
validators it is told to warm. :func:`is_valid` then sends it the schema's key and source (a
JSON file's path or the schema itself) and the document (with ``marshal``: YAML gives plain
data) and reads one byte back.
Where the helper cannot answer (no ``fork``, it died, it was never started, it has not answered
within :data:`ANSWER_WITHIN` seconds: it is killed, the schema or the document makes
jsonschema-rs raise) the same check runs in this process, so the verdicts and
errors are those of jsonschema-rs in this process. :func:`stop` ends the helper
(:func:`meshguard.cli.main` calls it on the way out).

The helper never writes to the inherited standard streams (they point at ``/dev/null`` in it),
leaves with ``os._exit`` and is stopped with ``SIGKILL``: none of this process's buffers,
finalisers or caches is touched twice.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import select
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

#: a schema: the path of a JSON file, or the schema itself
Source = str | dict[str, Any]

#: bytes of a message's length, before the message
_LENGTH = 4
#: SIGKILL (9 on every system with ``fork``; ``signal`` is not imported: building its enums
#: costs more than the helper saves on a small run)
_KILL = 9


#: seconds the helper has to take a request and answer it; past them it is killed and this
#: process decides (a helper stopped or starved must not hang the command)
ANSWER_WITHIN = 5.0

#: documents the helper checks; past them this process imports jsonschema-rs itself (a run over a
#: whole repo: the import is then a small part, and a pipe round trip per document is not)
MAX_ASKS = 16


class _Helper:
    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers
        self.owner = os.getpid()  # a forked child of the owner must not talk on its pipes
        self.asked = 0


_HELPER: _Helper | None = None
#: validators built in this process (the fallback), by key
_LOCAL: dict[str, Any] = {}


def _build(source: Source) -> Any:
    import jsonschema_rs

    if isinstance(source, str):
        import json

        source = json.loads(Path(source).read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(source)


def _read_exactly(fd: int, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _serve(requests: int, answers: int, warm: Sequence[tuple[str, Source]]) -> None:
    """The helper's loop: warm the validators named, then answer each request until EOF."""
    built: dict[str, Any] = {}
    for key, source in warm:
        # asked for later, it raises again there and the parent checks it itself
        with contextlib.suppress(Exception):
            built[key] = _build(source)
    while True:
        try:
            size = int.from_bytes(_read_exactly(requests, _LENGTH), "big")
            key, source, doc = marshal.loads(_read_exactly(requests, size))
        except EOFError:
            return
        try:
            validator = built.get(key)
            if validator is None:
                validator = built[key] = _build(source)
            answer = b"1" if validator.is_valid(doc) else b"0"
        except Exception:
            answer = b"E"
        os.write(answers, answer)


def fork_child(body: Callable[[], object]) -> int:
    """Fork; the child runs ``body`` and leaves with ``os._exit``: status 0 when ``body``
    returned, 4 (an internal error) when it raised anything (``SystemExit`` and
    ``KeyboardInterrupt`` too), so none of this process's ``finally`` blocks, buffers,
    finalisers or ``atexit`` handlers runs twice. Returns the child's pid, in this process only.

    The helper here and the forked parts of a run (:mod:`meshguard.forked`) both fork this way;
    it lives in this module because ``meshguard lint`` imports it anyway, and only ``os``."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            body()
        except BaseException:
            code = 4
        finally:
            os._exit(code)
    return pid


def core_free() -> bool:
    """Whether a core is free for the helper: the last minute's load average is under the number
    of cores (this command's own runs count in it). On a saturated machine the helper waits for
    a core and only adds its own start-up (measured: +6 % wall and CPU at load 10 on 2 cores)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores >= 2 and load < cores


def prestart(warm: Sequence[tuple[str, Source]] = ()) -> None:
    """Fork the helper (once; not where ``fork`` is missing) and have it build ``warm``'s validators."""
    global _HELPER
    if _HELPER is not None or not hasattr(os, "fork"):
        return
    req_r, req_w = os.pipe()
    ans_r, ans_w = os.pipe()

    def helper() -> None:
        os.close(req_w)
        os.close(ans_r)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        _serve(req_r, ans_w, warm)

    pid = fork_child(helper)
    os.close(req_r)
    os.close(ans_w)
    os.set_blocking(req_w, False)  # a request larger than the pipe cannot block past the bound
    _HELPER = _Helper(pid, req_w, ans_r)


def _wait(fd: int, deadline: float, *, writing: bool) -> None:
    """Until ``fd`` is ready, or :class:`TimeoutError` at ``deadline``."""
    wanted = ([], [fd]) if writing else ([fd], [])
    if not any(select.select(*wanted, [], max(0.0, deadline - time.monotonic()))[:2]):
        raise TimeoutError


def _ask(helper: _Helper, key: str, source: Source, doc: Any) -> bool | None:
    """The helper's verdict; None when it cannot give one."""
    try:
        payload = marshal.dumps((key, source, doc))
    except ValueError:  # not plain data: this process checks it
        return None
    message = memoryview(len(payload).to_bytes(_LENGTH, "big") + payload)
    deadline = time.monotonic() + ANSWER_WITHIN
    try:
        while message:
            _wait(helper.requests, deadline, writing=True)
            message = message[os.write(helper.requests, message) :]
        _wait(helper.answers, deadline, writing=False)
        answer = _read_exactly(helper.answers, 1)
    except (OSError, EOFError):  # the helper died or hangs (TimeoutError): ask no more
        stop()
        return None
    return {b"1": True, b"0": False}.get(answer)


def is_valid(key: str, source: Source, doc: Any) -> bool:
    """Whether ``doc`` is valid against the schema ``source`` (named ``key``: one key, one schema)."""
    helper = _HELPER
    if helper is not None and helper.owner == os.getpid():
        if helper.asked >= MAX_ASKS:
            stop()
        else:
            helper.asked += 1
            verdict = _ask(helper, key, source, doc)
            if verdict is not None:
                return verdict
    validator = _LOCAL.get(key)
    if validator is None:
        validator = _LOCAL[key] = _build(source)
    return bool(validator.is_valid(doc))


def running() -> bool:
    """Whether a helper is up (for tests and diagnostics)."""
    return _HELPER is not None


def stop() -> None:
    """End the helper, if one runs; later checks run in this process."""
    global _HELPER
    helper = _HELPER
    if helper is None or helper.owner != os.getpid():
        return
    _HELPER = None
    for fd in (helper.requests, helper.answers):
        with contextlib.suppress(OSError):
            os.close(fd)
    try:
        os.kill(helper.pid, _KILL)
        os.waitpid(helper.pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
