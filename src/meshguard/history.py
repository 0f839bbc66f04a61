"""Run history: every ``meshguard check`` keeps its MeshResult, for trends and re-rendering.

SQLite by default (``reports/history.db``: WAL, a busy timeout and one
``BEGIN IMMEDIATE`` transaction per run, so concurrent CI runs on one machine
neither lose nor corrupt records), or PostgreSQL for a council-wide shared
history (``history.url: postgresql://…`` in meshguard.yaml, needs the
``postgres`` extra). Both stores answer the same questions through
:class:`HistoryStore`.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from meshguard.config import Config
from meshguard.errors import MissingExtra, OutputUnavailable, SourceUnavailable, UsageError
from meshguard.results.model import MeshResult
from meshguard.results.trends import run_trends

DEFAULT_FILE = "history.db"
_RANKED_VERDICTS = ("pass", "warn", "fail", "error")
_VERDICT_RANK_SQL = "CASE p.verdict WHEN 'error' THEN 3 WHEN 'fail' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END"
BUSY_TIMEOUT_MS = 60_000

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        seq {serial},
        run_id TEXT NOT NULL UNIQUE,
        timestamp TEXT NOT NULL,
        meshguard_version TEXT NOT NULL,
        engine TEXT NOT NULL,
        mode TEXT NOT NULL,
        git_commit TEXT,
        score REAL,
        verdict TEXT NOT NULL,
        products INTEGER NOT NULL,
        doc {blob} NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS product_runs (
        run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
        product_id TEXT NOT NULL,
        version TEXT NOT NULL,
        domain TEXT,
        score REAL NOT NULL,
        verdict TEXT NOT NULL,
        PRIMARY KEY (run_id, product_id, version)
    )""",
    "CREATE INDEX IF NOT EXISTS product_runs_product ON product_runs (product_id)",
    "CREATE INDEX IF NOT EXISTS product_runs_domain ON product_runs (domain)",
)


@dataclass(frozen=True)
class RunRow:
    run_id: str
    timestamp: str
    meshguard_version: str
    engine: str
    mode: str
    git_commit: str | None
    score: float | None
    verdict: str
    products: int

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class HistoryStore(Protocol):
    location: str

    def record(self, mesh: MeshResult, keep: int | None = None) -> None: ...

    def forget(self, run_id: str) -> None: ...

    def runs(
        self, *, product: str | None = None, domain: str | None = None, limit: int = 50
    ) -> list[RunRow]: ...

    def load(self, run_id: str) -> dict[str, Any]: ...

    def latest(self) -> dict[str, Any] | None: ...

    def trend(self, limit: int = 30, until: str | None = None) -> list[tuple[str, str, float | None]]: ...

    def sparklines(self, limit: int = 20, until: str | None = None) -> dict[str, tuple[float, ...]]: ...

    def run_stats(self, limit: int = 30, until: str | None = None) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


def _pack(mesh: MeshResult) -> bytes:
    return zlib.compress(json.dumps(mesh.to_dict(), separators=(",", ":"), default=str).encode("utf-8"), 6)


def _unpack(blob: bytes | memoryview) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(zlib.decompress(bytes(blob)).decode("utf-8"))
    return doc


