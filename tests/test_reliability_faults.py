"""Faults: a misbehaving OPA server, a full disk, a database or a file that vanishes mid-run, concurrent
and killed history writers. Each ends in exit 3 (or an errored check) with one clear line, nothing is
reported as passed, and what was written before stays intact."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import PROJECT, run_cli
from policykit import compliant, make_repo

FAST = "contracts: {dir: contracts}\nengine:\n  timeout: 5\n  opa: {timeout: 1, retries: 0}\n"
TOKEN = "opa-token-canary-7f3a9c"


# ---------------------------------------------------------------- raw fault servers


@contextlib.contextmanager
def raw_server(handler: Any, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A TCP server whose every connection is handed to ``handler(conn)`` in a thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if tls is not None:
                try:
                    conn = tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()
                    continue
            threading.Thread(target=_guarded, args=(handler, conn, stop), daemon=True).start()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        yield port
    finally:
        stop.set()
        sock.close()


def _guarded(handler: Any, conn: socket.socket, stop: threading.Event) -> None:
    with contextlib.suppress(OSError), conn:
        handler(conn, stop)


def _read_request(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head


def drip(conn: socket.socket, stop: threading.Event) -> None:
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not stop.wait(0.3):  # one byte every 0.3 s (each read is within the 1 s timeout) until stopped
        conn.sendall(b" ")


def echo_token_500(conn: socket.socket, stop: threading.Event) -> None:
    head = _read_request(conn).decode("latin-1")
    auth = next((line for line in head.split("\r\n") if line.lower().startswith("authorization")), "none")
    body = f"proxy error, request had {auth}".encode()
    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def truncated_json(conn: socket.socket, stop: threading.Event) -> None:
    _read_request(conn)
    body = b'{"result": {"gdpr": {"deny": ['
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    conn.sendall(body)


def ok_empty(conn: socket.socket, stop: threading.Event) -> None:
    _read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")


def _self_signed(tmp: Path) -> ssl.SSLContext:
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "gov", {"good": compliant()}, config=FAST)


def _opa_check(repo: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "check",
        "--engine",
        "opa",
        "--opa-url",
        url,
        "--format",
        "json",
        *extra,
        cwd=repo,
        env={"MESHGUARD_OPA_TOKEN": TOKEN},
    )


def _nothing_passed(repo: Path, proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 3, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert err.startswith("meshguard: error: OPA at ") and err.count("\n") == 0, err
    assert "Traceback" not in err and TOKEN not in proc.stdout + proc.stderr
    assert proc.stdout == ""  # no results printed, so nothing "passed"
    assert not (repo / "reports" / "index.html").exists()
    db = repo / "reports" / "history.db"
    assert not db.exists() or sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (drip, "no complete answer within"),
        (echo_token_500, "HTTP 502"),
        (truncated_json, "not JSON"),
        (ok_empty, "undefined"),
    ],
    ids=["slow-drip", "token-echo-5xx", "truncated-json", "undefined"],
)
def test_opa_faults_exit_3_and_pass_nothing(repo: Path, handler: Any, reason: str) -> None:
    with raw_server(handler) as port:
        proc = _opa_check(repo, f"http://127.0.0.1:{port}")  # run_cli's timeout bounds a hang
        _nothing_passed(repo, proc)
        assert reason in proc.stderr, proc.stderr
        if handler is echo_token_500:  # where the server's answer is shown, the echoed token is masked
            from meshguard.errors import EngineUnavailable
            from meshguard.policy.bundle import load_bundle
            from meshguard.policy.opa import OpaEngine

            engine = OpaEngine(
                f"http://127.0.0.1:{port}", load_bundle(repo / "policies"), token=TOKEN, timeout=2
            )
            with pytest.raises(EngineUnavailable) as err:
                engine._call("pushing data", "PUT", "data/x", json={})
            assert "Bearer ***" in str(err.value) and TOKEN not in str(err.value)


def test_opa_refused_and_tls_errors(repo: Path, tmp_path: Path) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    proc = _opa_check(repo, f"http://127.0.0.1:{port}")
    _nothing_passed(repo, proc)
    assert "Connection" in proc.stderr
    with raw_server(ok_empty, tls=_self_signed(tmp_path)) as tls_port:
        proc = _opa_check(repo, f"https://127.0.0.1:{tls_port}")  # self-signed: verification fails
        _nothing_passed(repo, proc)
        assert "SSLError" in proc.stderr and "CERTIFICATE_VERIFY_FAILED" in proc.stderr
        proc = _opa_check(repo, f"http://127.0.0.1:{tls_port}")  # plain HTTP to a TLS port
        _nothing_passed(repo, proc)
    with raw_server(ok_empty) as plain_port:
        proc = _opa_check(repo, f"https://127.0.0.1:{plain_port}")  # TLS to a plain HTTP port
        _nothing_passed(repo, proc)


# ---------------------------------------------------------------- disk full


def _fill(mnt: Path) -> None:
    with contextlib.suppress(OSError), (mnt / "filler").open("wb") as fh:
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()


@pytest.mark.slow
def test_disk_full_keeps_previous_reports_and_history(repo: Path, tmpfs: Path) -> None:
    tiny_disk = tmpfs  # 1 MiB
    reports = tiny_disk / "reports"
    first = run_cli(
        "check", "--no-policy", "--reports", str(reports), "--output", f"json={reports}/r.json", cwd=repo
    )
    assert first.returncode in (0, 1), first.stderr
    before = {
        p.name: p.read_bytes()
        for p in reports.iterdir()
        if p.is_file() and not p.name.startswith("history.db")
    }
    assert "index.html" in before and "r.json" in before
    _fill(tiny_disk)
    second = run_cli(
        "check", "--no-policy", "--reports", str(reports), "--output", f"json={reports}/r.json", cwd=repo
    )
    assert second.returncode == 3, second.stdout + second.stderr
    err = second.stderr.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert any(m in err for m in ("No space left on device", "database or disk is full", "disk I/O error")), (
        err
    )
    after = {
        p.name: p.read_bytes()
        for p in reports.iterdir()
        if p.is_file() and not p.name.startswith("history.db")
    }
    assert after == before  # no half-written report replaced a good one, no temp files left
    third = run_cli(
        "check",
        "--no-policy",
        "--no-history",
        "--reports",
        str(reports),
        "--output",
        f"json={reports}/r.json",
        cwd=repo,
    )  # no history: the report writer itself hits the full disk
    assert third.returncode == 3 and "No space left on device" in third.stderr, third.stderr
    assert "the previous file is left as it was" in third.stderr and third.stderr.count("\n") == 1
    after = {
        p.name: p.read_bytes()
        for p in reports.iterdir()
        if p.is_file() and not p.name.startswith("history.db")
    }
    assert after == before
    (tiny_disk / "filler").unlink()  # free the space again to read the history
    conn = sqlite3.connect(reports / "history.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] in (1, 2)
    for (doc,) in conn.execute("SELECT doc FROM runs"):
        assert json.loads(zlib.decompress(doc))["products"]


def test_failing_report_writer_is_one_clear_line(tmp_path: Path) -> None:
    from meshguard.errors import OutputUnavailable
    from meshguard.report.formats import write_atomic

    target = tmp_path / "r.json"
    write_atomic(target, "old")
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "from meshguard.report.formats import write_atomic\n"
        f"write_atomic(__import__('pathlib').Path({str(target)!r}), 'x' * 100000)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT / "src")},
    )
    assert "OutputUnavailable" in proc.stderr and "File too large" in proc.stderr
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert OutputUnavailable("x").exit_code == 3


# ---------------------------------------------------------------- vanishing data


@pytest.mark.parametrize("batch", [False, True], ids=["alone", "batched"])
def test_sample_file_deleted_mid_run(tmp_path: Path, batch: bool) -> None:
    """The second product's sample file goes when that product starts (after the first product
    was checked alone; before the batch reads it with ``data.batch``): its data check errors
    ("not found"), the first product is checked as usual."""
    from dataclasses import replace

    from meshguard import pipeline
    from meshguard.config import load_config
    from meshguard.progress import Step
    from meshguard.stages import RunOptions
    from quality_repo import make_repo as quality_repo

    root = quality_repo(tmp_path)
    config = load_config(root)
    config = replace(config, data=replace(config.data, batch=batch))
    started: list[str] = []

    def vanish(step: Step) -> None:
        if step.product and step.product not in started:  # "": a step of the whole run
            started.append(step.product)
            if len(started) == 2:  # files are named after their product (data/orders.csv)
                (root / "data" / f"{step.product}.csv").unlink()

    mesh = pipeline.run(config, [config.contracts_path], RunOptions(with_policy=False, steps=vanish))
    first, second = mesh.products
    assert [first.id, second.id] == started
    assert any(c.status == "passed" for c in first.checks)
    assert not [c for c in first.checks if c.id.endswith(".data")]
    data = [c for c in second.checks if c.id.endswith(".data")]
    assert data and data[0].status == "errored" and "not found" in data[0].message
    assert second.verdict in ("fail", "error")


@pytest.mark.slow
def test_database_down_mid_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from meshguard import pipeline
    from meshguard.config import load_config
    from meshguard.errors import SourceUnavailable
    from meshguard.stages import RunOptions
    from pg_server import postgres, stop
    from quality_repo import customers_contract, write_contract

    root = tmp_path
    secret = "pg-password-canary-41x"
    monkeypatch.setenv("MESHGUARD_PG_PASSWORD", secret)
    with postgres(private=True) as pg:  # this test stops its server
        monkeypatch.setenv("MESHGUARD_PG_USER", str(pg["user"]))
        with psycopg.connect(host=pg["host"], port=pg["port"], user=pg["user"], dbname="postgres") as c:
            c.execute(
                "CREATE TABLE customers (customer_id bigint, email text, age int, country text,"
                " tier text, signed_up timestamptz)"
            )
        server = {
            "server": "s",
            "type": "postgres",
            "host": pg["host"],
            "port": pg["port"],
            "database": "postgres",
            "schema": "public",
        }
        for name in ("a", "b"):
            doc = customers_contract(server)
            doc["id"] = name
            write_contract(root / "contracts" / f"{name}.odcs.yaml", doc)
        config = load_config(root)
        stopped: list[tuple[int, int]] = []

        def stop_db(done: int, total: int) -> None:
            if not stopped:
                stop(pg["data"])  # returns once the server process is gone
                stopped.append((done, total))

        with pytest.raises(SourceUnavailable) as err:
            pipeline.run(
                config, [config.contracts_path], RunOptions(with_policy=False, progress=stop_db, jobs=1)
            )
        assert stopped == [(1, 2)]  # the first product was checked, the second met a stopped database
        text = str(err.value)
        assert f"{pg['host']}:{pg['port']}" in text and secret not in text and "\n" not in text


# ---------------------------------------------------------------- history under concurrency and kills


@pytest.mark.slow
def test_eight_concurrent_checks_on_one_sqlite_history(tmp_path: Path) -> None:
    from quality_repo import make_repo as quality_repo

    root = quality_repo(tmp_path / "repo")
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meshguard",
                "check",
                "--no-policy",
                "--no-reports",
                "--format",
                "json",
                "--history-url",
                str(tmp_path / "h.db"),
            ],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    ids = set()
    for p in procs:
        out, errs = p.communicate(timeout=300)
        assert p.returncode in (0, 1), errs
        ids.add(json.loads(out)["run_id"])
    conn = sqlite3.connect(tmp_path / "h.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert {r[0] for r in conn.execute("SELECT run_id FROM runs")} == ids and len(ids) == 8
    assert conn.execute("SELECT COUNT(*) FROM product_runs").fetchone() == (16,)


KILL_WRITER = """
import sys, uuid
from meshguard.history import SqliteHistory
from meshguard.results.model import MeshResult, ProductResult
store = SqliteHistory(__import__('pathlib').Path(sys.argv[1]))
done = 0
while True:
    print(f"writing {done + 1}", flush=True)
    mesh = MeshResult(run_id=uuid.uuid4().hex, timestamp="2026-01-01T00:00:00", meshguard_version="t", engine="e")
    mesh.products = [ProductResult(id=f"p{i}", name="n", domain="d", owner="o", version="1.0.0", status="active",
                     contract_path="c", errors=[uuid.uuid4().hex * 200]) for i in range(300)]
    mesh.summary = {"score": 50.0, "verdict": "fail"}
    store.record(mesh)
    done += 1
