"""The fork of the schema helper and of meshguard.forked (``schemacheck.fork_child``): the child
runs its function and leaves; it never runs its caller's code.

Each case forks inside a fresh interpreter (a child that came back into the caller here would
go on running the test session), which prints one line per process that gets past the fork.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import PROJECT

PROBE = """
import atexit, json, os, sys
from meshguard.schemacheck import fork_child

def say(*words):  # one write per line: the two processes share the pipe
    os.write(1, (" ".join(map(str, words)) + "\\n").encode())


atexit.register(lambda: say("atexit", os.getpid() == PARENT))
PARENT = os.getpid()
BODY = sys.argv[1]


def body():
    if BODY == "raises":
        raise ValueError("boom")
    if BODY == "exits":
        sys.exit(0)
    if BODY == "interrupted":
        raise KeyboardInterrupt
    say("body", os.getpid() != PARENT)


try:
    pid = fork_child(body)
finally:
    say("past the fork", os.getpid() == PARENT)
_, status = os.waitpid(pid, 0)
say("status", json.dumps(os.waitstatus_to_exitcode(status)))
"""


@pytest.mark.parametrize(
    ("body", "status", "ran"),
    [("returns", 0, ["body True"]), ("raises", 4, []), ("exits", 4, []), ("interrupted", 4, [])],
)
def test_the_child_runs_its_body_and_leaves(body: str, status: int, ran: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, body], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    # the caller's `finally` and `atexit` ran once, in the parent; the child printed only its body's
    # line (the two processes print at the same time: compared in sorted order)
    expected = [*ran, "past the fork True", f"status {json.dumps(status)}", "atexit True"]
    assert sorted(proc.stdout.splitlines()) == sorted(expected)
    assert proc.stdout.splitlines()[-2:] == expected[-2:]
    assert proc.stderr == ""
