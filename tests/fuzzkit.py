"""Hostile-input generators and the parsers they attack, shared by the fuzz tests and scripts/fuzz.py.

Every target takes one generated input and must end in a result or a
:class:`~meshguard.errors.MeshguardError` (a clear one-line error). Anything
else (another exception, a panic of a native library, a hang) is a bug:
:func:`attempt` returns it as a :class:`Crash`.
"""

from __future__ import annotations

import copy
import io
import json
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from meshguard.errors import MeshguardError
from quality_repo import CUSTOMERS, customers_contract, orders_contract

SEED_DOCS: list[dict[str, Any]] = [
    customers_contract({"server": "s", "type": "local", "path": "data/customers.csv", "format": "csv"}),
    orders_contract({"server": "s", "type": "local", "path": "data/orders.csv", "format": "csv"}),
]

SEED_CONFIG: dict[str, Any] = {
    "contracts": {"dir": "contracts", "globs": ["**/*.odcs.yaml"]},
    "policies": "policies",
    "reports": "reports",
    "waivers": "waivers.yaml",
    "sensitivity": {"restricted": ["pii"]},
    "engine": {"kind": "embedded", "timeout": 5, "opa": {"url": "http://127.0.0.1:1", "retries": 0}},
    "data": {"samples": {"customers": "data/customers.csv"}, "sample_rows": 100, "as_of": "2025-01-18"},
    "scoring": {"weights": {"contract": 1, "quality": 2}, "pass_threshold": 70},
    "history": {"url": "history.db", "keep": 10},
    "limits": {"max_bytes": 100000, "max_depth": 20, "max_nodes": 10000},
    "fail_on": "warn",
    "lint": {"rules": {"MG010": "off"}},
}

SEED_WAIVERS: dict[str, Any] = {
    "waivers": [
        {
            "policy": "gdpr.retention",
            "product": "customers",
            "field": "customers.email",
            "reason": "legal review",
            "approved_by": "dpo@example.com",
            "expires": "2030-01-01",
        }
    ]
}

# ---------------------------------------------------------------- value strategies

_WORDS = st.sampled_from(
    [
        "",
        " ",
        "id",
        "name",
        "schema",
        "properties",
        "quality",
        "servers",
        "type",
        "logicalType",
        "integer",
        "string",
        "date",
        "timestamp",
        "number",
        "boolean",
        "array",
        "object",
        "pii",
        "phi",
        "restricted",
        "1.0.0",
        "2.0",
        "v3.1.0",
        "customers",
        "customers.email",
        "orders.customer_id",
        "a.b.c",
        "{object}",
        "SELECT 1",
        "mustBe",
        "metric",
        "nullValues",
        "rowCount",
        "../..",
        "/etc/passwd",
        "file:///etc/passwd",
        "http://127.0.0.1:1/x",
        "NaN",
        "-inf",
        "1e400",
        "9999-12-31",
        "0000-00-00",
        "<script>alert(1)</script>",
        "é\u0000\u202e",
        "%s%n",
        "*",
        "**/*",
    ]
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    _WORDS,
)

json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_WORDS, st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path[:-1]:
        doc = doc[p]
    return doc


@st.composite
def mutated(draw: st.DrawFn, seed: Any, max_mutations: int = 4) -> Any:
    """``seed`` with a few random edits: a subtree replaced, a key removed, a key added, a list item dropped."""
    doc = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if not path:
            if op == "replace":
                doc = draw(json_values)
            continue
        parent = _parent(doc, path)
        key = path[-1]
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.one_of(_WORDS, st.text(max_size=8)))] = draw(json_values)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


