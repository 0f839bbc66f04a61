"""The CSV delimiter sniffer: meshguard's answer is the standard library sniffer's on every sample,
with or without quote characters (without them, only the sniffer's delimiter pass runs)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from meshguard.sources.files import SNIFFED, _only_delimiter, _sniff_delimiter


def _reference(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFFED).delimiter
    except csv.Error:
        return ","


def _samples() -> list[str]:
    r = random.Random(5)
    out = [
        "id,email,amount\n1,a@x.org,2.5\n2,b@x.org,3\n",
        "id;email;amount\n1;a@x.org;2,5\n2;b@x.org;3,0\n",
        "id\tname\n1\tAnn\n2\tBob\n",
        "id|name|note\n1|Ann|a,b\n2|Bob|c;d\n",
        'id,name\n1,"Doe, Jane"\n2,"Roe; Ann"\n',
        "id;name\n1;O'Brien\n2;D'Arcy\n",
        "just one column\nvalue\nother\n",
        "a,b;c\n1;2,3\n4,5;6\n",
        "",
    ]
    plain = ["1", "x", "a b", "2.5", "x,y", "u;v", "", "p|q", "t\tu"]
    for n in range(400):  # ragged, mixed delimiters, half with quotes: where a sniffer hesitates
        delimiter = r.choice(SNIFFED)
        cells_of = [*plain, "'q'", '"z"'] if n % 2 else plain
        lines = []
        for _ in range(r.randint(1, 30)):
            cells = [r.choice(cells_of) for _ in range(r.randint(1, 5))]
            lines.append(delimiter.join(cells))
        out.append("\n".join(lines) + "\n")
    for n in range(400):  # one delimiter: a few lines with more or fewer cells, blank lines, CRLF
        delimiter = r.choice(SNIFFED)
        cells = r.randint(1, 4)
        lines = []
        for _ in range(r.randint(1, 30)):
            k = cells if r.random() < 0.9 else r.randint(1, 5)
            lines.append(delimiter.join(r.choice(["1", "x", "a b", "2.5", ""]) for _ in range(k)))
            if r.random() < 0.1:
                lines.append("")
        out.append(("\r\n" if n % 3 == 0 else "\n").join(lines) + "\n")
    return out


def test_the_delimiter_is_the_standard_sniffers(tmp_path: Path) -> None:
    samples = _samples()
    assert len({_reference(s) for s in samples}) == len(SNIFFED)  # every answer occurs
    assert sum('"' not in s and "'" not in s for s in samples) > 150
    path = tmp_path / "s.csv"
    differ = []
    for sample in samples:
        path.write_text(sample, encoding="utf-8", newline="")
        if _sniff_delimiter(path) != _reference(sample):
            differ.append(sample)
    assert differ == []


def test_the_delimiter_known_without_the_sniffer_is_its_answer() -> None:
    """Where one candidate alone occurs, as often on each of the first 10 lines, the sniffer is
    not run: on each such sample its answer is the one given."""
    known = [(s, d) for s in _samples() if '"' not in s and "'" not in s and (d := _only_delimiter(s))]
    assert len(known) > 100 and {d for _, d in known} == set(SNIFFED)
    assert [s for s, d in known if d != _reference(s)] == []
    # the first 10 lines disagree: not known here (the sniffer decides)
    assert _only_delimiter("a,b\n" * 9 + "a\n" + "a,b\n" * 20) is None
    assert _only_delimiter("a,b\n" * 10 + "a\n" + "a,b\n" * 20) == ","
    assert _only_delimiter("a;b\na,b\n") is None
