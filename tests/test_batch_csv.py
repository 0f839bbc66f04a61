"""A batch's plain CSV files parsed as one text: each file's rows are exactly what its own scan
reads, and a file whose rows cannot be told at its newlines is left to its own scan."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from meshguard.quality.batch_csv import read_together

HEADER = "id,email,amount,note"

#: texts that do not split into rows at their newlines, each left to its own scan
UNSURE = {
    "quoted": 'id,email,amount,note\n1,"a\nb",2.5,x\n',
    "crlf": "id,email,amount,note\r\n1,a@b.c,2.5,x\r\n",
    "bom": "\ufeffid,email,amount,note\n1,a@b.c,2.5,x\n",
    "no-newline-header": "id,email,amount,note",
}


def _own(path: Path, sep: str = ","):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.scan_csv([str(path)], separator=sep, infer_schema=False).collect(engine="streaming")


def _text(rng: random.Random, rows: int, last_newline: bool) -> str:
    lines = [HEADER]
    for r in range(rows):
        amount = rng.choice(["", "-1.0", f"{rng.uniform(0, 500):.2f}", " 7 "])
        note = rng.choice(["", "n", "a b", "ü"])
        lines.append(f"{r},user{r}@example.org,{amount},{note}")
    return "\n".join(lines) + ("\n" if last_newline else "")


def test_each_file_gets_the_rows_of_its_own_scan(tmp_path: Path) -> None:
    rng = random.Random(3)
    files, whole = [], set()
    for i in range(12):  # some without a last newline, some with no row, a ragged one
        text = _text(rng, rng.choice([0, 1, 5, 40]), last_newline=i % 3 != 0)
        if i in (4, 5):  # blank lines: rows of nulls, alone too (inside, at the end)
            text = text.replace("\n", "\n\n", 1) + "\n\n"
        if i == 7:
            text = text.replace("\n1,", "\n1,short\n1a,", 1) if "\n1," in text else text + "9,x\n"
        path = tmp_path / f"t{i}.csv"
        path.write_text(text, encoding="utf-8")
        files.append((i, path, ","))
        if "\n" in text:  # a header alone without its newline is left to its own scan
            whole.add(i)
    together = read_together(files)
    assert set(together) == whole and len(whole) > 8
    for i, path, _ in files:
        if i not in whole:
            continue
        own = _own(path)
        assert together[i].equals(own), i
        assert together[i].schema == own.schema


def test_files_are_parsed_with_those_of_their_header_and_delimiter(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x;y\n1;2\n")
    (tmp_path / "b.csv").write_text("x;y\n3;4\n5;6\n")
    (tmp_path / "c.csv").write_text("x,y\n7,8\n")  # another delimiter: alone
    (tmp_path / "d.csv").write_text("y;x\n9;10\n")  # another header: alone
    got = read_together(
        [
            (0, tmp_path / "a.csv", ";"),
            (1, tmp_path / "b.csv", ";"),
            (2, tmp_path / "c.csv", ","),
            (3, tmp_path / "d.csv", ";"),
        ]
    )
    assert set(got) == {0, 1}
    assert got[1].equals(_own(tmp_path / "b.csv", ";"))


@pytest.mark.parametrize("kind", sorted(UNSURE))
def test_a_file_whose_rows_are_unsure_is_left_to_its_own_scan(tmp_path: Path, kind: str) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(f"{HEADER}\n1,a@b.c,2.5,x\n")
    other = tmp_path / "plain2.csv"
    other.write_text(f"{HEADER}\n2,c@d.e,3.5,y\n")
    odd = tmp_path / "odd.csv"
    odd.write_bytes(UNSURE[kind].encode("utf-8"))
    got = read_together([(0, plain, ","), (1, odd, ","), (2, other, ",")])
    assert set(got) == {0, 2}
    assert got[2].equals(_own(other))


def test_a_parse_that_fails_leaves_every_file_to_its_own_scan(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,y\n1,2,3\n")  # more fields than the header: the reader refuses
    assert read_together([(0, tmp_path / "a.csv", ","), (1, tmp_path / "b.csv", ",")]) == {}