@st.composite
def yaml_bytes(draw: st.DrawFn, seed: Any) -> bytes:
    """A YAML file: a mutated seed, raw byte damage of it, a hostile YAML construct, or noise."""
    kind = draw(st.sampled_from(["mutated", "mutated", "bytes", "construct", "noise"]))
    if kind == "mutated":
        return dump(draw(mutated(seed))).encode("utf-8")
    text = dump(seed).encode("utf-8")
    if kind == "bytes":
        data = bytearray(text)
        for _ in range(draw(st.integers(1, 6))):
            pos = draw(st.integers(0, max(0, len(data) - 1)))
            what = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
            if what == "flip" and data:
                data[pos] = draw(st.integers(0, 255))
            elif what == "insert":
                data[pos:pos] = draw(
                    st.sampled_from(
                        [
                            b"\t",
                            b"&a ",
                            b"*a",
                            b"!!python/object:os.system ",
                            b"<<: *a\n",
                            b"\xef\xbb\xbf",
                            b"\xff\xfe",
                            b"\x00",
                            b"- ",
                            b": ",
                            b"{",
                            b"[",
                            b"? ",
                            b"%YAML 1.1\n",
                            b"---\n",
                        ]
                    )
                )
            elif what == "delete":
                del data[pos : pos + draw(st.integers(1, 20))]
            else:
                del data[pos:]
        return bytes(data)
    if kind == "construct":
        return draw(
            st.sampled_from(
                [
                    b'a: &a ["x","x"]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c]\n'
                    b"e: &e [*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f]\nh: [*g,*g,*g,*g]\n",
                    b"[" * 5000 + b"]" * 5000,
                    b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 200)),
                    b"a: 1\na: 2\n",
                    b"!!python/object/apply:os.system ['true']\n",
                    b"\xef\xbb\xbfapiVersion: v3.1.0\n",
                    b"a:\n\t- 1\n",
                    b"--- 1\n--- 2\n",
                    b"&a [*a]\n",
                    b"? [a, b]\n: c\n",
                    b"a: !!binary AAAA\n",
                    b"a: !!set {x}\n",
                    b"a: 2001-12-14t21:59:43.10-05:00\n",
                    b"a: .nan\nb: .inf\n",
                    b"\xff\xfe\xfd",
                ]
            )
        )
    return draw(st.binary(max_size=300))


# ---------------------------------------------------------------- data file strategies


def _frame_value(value: Any) -> Any:
    return value


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    header = list(CUSTOMERS[0])
    rows = [[str(r[k]) if r[k] is not None else "" for k in header] for r in CUSTOMERS]
    cell = st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            ["NaN", "inf", "-inf", "1e309", "9999-12-31T99:99:99Z", "0001-01-01", "-1", '"', "\r"]
        ),
        st.integers(-(2**70), 2**70).map(str),
    )
    for _ in range(draw(st.integers(0, 6))):
        r = draw(st.integers(0, len(rows) - 1))
        row = rows[r]
        op = draw(st.sampled_from(["cell", "widen", "shorten", "header"]))
        if op == "cell":
            row[draw(st.integers(0, len(row) - 1))] = draw(cell)
        elif op == "widen":
            row.extend(draw(st.lists(cell, max_size=5)))
        elif op == "shorten" and row:
            row.pop()
        else:
            header[draw(st.integers(0, len(header) - 1))] = draw(
                st.sampled_from(["", "email", "x", "é", '"'])
            )
    buf = io.StringIO()
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    for row in [header, *rows]:
        buf.write(sep.join(row) + "\n")
    data = buf.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data = draw(yaml_like_damage(data))
    return data


@st.composite
def yaml_like_damage(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, max(0, len(out) - 1)))
        out[pos:pos] = draw(
            st.sampled_from([b"\xff", b"\x00", b"\xef\xbb\xbf", b'"', b"\n", b",,,", b"\xc3"])
        )
    return bytes(out)


@st.composite
def ndjson_bytes(draw: st.DrawFn) -> bytes:
    rows = [dict(r) for r in CUSTOMERS]
    for _ in range(draw(st.integers(0, 6))):
        row = rows[draw(st.integers(0, len(rows) - 1))]
        key = draw(st.sampled_from([*CUSTOMERS[0], "extra"]))
        row[key] = draw(json_values)
    lines = [json.dumps(r, allow_nan=True) for r in rows]
    if draw(st.booleans()):
        lines.insert(
            draw(st.integers(0, len(lines))), draw(st.sampled_from(["{", "[1,2]", "null", "1", "{]"]))
        )
    data = ("[" + ",".join(lines) + "]" if draw(st.booleans()) else "\n".join(lines)).encode()
    if draw(st.integers(0, 3)) == 0:
        data = draw(yaml_like_damage(data))
    return data


