"""A blank line of a CSV file of several columns is no record (as pandas, ``csv.DictReader`` and
DuckDB read it), on every path a CSV takes: its own scan (then the SQL rules' DuckDB, which
reads that frame) and a batch of files parsed together. In a file of one column an empty line
is that column's empty field, a null (as polars and DuckDB write one)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from conftest import invoke
from meshguard.api import CheckOptions, check_config
from meshguard.config import load_config
from meshguard.sources import csvblank
from meshguard.sources.csvblank import without_blank_lines
from meshkit import CONTRACT_HEAD
from test_quality_batch import _product, _rows

CONTRACT = (
    CONTRACT_HEAD
    + """\
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
        required: true
      - name: email
        logicalType: string
        required: true
    quality:
      - type: sql
        query: SELECT COUNT(*) FROM {object} WHERE email IS NULL
        mustBe: 0
      - type: library
        metric: rowCount
        mustBe: 3
servers:
  - server: local
    type: local
    path: ./t.csv
    format: csv
"""
)


@pytest.mark.parametrize(
    "text",
    [
        "id,email\n1,a@x.org\n2,b@x.org\n3,c@x.org\n\n\n",  # at the end (an editor's extra newline)
        "id,email\n1,a@x.org\n\n2,b@x.org\n\n3,c@x.org",  # inside, no last newline
        "id,email\r\n1,a@x.org\r\n\r\n2,b@x.org\r\n3,c@x.org\r\n\r\n",  # CRLF
        "\nid,email\n1,a@x.org\n2,b@x.org\n\n3,c@x.org\n",  # before the header
    ],
)
@pytest.mark.parametrize("read", ["whole", "streamed", "sampled"])
def test_a_blank_line_is_no_row_of_the_files_own_scan(tmp_path: Path, text: str, read: str) -> None:
    (tmp_path / "p.odcs.yaml").write_text(CONTRACT, encoding="utf-8")
    (tmp_path / "t.csv").write_bytes(text.encode())
    if read == "streamed":  # a file over data.large_file_bytes is streamed from its scan
        (tmp_path / "meshguard.yaml").write_text("data: {large_file_bytes: 10}\n")
    sample = ["--sample-rows", "50"] if read == "sampled" else []
    r = invoke("test", "--format", "json", *sample, "--root", str(tmp_path), "p.odcs.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    (product,) = json.loads(r.stdout)["products"]
    assert product["rows"] == 3
    assert {c["status"] for c in product["checks"]} == {"passed"}, product["checks"]


def test_what_is_a_record_stays_one(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    # a line of delimiters, a line of a space, an empty line inside a quoted value: records
    path.write_bytes(b'id,note\n1,"a\n\n\nb"\n\n,\n \n2,x\n\n')
    copy = without_blank_lines(path, ",")
    assert copy is not None
    text = copy.read_bytes()
    copy.unlink()
    assert text == b'id,note\n1,"a\n\n\nb"\n,\n \n2,x\n'
    assert pl.read_csv(io.BytesIO(text), infer_schema=False).rows() == [
        ("1", "a\n\n\nb"),
        (None, None),
        (" ", None),
        ("2", "x"),
    ]
    # one column: an empty line is its empty field, a null (as polars and DuckDB write it)
    path.write_bytes(b"id\n1\n\n2\n")
    assert without_blank_lines(path, ",") is None
    path.write_bytes(b"id,note\n1,a\n")  # no blank line: read as it is
    assert without_blank_lines(path, ",") is None


def _checks(root: Path, batch: bool) -> dict[str, Any]:
    config = load_config(root)
    result = check_config(replace(config, data=replace(config.data, batch=batch)), (), CheckOptions())
    return {p.id: (p.rows, sorted((c.id, str(c.status)) for c in p.checks)) for p in result.products}


def test_a_blank_line_is_no_row_in_a_batch_either(tmp_path: Path) -> None:
    """Tables of one layout are parsed together (``data.batch``): a file with blank lines is
    read as its own scan reads it, without them; a one-column file keeps its null."""
    (tmp_path / "contracts").mkdir()
    (tmp_path / "meshguard.yaml").write_text('contracts: {dir: contracts}\ndata: {as_of: "2026-03-01"}\n')
    for i in (1, 2, 3):
        _product(tmp_path, i, _rows(20))
    blank = tmp_path / "contracts" / "t02.csv"
    lines = blank.read_text().splitlines()
    blank.write_text("\n".join([*lines[:5], "", *lines[5:], "", ""]) + "\n")
    batched, alone = _checks(tmp_path, True), _checks(tmp_path, False)
    assert batched == alone
    rows, checks = batched["shop-02"]
    assert rows == 20  # the same rows as shop-01's, less the blank lines: the same outcomes
    assert (rows, [(c.replace("t02", "t01"), s) for c, s in checks]) == batched["shop-01"]


@pytest.mark.parametrize("quoted", [False, True])
def test_the_copy_without_blank_lines_never_holds_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quoted: bool
) -> None:
    """A file too large to hold is streamed (data.large_file_bytes): its copy without blank lines
    is written block by block (line by line when quoted), never read whole into memory."""
    import tracemalloc

    monkeypatch.setattr(csvblank, "BLOCK", 64 * 1024)
    path = tmp_path / "big.csv"
    row = b'7,"a, b"\n' if quoted else b"7,ab\n"
    path.write_bytes(b"id,note\n" + row * 500_000 + b"\n\n")  # ~4 MB, ending with blank lines
    tracemalloc.start()
    try:
        copy = without_blank_lines(path, ",")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert copy is not None
    assert copy.read_bytes() == b"id,note\n" + row * 500_000
    copy.unlink()
    assert peak < 1024 * 1024, peak


def test_the_copy_by_blocks_is_the_text_less_its_empty_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blocks cut after their last line break: a blank line or a CRLF across a cut is seen whole."""
    import random
    import re

    monkeypatch.setattr(csvblank, "BLOCK", 7)
    rng = random.Random(5)
    path = tmp_path / "t.csv"
    for _ in range(300):
        lines = [
            rng.choice(["1,a", "", "\r", ",", " ", "22,bb", "3,c\r"]) for _ in range(rng.randrange(1, 30))
        ]
        text = ("id,x\n" + "\n".join(lines) + rng.choice(["", "\n", "\n\n"])).encode()
        path.write_bytes(text)
        copy = without_blank_lines(path, ",")
        got = path.read_bytes() if copy is None else copy.read_bytes()
        assert got == re.sub(rb"(?m)^\r?\n", b"", text) or (
            copy is None and re.search(rb"\n\r?\n", text) is None
        )
        if copy is not None:
            copy.unlink()


def test_a_copy_is_removed_with_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    import tempfile

    from meshguard.sources.base import ReadOptions
    from meshguard.sources.files import FileSource

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    (tmp_path / "t.csv").write_bytes(b"id,email\n1,a\n\n2,b\n")
    source = FileSource("t.csv", root=tmp_path, product="p", fmt="csv")
    frame = source.read("t", ReadOptions(large_file_bytes=1))  # streamed: cleaned before its scan
    assert isinstance(frame, pl.LazyFrame) and frame.collect().height == 2
    assert len(list(temp.glob("meshguard-*.csv"))) == 1
    del source, frame
    gc.collect()
    assert list(temp.glob("meshguard-*.csv")) == []
