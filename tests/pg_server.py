"""A throwaway PostgreSQL cluster from the system's binaries (initdb + pg_ctl), for tests.

A test run that is killed (SIGKILL, a timeout, a closed terminal) runs no ``finally`` and no
``atexit``, and pg_ctl puts the server in a session of its own, so nothing would stop it. Each
cluster's folder therefore names its owner (pid and start time, in ``owner``), and a guard
process, in a session of its own too, stops the server and removes the folder once the owner is
gone. Should the guard be killed as well, the next cluster started on the machine reaps every
cluster whose owner is gone. (Run as ``python pg_server.py guard FOLDER``, this file is the guard.)
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

USER = "meshguard"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: install the `postgresql` package")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


#: the cluster this test process shares between test modules, started on first use
_shared: dict[str, str | int] = {}
_in_use: list[bool] = []


@contextmanager
def postgres(*, private: bool = False) -> Iterator[dict[str, str | int]]:
    """A PostgreSQL server with an empty ``postgres`` database; yields {host, port, user, data}.

    One cluster per test process (per pytest-xdist worker) serves every module in turn: it
    starts on first use, stops when the process exits, and its ``postgres`` database is dropped
    and created again after each use, so every user starts from an empty database. A test that
    stops or breaks its server asks for a ``private`` cluster of its own (so does a use nested
    in another one).
    """
    if private or _in_use:
        with _cluster() as server:
            yield server
        return
    if not _shared:
        context = _cluster()
        _shared.update(context.__enter__())
        atexit.register(context.__exit__, None, None, None)
    _in_use.append(True)
    try:
        yield dict(_shared)
    finally:
        _in_use.clear()
        _recreate_database(_shared)


def _recreate_database(server: dict[str, str | int]) -> None:
    import psycopg

    with psycopg.connect(
        host=str(server["host"]), port=int(server["port"]), user=USER, dbname="template1", autocommit=True
    ) as conn:
        conn.execute("DROP DATABASE IF EXISTS postgres WITH (FORCE)")
        conn.execute("CREATE DATABASE postgres")


PREFIX = "meshguard-pg-"
#: how often the guard looks whether the owner is still there, in seconds
GUARD_EVERY = 0.5


def identity(pid: int) -> str:
    """``pid`` with its start time (a reused pid is another process), or "" when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return ""
    return "" if fields[0] == "Z" else f"{pid} {fields[19]}"  # a zombie is gone too


def _owner_gone(base: Path) -> bool:
    try:
        owner = (base / "owner").read_text()
    except OSError:
        return False  # a cluster of an older checkout, or one being made: not ours to judge
    return identity(int(owner.split()[0])) != owner


def _remove(base: Path) -> None:
    """Stop the cluster in ``base`` (if its server runs) and delete the folder."""
    if (base / "data" / "postmaster.pid").exists():
        stop(base / "data")
    shutil.rmtree(base, ignore_errors=True)


def reap_orphans() -> list[Path]:
    """Stop and remove every cluster whose owner is gone; returns their folders."""
    reaped = [
        base for base in Path(tempfile.gettempdir()).glob(f"{PREFIX}*") if base.is_dir() and _owner_gone(base)
    ]
    for base in reaped:
        _remove(base)
    return reaped


def guard(base: Path) -> None:
    """Wait while the cluster in ``base`` is in use; once its owner is gone, remove it."""
    while base.is_dir():
        if _owner_gone(base):
            _remove(base)
            return
        time.sleep(GUARD_EVERY)


@contextmanager
def _cluster() -> Iterator[dict[str, str | int]]:
    """Start a cluster on a free port; yields {host, port, user, data}; stops and removes it after."""
    reap_orphans()
    base = Path(tempfile.mkdtemp(prefix=PREFIX))
    (base / "owner").write_text(identity(os.getpid()))
    guarding = subprocess.Popen(
        [sys.executable, __file__, "guard", str(base)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a signal to this run's process group leaves the guard alone
    )
    (base / "guard.pid").write_text(str(guarding.pid))
    try:
        base.chmod(0o777)
        data = base / "data"
        port = free_port()
        if os.geteuid() == 0:
            shutil.chown(base, "nobody")
        subprocess.run(
            _as_owner(
                [_bin("initdb"), "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_owner([_bin("pg_ctl"), "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"]),
            check=True,
            capture_output=True,
        )
        yield {"host": "127.0.0.1", "port": port, "user": USER, "data": str(data)}
    finally:
        _remove(base)
        guarding.kill()
        guarding.wait()


def stop(data: str | Path) -> None:
    """Stop the cluster at once (no clean shutdown) and wait until its server process is gone."""
    subprocess.run(
        _as_owner([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "60", "stop"]),
        capture_output=True,
    )


if __name__ == "__main__" and sys.argv[1:2] == ["guard"]:
    guard(Path(sys.argv[2]))