@st.composite
def parquet_bytes(draw: st.DrawFn) -> bytes:
    import polars as pl

    cols: dict[str, Any] = {k: [r[k] for r in CUSTOMERS] for k in CUSTOMERS[0]}
    n = len(CUSTOMERS)
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([*cols, "extra"]))
        cols[name] = draw(
            st.sampled_from(
                [
                    [float("nan")] * n,
                    [float("inf"), float("-inf")] * (n // 2),
                    [None] * n,
                    [str(i) for i in range(n)],
                    [True] * n,
                    [[1, 2]] * n,
                    [{"a": 1}] * n,
                    [2**62] * n,
                ]
            )
        )
    frame = pl.DataFrame(cols, strict=False)
    if draw(st.booleans()):
        import datetime as dt

        frame = frame.with_columns(
            pl.Series("signed_up", [dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31)] * (n // 2))
        )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    data = buf.getvalue()
    if draw(st.booleans()):
        cut = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            pos = draw(st.integers(0, len(cut) - 1))
            cut[pos] = draw(st.integers(0, 255))
        if draw(st.booleans()):
            del cut[draw(st.integers(0, len(cut) - 1)) :]
        data = bytes(cut)
    return data


# ---------------------------------------------------------------- targets


@dataclass
class Crash:
    target: str
    error: str
    input: str


@dataclass
class Tally:
    tried: int = 0
    results: int = 0
    errors: int = 0
    crashes: list[Crash] = field(default_factory=list)
    messages: dict[str, int] = field(default_factory=dict)


class Hang(BaseException):
    pass


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def fire(*_: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def attempt(name: str, fn: Callable[[Any], Any], value: Any, tally: Tally, hang_s: int = 20) -> None:
    """Run one input; a MeshguardError is a clear error, anything else a crash."""
    tally.tried += 1
    try:
        with deadline(hang_s):
            fn(value)
        tally.results += 1
    except MeshguardError as exc:
        text = str(exc)
        if "\n" in text.strip():
            tally.crashes.append(Crash(name, f"multi-line error message: {text!r}", _shown(value)))
            return
        tally.errors += 1
        key = exc.message.split(":")[0][:60]
        tally.messages[key] = tally.messages.get(key, 0) + 1
    except (Exception, Hang, BaseException) as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        tally.crashes.append(
            Crash(
                name,
                f"{type(exc).__name__}: {exc}"[:500] + "\n" + traceback.format_exc()[-1500:],
                _shown(value),
            )
        )


def _shown(value: Any) -> str:
    shown = value if isinstance(value, (bytes, str, tuple)) else json.dumps(value, default=str)[:4000]
    return repr(shown)[:4000]


class Workdir:
    """A scratch governance repo the targets write their files into."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="meshguard-fuzz-"))
        (self.root / "data").mkdir()
        (self.root / "contracts").mkdir()

    def contract_loader(self, data: bytes) -> Any:
        from meshguard.contracts.load import load_contract

        path = self.root / "contracts" / "x.odcs.yaml"
        path.write_bytes(data)
        return load_contract(path, self.root)

    def lint(self, doc: Any) -> Any:
        from meshguard.contracts.lint import LintContext, lint_contract
        from meshguard.contracts.load import _schema_findings, schema_version
        from meshguard.contracts.model import Contract
        from meshguard.sensitivity import SensitivityMap
        from meshguard.yamlio import parse_yaml

        parsed = parse_yaml(dump(doc), "x.odcs.yaml")
        if not isinstance(parsed.data, dict):
            return None
        c = Contract(path="x.odcs.yaml", doc=parsed.data, lines=parsed.lines, sensitivity=SensitivityMap())
        list(_schema_findings(parsed.data, "x.odcs.yaml", parsed.lines, schema_version("v3.1.0")))
        ctx = LintContext([c, Contract("y", SEED_DOCS[0], parsed.lines, SensitivityMap())])
        findings = lint_contract(c, ctx)
        for f in findings:
            json.dumps(f.to_dict())
        return findings

    def diff(self, pair: tuple[Any, Any]) -> Any:
        from meshguard.contracts.model import Contract
        from meshguard.sensitivity import SensitivityMap
        from meshguard.versioning.diff import diff_contracts
        from meshguard.yamlio import LineMap

        old, new = (d if isinstance(d, dict) else {} for d in pair)
        changes = []
        for perspective in ("consumer", "producer"):
            changes = diff_contracts(
                Contract("a", old, LineMap(), SensitivityMap()),
                Contract("b", new, LineMap(), SensitivityMap()),
                perspective,
            )
            for ch in changes:
                json.dumps(ch.to_dict(), default=str)
        return changes

    def config(self, data: bytes) -> Any:
        from meshguard.config import load_config

        (self.root / "meshguard.yaml").write_bytes(data)
        return load_config(self.root)

    def waivers(self, data: bytes) -> Any:
        import datetime as dt

        from meshguard.policy import waivers

        path = self.root / "waivers.yaml"
        path.write_bytes(data)
        found = waivers.load_waivers(path, "waivers.yaml", dt.date(2026, 1, 1))
        for w in found.waivers:
            found.match((w.policy,), w.product, w.field)
        for f in found.mesh_findings():
            json.dumps(f.to_dict())
        return found

    def reader(self, fmt_data: tuple[str, bytes]) -> Any:
        from meshguard.config import Config
        from meshguard.contracts.model import Contract
        from meshguard.quality.stage import run_quality
        from meshguard.sensitivity import SensitivityMap
        from meshguard.stages import QualityContext
        from meshguard.yamlio import LineMap

        fmt, data = fmt_data
        name = {"csv": "c.csv", "json": "c.ndjson", "parquet": "c.parquet"}[fmt]
        (self.root / "data" / name).write_bytes(data)
        doc = copy.deepcopy(SEED_DOCS[0])
        doc["servers"] = [{"server": "s", "type": "local", "path": f"data/{name}", "format": fmt}]
        doc["schema"][0]["quality"] = [q for q in doc["schema"][0]["quality"] if q.get("type") != "sql"]
        c = Contract("contracts/c.odcs.yaml", doc, LineMap(), SensitivityMap())
        out = run_quality(c, Config(root=self.root), QualityContext(), {"customers": c})
        for check in out.checks:
            json.dumps(check.to_dict(), allow_nan=False, default=str)
        json.dumps(out.data, allow_nan=False, default=str)
        return out

    def check(self, pair: tuple[int, Any]) -> Any:
        """One of the two products' contracts replaced by ``pair``'s document, then the whole run
        on the repo: data, quality, policy, scores, and every report rendered."""
        import meshguard
        from meshguard.report import formats
        from meshguard.report.formats.html import HtmlReporter
        from meshguard.report.publish import context
        from quality_repo import make_repo

        mesh_root = self.root / "mesh"
        if not mesh_root.is_dir():
            make_repo(mesh_root)
        which, doc = pair
        path = mesh_root / "contracts" / f"{('customers', 'orders')[which % 2]}.odcs.yaml"
        before = path.read_bytes()
        path.write_text(dump(doc), encoding="utf-8")
        try:
            mesh = meshguard.check(mesh_root, options=meshguard.CheckOptions(jobs=1))
            ctx = context(None, color=False)
            for name in formats.REPORTERS:
                "".join(formats.get(name).chunks(mesh, ctx))
            html = formats.get("html")
            assert isinstance(html, HtmlReporter)
            list(html.product_pages(mesh, ctx, range(len(mesh.products))))
            return mesh
        finally:
            path.write_bytes(before)


def strategies() -> dict[str, Any]:
    """Parser name → (Workdir method, hypothesis strategy)."""
    return {
        "contract_loader": ("contract_loader", st.sampled_from(SEED_DOCS).flatmap(yaml_bytes)),
        "lint": ("lint", st.sampled_from(SEED_DOCS).flatmap(mutated)),
        "diff": (
            "diff",
            st.sampled_from(SEED_DOCS).flatmap(lambda d: st.tuples(mutated(d, 3), mutated(d, 3))),
        ),
        "check": (
            "check",
            st.sampled_from([0, 1]).flatmap(lambda i: st.tuples(st.just(i), mutated(SEED_DOCS[i], 3))),
        ),
        "config": ("config", yaml_bytes(SEED_CONFIG)),
        "waivers": ("waivers", yaml_bytes(SEED_WAIVERS)),
        "reader_csv": ("reader", csv_bytes().map(lambda b: ("csv", b))),
        "reader_json": ("reader", ndjson_bytes().map(lambda b: ("json", b))),
        "reader_parquet": ("reader", parquet_bytes().map(lambda b: ("parquet", b))),
    }


def fuzz(
    name: str,
    examples: int,
    seed: int = 20261125,
    work: Workdir | None = None,
    *,
    skip: int = 0,
    current: Path | None = None,
) -> Tally:
    """Feed ``examples`` generated inputs to one parser; returns what happened (crashes collected).

    ``skip`` generates but does not run the first inputs (the sequence is the same for a seed), and
    ``current`` receives each input and its number before it runs: a process that dies on an input
    (a native abort) can be restarted after it by scripts/fuzz.py."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    work = work or Workdir()
    method, strategy = strategies()[name]
    fn = getattr(work, method)
    tally = Tally()

    seen = [0]

    @hseed(seed)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value: Any) -> None:
        seen[0] += 1
        if seen[0] <= skip:
            return
        if current is not None:
            current.write_text(json.dumps({"n": seen[0], "input": _shown(value)}), encoding="utf-8")
        attempt(name, fn, value, tally)

    run()
    return tally
