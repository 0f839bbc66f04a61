"""The detectors over a batch's tables (quality/batch_detect.py): each table's answer is the one
it gets alone, its text sample taken in polars as Python takes it (stripped of what
``str.strip`` strips, the empty values dropped)."""

from __future__ import annotations

import sys

import polars as pl
import pytest

from meshguard.detectors import SAMPLE, WHITESPACE, sample_of
from meshguard.quality.batch_detect import _text_samples, detected_many
from meshguard.quality.profile import detected

#: Python and polars disagree on these: Python strips the information separators
#: (U+001C..U+001F) and polars' default does not; neither strips a zero-width space
ODD = ["\x1cjane@example.org\x1f", "\u3000bob@example.org\u2028", "\u200bx@example.org", " ", "", "\x85"]


def test_whitespace_is_what_str_strip_strips() -> None:
    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert every == WHITESPACE


def _tables() -> list[list[str | None]]:
    mails = [f"user{i}@example.org" for i in range(40)]
    return [
        ODD + mails,
        [None, *ODD, None, *mails[:5], "   "],
        ["\t\n", "", None],  # nothing left once stripped
        [*(f"  +1 555 010 {i:04d} " for i in range(30)), *ODD],
        [*(f"{i}" for i in range(SAMPLE + 50)), "late@example.org"],  # past the sample
    ]


def test_text_samples_are_python_samples() -> None:
    parts = [pl.Series("c", t, dtype=pl.String) for t in _tables()]
    values, lengths = _text_samples(parts)
    got = values.to_list()
    start = 0
    for table, n in zip(_tables(), lengths, strict=True):
        alone = sample_of([v for v in table if v is not None][:SAMPLE])
        assert got[start : start + n] == alone
        start += n
    assert start == len(got)


def test_each_tables_detection_is_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    tables = _tables()
    frames = [pl.DataFrame({"contact": pl.Series(t, dtype=pl.String)}) for t in tables]
    spans, start = [], 0
    for f in frames:
        spans.append((start, f.height))
        start += f.height
    many = detected_many(pl.concat(frames), spans)
    for frame, got in zip(frames, many, strict=True):
        assert got == detected(frame)
    assert many[0]["contact"].counts.get("email") == 42  # the padded addresses count
