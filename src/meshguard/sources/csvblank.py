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

#: an empty line (``\r\n`` ended, or ``\n``) after another line; in a file without ``\r``
_BLANK = rb"\n\r?\n"
_BLANK_LF = rb"\n\n"
_EMPTY = (b"", b"\r")
#: a line holding nothing, with its line break
_EMPTY_LINE = rb"(?m)^\r?\n"


def without_blank_lines(path: Path, separator: str) -> bytes | None:
    """The text of ``path`` less its blank lines, when it has some and more than one column
    (the header's fields); None when it is to be read as it is."""
    import csv  # here: a file read whole looks for blank lines only when its rows may hold one
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
            data = mapped[:]
    start = 0
    while start < len(data) and data[start] in b"\r\n":  # blank lines before the header
        start += 1
    end = data.find(b"\n", start)
    header = data[start : end if end >= 0 else len(data)]
    fields = next(csv.reader([header.decode("utf-8", "replace").rstrip("\r")], delimiter=separator), [])
    if len(fields) < 2:
        return None
    if b'"' not in data:  # one copy: every line holding nothing removed
        return re.sub(_EMPTY_LINE, b"", data)
    # a line break inside a quoted field is not a row's end: an odd count of quotes opens one
    kept, quoted = [], False
    for line in data.split(b"\n"):
        if quoted or line not in _EMPTY:
            kept.append(line)
        if line.count(b'"') % 2:
            quoted = not quoted
    return b"\n".join(kept) + b"\n" if kept else b""
