"""A batch's plain CSV files parsed as one text (:func:`meshguard.quality.batch.prepare_batch`).

Each table of a batch was read by its own lazy scan: ~0.25 ms of polars' fixed cost per
file, half of a small file's read. Files with the same header line and delimiter whose text
leaves no doubt where each row starts and ends (no quote character, no carriage return, no
byte order mark; a blank line is a row of nulls, alone or not, as in its own scan, whose
rows are then looked at: ``FileSource.blank_lines_left_out``) are one CSV once their headers
but the first are cut: parsed
once, each file's rows are a slice of the result. The rows of a file are its newlines after
the header (one more for a last line without one); a parse whose row count is not their sum,
or that fails, leaves each file to its own scan. Each slice holds what the file's own scan
reads (every column text, with ``infer_schema=False``: the same strings and nulls).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from meshguard.quality.load import panic

if TYPE_CHECKING:
    import polars as pl

#: what makes a row's end uncertain without parsing: quoted fields (a newline or a delimiter
#: inside), carriage returns, NUL bytes (a byte order mark is looked for at the start). Each
#: is one byte, found by ``memchr``: a two-byte search (a blank line, ``\n\n``) cost ~40 µs
#: per 45 KB file, and a blank line needs none (it is a row of nulls in a file alone too; then
#: ``FileSource.blank_lines_left_out`` reads a file of several columns again without it)
_UNSURE = (b'"', b"\r", b"\x00")


def _body(data: bytes) -> tuple[bytes, bytes, int] | None:
    """The header line, the rest (ending with a newline) and its row count, or None when the
    text may not split into rows at its newlines."""
    if not data or data.startswith((b"\n", b"\xef\xbb\xbf")) or any(u in data for u in _UNSURE):
        return None
    end = data.find(b"\n")
    if end < 0:
        return None
    rest = data[end + 1 :]
    if rest and not rest.endswith(b"\n"):
        rest += b"\n"
    return data[:end], rest, rest.count(b"\n")


def read_together(files: Sequence[tuple[int, Path, str]]) -> dict[int, pl.DataFrame]:
    """Key → its file's rows, for each of ``files`` (key, path, delimiter) parsed with others
    of the same header and delimiter; the others are left out (each to its own scan)."""
    import polars as pl

    groups: dict[tuple[str, bytes], list[tuple[int, bytes, int]]] = defaultdict(list)
    for key, path, sep in files:
        try:
            got = _body(path.read_bytes())
        except OSError:
            continue
        if got is not None:
            head, rest, rows = got
            groups[(sep, head)].append((key, rest, rows))
    out: dict[int, pl.DataFrame] = {}
    for (sep, head), members in groups.items():
        if len(members) < 2:
            continue
        text = b"".join([head, b"\n", *(rest for _, rest, _ in members)])
        try:
            whole = pl.read_csv(text, separator=sep, infer_schema=False)
        # the reader's error, or its panic (a BaseException): each file on its own scan
        except (Exception, panic()):
            continue
        if whole.height != sum(rows for _, _, rows in members):
            continue
        start = 0
        for key, _, rows in members:
            out[key] = whole.slice(start, rows)
            start += rows
    return out