class _SqlStore:
    """The SQL shared by both back ends (``?`` placeholders, rewritten for psycopg)."""

    placeholder = "?"
    location = ""

    @contextmanager
    def _tx(self) -> Iterator[Any]:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError
        yield

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError  # pragma: no cover

    def close(self) -> None:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    def record(self, mesh: MeshResult, keep: int | None = None) -> None:
        run = (
            mesh.run_id,
            mesh.timestamp,
            mesh.meshguard_version,
            mesh.engine,
            mesh.mode,
            mesh.git_commit,
            mesh.summary.get("score"),
            str(mesh.summary.get("verdict", "pass")),
            len(mesh.products),
            _pack(mesh),
        )
        seen: set[tuple[str, str]] = set()
        rows = []
        for p in mesh.products:
            if (p.id, p.version) in seen:
                continue
            seen.add((p.id, p.version))
            rows.append((mesh.run_id, p.id, p.version, p.domain, p.score, p.verdict))
        with self._tx() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO runs (run_id, timestamp, meshguard_version, engine, mode, git_commit,"
                    " score, verdict, products, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                run,
            )
            cur.executemany(
                self._sql(
                    "INSERT INTO product_runs (run_id, product_id, version, domain, score, verdict)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                ),
                rows,
            )
            if keep:
                cur.execute(
                    self._sql(
                        "DELETE FROM product_runs WHERE run_id IN (SELECT run_id FROM runs WHERE seq <= "
                        "(SELECT seq FROM runs ORDER BY seq DESC LIMIT 1 OFFSET ?))"
                    ),
                    (keep,),
                )
                cur.execute(
                    self._sql(
                        "DELETE FROM runs WHERE seq <= (SELECT seq FROM runs ORDER BY seq DESC LIMIT 1 OFFSET ?)"
                    ),
                    (keep,),
                )

    def forget(self, run_id: str) -> None:
        """Remove a run recorded by this process whose command then failed: a crashed run is no run."""
        with self._tx() as cur:
            cur.execute(self._sql("DELETE FROM product_runs WHERE run_id = ?"), (run_id,))
            cur.execute(self._sql("DELETE FROM runs WHERE run_id = ?"), (run_id,))

    def runs(self, *, product: str | None = None, domain: str | None = None, limit: int = 50) -> list[RunRow]:
        cols = "r.run_id, r.timestamp, r.meshguard_version, r.engine, r.mode, r.git_commit"
        where: list[str] = []
        params: list[Any] = []
        if product is not None or domain is not None:
            # the score and verdict shown are the product's (or the domain's mean) in that run
            if product is not None:
                where.append("p.product_id = ?")
                params.append(product)
            if domain is not None:
                where.append("p.domain = ?")
                params.append(domain)
            sql = (
                f"SELECT {cols}, AVG(p.score), MAX({_VERDICT_RANK_SQL}), COUNT(*), MAX(r.seq) FROM runs r "
                f"JOIN product_runs p ON p.run_id = r.run_id WHERE {' AND '.join(where)} "
                f"GROUP BY {cols} ORDER BY MAX(r.seq) DESC LIMIT ?"
            )
        else:
            sql = f"SELECT {cols}, r.score, r.verdict, r.products, r.seq FROM runs r ORDER BY r.seq DESC LIMIT ?"
        params.append(limit)
        out = []
        for row in self._query(self._sql(sql), params):
            score = None if row[6] is None else round(float(row[6]), 1)
            verdict = _RANKED_VERDICTS[int(row[7])] if where else str(row[7])
            out.append(
                RunRow(
                    run_id=str(row[0]),
                    timestamp=str(row[1]),
                    meshguard_version=str(row[2]),
                    engine=str(row[3]),
                    mode=str(row[4]),
                    git_commit=row[5],
                    score=score,
                    verdict=verdict,
                    products=int(row[8]),
                )
            )
        return out

    def load(self, run_id: str) -> dict[str, Any]:
        if run_id == "latest":
            rows = self._query(self._sql("SELECT run_id, doc FROM runs ORDER BY seq DESC LIMIT 1"))
        else:
            rows = self._query(
                self._sql("SELECT run_id, doc FROM runs WHERE run_id LIKE ? ORDER BY seq DESC LIMIT 2"),
                (run_id.replace("%", "").replace("_", "") + "%",),
            )
        if not rows:
            raise UsageError(f"no run {run_id!r} in the history ({self.location})")
        if len(rows) > 1 and rows[0][0] != run_id:
            raise UsageError(f"run id prefix {run_id!r} is ambiguous; give more characters")
        return _unpack(rows[0][1])

    def latest(self) -> dict[str, Any] | None:
        """The last recorded run's document, or None for an empty history."""
        rows = self._query(self._sql("SELECT doc FROM runs ORDER BY seq DESC LIMIT 1"))
        return _unpack(rows[0][0]) if rows else None

    def _upto(self, until: str | None) -> int:
        if until is not None:
            rows = self._query(self._sql("SELECT seq FROM runs WHERE run_id = ?"), (until,))
            if rows:
                return int(rows[0][0])
        rows = self._query("SELECT MAX(seq) FROM runs")
        return int(rows[0][0] or 0)

    def trend(self, limit: int = 30, until: str | None = None) -> list[tuple[str, str, float | None]]:
        """(run id, timestamp, mesh score) of the last ``limit`` runs up to ``until``, oldest first."""
        rows = self._query(
            self._sql("SELECT run_id, timestamp, score FROM runs WHERE seq <= ? ORDER BY seq DESC LIMIT ?"),
            (self._upto(until), limit),
        )
        return [(r[0], r[1], None if r[2] is None else float(r[2])) for r in reversed(rows)]

    def run_stats(self, limit: int = 30, until: str | None = None) -> list[dict[str, Any]]:
        """Per run up to ``until``, oldest first: mesh score and verdict, verdict counts, and per
        domain the mean product score, the share of products passing and the worst verdict
        (the council's trend charts)."""
        runs = self._query(
            self._sql(
                "SELECT seq, run_id, timestamp, score, verdict FROM runs WHERE seq <= ? ORDER BY seq DESC LIMIT ?"
            ),
            (self._upto(until), limit),
        )
        if not runs:
            return []
        first = min(int(r[0]) for r in runs)
        rows = self._query(
            self._sql(
                "SELECT p.run_id, COALESCE(p.domain, '(none)'), p.verdict, COUNT(*), AVG(p.score) "
                "FROM product_runs p JOIN runs r ON r.run_id = p.run_id WHERE r.seq BETWEEN ? AND ? "
                "GROUP BY p.run_id, COALESCE(p.domain, '(none)'), p.verdict"
            ),
            (first, max(int(r[0]) for r in runs)),
        )
        return run_trends([(str(r[1]), str(r[2]), r[3], str(r[4])) for r in reversed(runs)], rows)

    def sparklines(self, limit: int = 20, until: str | None = None) -> dict[str, tuple[float, ...]]:
        """Product id → its scores over the last ``limit`` runs up to ``until``, oldest first."""
        last = self._upto(until)
        first = self._query(
            self._sql("SELECT seq FROM runs WHERE seq <= ? ORDER BY seq DESC LIMIT 1 OFFSET ?"),
            (last, limit - 1),
        )
        rows = self._query(
            self._sql(
                "SELECT p.product_id, p.score, r.seq FROM product_runs p JOIN runs r ON r.run_id = p.run_id "
                "WHERE r.seq BETWEEN ? AND ? ORDER BY r.seq, p.product_id, p.version"
            ),
            (int(first[0][0]) if first else 0, last),
        )
        by_product: dict[str, dict[int, float]] = {}
        for product_id, score, seq in rows:
            by_product.setdefault(product_id, {})[int(seq)] = float(score)  # a run's last version wins
        return {pid: tuple(v for _, v in sorted(scores.items())) for pid, scores in by_product.items()}


class SqliteHistory(_SqlStore):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            with self._tx() as cur:
                for stmt in SCHEMA:
                    cur.execute(stmt.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT", blob="BLOB"))
        except sqlite3.Error as exc:
            raise SourceUnavailable(f"run history {path}: {exc}") from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """One IMMEDIATE transaction; a failure (disk full, I/O error) rolls back and is one clear error."""
        try:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise OutputUnavailable(f"run history {self.path}: {exc}") from None
        try:
            yield cur
            cur.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):
                cur.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                raise OutputUnavailable(
                    f"run history {self.path}: {exc} (nothing of this run was recorded)"
                ) from None
            raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return list(self.conn.execute(sql, tuple(params)).fetchall())
        except sqlite3.Error as exc:
            raise SourceUnavailable(f"run history {self.path}: {exc}") from None

    def close(self) -> None:
        self.conn.close()


class PostgresHistory(_SqlStore):
    placeholder = "%s"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise MissingExtra("a PostgreSQL history", "postgres") from None
        self.location = _redact(url)
        try:
            self.conn = psycopg.connect(url, connect_timeout=10, autocommit=False)
            with self._tx() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(726435)")  # concurrent first runs create once
                for stmt in SCHEMA:
                    cur.execute(stmt.format(serial="BIGSERIAL PRIMARY KEY", blob="BYTEA"))
        except psycopg.Error as exc:
            raise SourceUnavailable(
                f"run history {self.location}: {str(exc).strip().splitlines()[0]}"
            ) from None

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        with self.conn.transaction(), self.conn.cursor() as cur:
            yield cur

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql, tuple(params))
            rows = list(cur.fetchall())
        self.conn.commit()
        return rows

    def close(self) -> None:
        self.conn.close()


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def open_history(config: Config, url: str | None = None, reports: Path | None = None) -> _SqlStore:
    """The store: ``url`` (or ``history.url``) as a PostgreSQL URL, ``sqlite:///path`` or a file
    path (relative to the repo root), else ``history.db`` in the reports folder."""
    url = url or config.history_url
    if url and url.startswith(("postgresql://", "postgres://")):
        return PostgresHistory(url)
    if url:
        path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url)
        return SqliteHistory(path if path.is_absolute() else config.root / path)
    return SqliteHistory((reports or config.reports_path) / DEFAULT_FILE)
