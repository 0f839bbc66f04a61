"""Blank lines of a CSV file: no record where a record has two or more fields.

polars reads a line holding nothing as a row of nulls, so a file ending with an empty line
had a row failing ``required`` and ``unique``. pandas (``skip_blank_lines``), Python's
``csv.DictReader`` and DuckDB's reader skip such a line in a file of several columns: it has
none of the delimiters a record of that file has. In a file of one column an empty line is that
column's empty field, a null, which is how polars and DuckDB write one: DuckDB reads it so,
and meshguard keeps it. A line of spaces or a line of delimiters (``,,``) is a record; an empty
line inside a quoted field is part of its value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: an empty line (``\r\n`` ended, or ``\n``) after another line; in a file without ``\r``
_BLANK = rb"\n\r?\n"
_BLANK_LF = rb"\n\n"
_EMPTY = (b"", b"\r")
#: a line holding nothing, with its line break
_EMPTY_LINE = rb"(?m)^\r?\n"


#: the block a file without quotes is copied by (each cut after its last line break)
BLOCK = 8 * 1024 * 1024


def without_blank_lines(path: Path, separator: str) -> Path | None:
    """A temporary copy of ``path`` less its blank lines, when it has some and more than one
    column (the header's fields); None when it is to be read as it is. The copy is written as
    the file is read, by blocks or lines: a file too large to hold (a streamed one) is never
    held whole. The caller removes the copy."""
    import mmap

    with path.open("rb") as fh:
        try:
            mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # empty, or not a regular file
            return None
        with mapped:
            # no copy; one search (~0.3 ms per MB) for the usual file, which has no blank line
            # and no carriage return (a memchr, ~0.03 ms per MB)
            blank = _BLANK if mapped.find(b"\r") >= 0 else _BLANK_LF
            if mapped[:1] not in (b"\n", b"\r") and re.search(blank, mapped) is None:
                return None
            if _fields(mapped, separator) < 2:
                return None
            quoted = mapped.find(b'"') >= 0
    return _copy(path, quoted)


def _fields(mapped: Any, separator: str) -> int:
    """The number of fields of the header: the first line holding something."""
    import csv  # here: a file read whole looks for blank lines only when its rows may hold one

    start = 0
    while start < len(mapped) and mapped[start : start + 1] in (b"\r", b"\n"):  # blank lines first
        start += 1
    end = mapped.find(b"\n", start)
    header = mapped[start : end if end >= 0 else len(mapped)]
    return len(next(csv.reader([header.decode("utf-8", "replace").rstrip("\r")], delimiter=separator), []))


def _copy(path: Path, quoted: bool) -> Path:
    """``path`` copied to a temporary file without its lines holding nothing (a line break inside
    a quoted field is not a row's end: an odd count of quotes on a line opens or closes one)."""
    import tempfile

    with (
        path.open("rb") as src,
        tempfile.NamedTemporaryFile("wb", prefix="meshguard-", suffix=".csv", delete=False) as out,
    ):
        if not quoted:  # by blocks, each cut after its last line break: every block starts a line
            tail = b""
            while block := src.read(BLOCK):
                block = tail + block
                cut = block.rfind(b"\n") + 1
                out.write(re.sub(_EMPTY_LINE, b"", block[:cut]))
                tail = block[cut:]
            out.write(tail)
        else:
            inside = False
            for line in src:
                body = line[:-1] if line.endswith(b"\n") else line
                if inside or body not in _EMPTY:
                    out.write(line)
                if body.count(b'"') % 2:
                    inside = not inside
    return Path(out.name)
