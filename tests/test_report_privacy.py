"""No raw value of a guarded column (pii, phi, pci, special) of the example data appears in any output file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import PROJECT, invoke
from meshguard.config import load_config
from meshguard.contracts.repo import load_all
from meshkit import copy_example_repo

FORMATS = ("json", "junit", "sarif", "markdown", "github", "text")
TOKEN = re.compile(r"[^\s\"'<>,;|()\[\]{}=]+")

pytestmark = pytest.mark.skipif(
    not any((PROJECT / "contracts").rglob("*.odcs.yaml")), reason="the example repo is not in this checkout"
)


def guarded_values(root: Path) -> dict[str, set[str]]:
    """column path → raw values of every masked property that has sample data."""
    import polars as pl

    config = load_config(root)
    loaded, errors = load_all([config.contracts_path], config)
    assert not errors
    out: dict[str, set[str]] = {}
    for lc in loaded:
        c = lc.contract
        masked = [p for p in c.properties if p.masked]
        servers = [s for s in c.servers if s.get("path")]
        if not masked or not servers:
            continue
        path = root / str(servers[0].get("path"))
        fmt = str(servers[0].get("format") or path.suffix.lstrip("."))
        if fmt == "csv":
            frame = pl.read_csv(path, infer_schema_length=0)
        elif fmt == "parquet":
            frame = pl.read_parquet(path)
        elif fmt in ("json", "ndjson"):
            frame = pl.read_ndjson(path)
        else:
            continue
        for p in masked:
            if p.name in frame.columns:
                values = {str(v) for v in frame.get_column(p.name).drop_nulls().to_list()}
                out[f"{c.id}.{p.name}"] = {v for v in values if len(v) >= 6}
    return out


@pytest.mark.slow  # the example mesh in every output format
def test_no_guarded_value_in_any_output(tmp_path: Path) -> None:
    root = copy_example_repo(PROJECT, tmp_path / "mesh")
    args = [a for f in FORMATS for a in ("--output", f"{f}=out/results.{f}")]
    r = invoke("check", *args, cwd=root)
    assert r.returncode in (0, 1), r.stderr
    guarded = guarded_values(root)
    assert guarded, "the example data has guarded columns"
    files = [p for p in [*(root / "out").iterdir(), *(root / "reports").rglob("*")] if p.is_file()]
    assert len(files) >= len(FORMATS) + 2
    for f in files:
        text = f.read_bytes().decode("utf-8", "replace")
        if f.suffix == ".db":
            import json
            import sqlite3
            import zlib

            rows = sqlite3.connect(f).execute("SELECT doc FROM runs").fetchall()
            text = "\n".join(json.dumps(json.loads(zlib.decompress(row[0]))) for row in rows)
        found = leaks(text, guarded)
        assert not found, f"{f.name} shows raw guarded values: {found}"
    # the scan itself finds a planted value (so a pass above means something)
    values = next(iter(guarded.values()))
    planted = sorted(values)[0]
    assert leaks(f'<td>{planted}</td> "x": "{planted}"', guarded)


def leaks(text: str, guarded: dict[str, set[str]]) -> list[str]:
    tokens = set(TOKEN.findall(text))
    found: list[str] = []
    for column, values in guarded.items():
        plain = {v for v in values if not re.search(r"\s", v)}
        leaked = (plain & tokens) | {v for v in sorted(values - plain)[:300] if v in text}
        found += [f"{column}={v}" for v in sorted(leaked)[:3]]
    return found