"""


@pytest.mark.slow
def test_sigkill_mid_write_leaves_no_half_record(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    completed = 0  # runs each writer surely finished before it was killed
    for kill_during in (1, 2, 3, 1, 2):
        p = subprocess.Popen([sys.executable, "-c", KILL_WRITER, str(db)], env=env, stdout=subprocess.PIPE)
        assert p.stdout is not None
        for n in range(1, kill_during + 1):  # the writer says so before each record it writes
            assert p.stdout.readline().strip() == f"writing {n}".encode()
        p.send_signal(signal.SIGKILL)  # while record number kill_during is being written
        p.wait()
        completed += kill_during - 1
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    runs = conn.execute("SELECT run_id, products, doc FROM runs").fetchall()
    assert completed <= len(runs) <= completed + 5  # a killed write is all there or not there at all
    for run_id, products, doc in runs:
        assert len(json.loads(zlib.decompress(doc))["products"]) == products == 300
        assert conn.execute("SELECT COUNT(*) FROM product_runs WHERE run_id = ?", (run_id,)).fetchone() == (
            300,
        )
    orphans = conn.execute(
        "SELECT COUNT(*) FROM product_runs WHERE run_id NOT IN (SELECT run_id FROM runs)"
    ).fetchone()
    assert orphans == (0,)
