"""Local files read with polars: CSV, Parquet, JSON / NDJSON (lazy scans where the format allows)."""

from __future__ import annotations

import itertools
import json
import os
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from meshguard.errors import DataError
from meshguard.sources.base import Capabilities, ReadOptions, Typing, custom_properties
from meshguard.sources.csvblank import without_blank_lines
from meshguard.sources.paths import resolve_data_paths

if TYPE_CHECKING:
    import polars as pl

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "json",
    ".jsonl": "json",
}
_TYPING: dict[str, Typing] = {"csv": "text", "json": "json", "parquet": "typed"}


class FileSource:
    kind = "files"
    capabilities: ClassVar[Capabilities] = Capabilities(backend="polars", sizes=True)

    def __init__(
        self,
        path: str,
        *,
        root: Path,
        product: str,
        fmt: str | None = None,
        delimiter: str | None = None,
        allowed_roots: Sequence[Path] = (),
        base: Path | None = None,
    ) -> None:
        self.raw_path = path
        self.root = root
        self.base = base  # the contract's folder: relative paths are looked up there first
        self.product = product
        self.allowed_roots = tuple(allowed_roots)
        # None: sniffed from the file when it is read
        self.delimiter = delimiter or ("\t" if path.endswith(".tsv") else None)
        fmt = (fmt or "").lower() or FORMATS.get(Path(path.replace("*", "x")).suffix.lower(), "")
        fmt = {"ndjson": "json", "jsonl": "json", "delta": ""}.get(fmt, fmt)
        if fmt not in _TYPING:
            raise DataError(
                f"product {product}: cannot tell the file format of {path!r} (csv, parquet, json)"
            )
        self.format = fmt
        self.typing: Typing = _TYPING[fmt]
        self.columnar = fmt == "parquet"
        self._resolved: dict[str, list[Path]] = {}
        #: table → its one CSV file and the delimiter its scan was given (see :meth:`csv_file`)
        self._csv: dict[str, tuple[Path, str]] = {}
        #: table → the delimiter of its CSV scan, read whole or sampled (:meth:`blank_lines_left_out`)
        self._separators: dict[str, str] = {}

    @classmethod
    def from_server(
        cls,
        server: Mapping[str, Any],
        *,
        root: Path,
        product: str,
        allowed_roots: Sequence[Path] = (),
        base: Path | None = None,
        **_: Any,
    ) -> FileSource:
        path = server.get("path") or server.get("location")
        if not isinstance(path, str) or not path:
            raise DataError(f"product {product}: server {server.get('server')!r} has no `path`")
        custom = custom_properties(server)
        delimiter = server.get("delimiter") or custom.get("delimiter")
        fmt = server.get("format")
        if fmt is not None and not isinstance(fmt, str):
            raise DataError(
                f"product {product}: server {server.get('server')!r} has a `format` that is not text "
                "(csv, parquet, json)"
            )
        return cls(
            path,
            root=root,
            product=product,
            fmt=fmt,
            delimiter=delimiter if isinstance(delimiter, str) else None,
            allowed_roots=allowed_roots,
            base=base,
        )

    def describe(self) -> str:
        return f"{self.format}:{self.raw_path}"

    def _paths(self, table: str) -> list[Path]:
        """The files of ``table``, resolved once per source (its size is asked, then it is read)."""
        if table not in self._resolved:
            raw = self.raw_path.replace("{model}", table).replace("{object}", table)
            self._resolved[table] = resolve_data_paths(
                raw, self.root, self.allowed_roots, self.product, self.base
            )
        return list(self._resolved[table])

    def read(self, table: str, options: ReadOptions) -> pl.LazyFrame | pl.DataFrame:
        import polars as pl

        paths = self._paths(table)
        sizes = [p.stat().st_size for p in paths]
        if all(s == 0 for s in sizes):
            raise DataError(f"product {self.product}: sample file {self.raw_path!r} is empty")
        if self.format != "parquet":
            for p in paths:
                _check_utf8(p, self.product, self.raw_path)
        files = [str(p) for p in paths]
        # a lazy scan: meshguard draws its seeded samples, or streams a large file, from it
        if self.format == "csv":
            sep = self.delimiter or _sniff_delimiter(paths[0])
            if len(sep) != 1:
                raise DataError(f"product {self.product}: CSV delimiter must be one character")
            large = options.large_file_bytes is not None and sum(sizes) > options.large_file_bytes
            if large and options.limit is None and options.fraction is None:
                # streamed from the scan (what meshguard.quality.load.is_large decides): its
                # blank lines are left out before
                return self._csv_scan(paths, sep)[0]
            # read whole or sampled: its rows tell whether it may have a blank line
            # (:meth:`blank_lines_left_out`)
            self._separators[table] = sep
            if len(paths) == 1:
                self._csv[table] = (paths[0], sep)
            return pl.scan_csv(files, separator=sep, infer_schema=False)
        if self.format == "parquet":
            return pl.scan_parquet(files)
        if _is_json_document(paths[0]):
            frames = [pl.read_json(f) for f in files]
            return pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
        return pl.scan_ndjson(files, infer_schema_length=10_000)

    def _csv_scan(self, paths: list[Path], sep: str) -> tuple[pl.LazyFrame, bool]:
        """The scan of the CSV files ``paths`` without their blank lines (:mod:`csvblank`: a
        temporary copy of a file that has some, removed with this source), and whether a file
        had some."""
        import polars as pl

        copies = [without_blank_lines(p, sep) for p in paths]
        for copy in copies:
            if copy is not None:  # removed when this source goes, by the process that made it
                weakref.finalize(self, _remove, copy, os.getpid())
        read = [str(p if copy is None else copy) for p, copy in zip(paths, copies, strict=True)]
        return pl.scan_csv(read, separator=sep, infer_schema=False), any(c is not None for c in copies)

    def blank_lines_left_out(self, table: str, frame: pl.DataFrame) -> pl.LazyFrame | None:
        """The scan of ``table`` without the blank lines of its CSV file(s), when ``frame`` (the
        rows :meth:`read`'s scan gave, or a sample of them) may hold one and a file has some;
        else None. A blank line of a file of several columns is a row of nulls in every
        column, so a frame with a column holding no null holds none: one look per column
        (polars keeps the count), no pass over the file. (A sample holding no blank line is
        kept: drawn from the rows and the blank lines, it is still a sample of the rows.)"""
        sep = self._separators.get(table)
        if (
            sep is None
            or frame.width < 2
            or not all(frame.to_series(i).null_count() for i in range(frame.width))
        ):
            return None
        scan, cleaned = self._csv_scan(self._paths(table), sep)
        return scan if cleaned else None

    def csv_file(self, table: str) -> tuple[Path, str] | None:
        """The one CSV file :meth:`read` scanned for ``table`` and its delimiter (None: not read
        yet, several files or another format): what that scan reads, a batch may parse with others."""
        return self._csv.get(table)

    def size(self, table: str) -> int:
        """Bytes of the file(s) of ``table``."""
        return sum(p.stat().st_size for p in self._paths(table))


def _is_json_document(path: Path) -> bool:
    """One JSON document (an array of records, or one record, pretty-printed or not) rather than
    NDJSON (one record per line)."""
    with path.open("rb") as fh:
        first = fh.readline(1 << 20).lstrip(b"\xef\xbb\xbf \t\r\n")
    if first.startswith(b"["):
        return True
    if not first.startswith(b"{"):
        return False
    try:  # NDJSON: the first line is a whole record
        return not isinstance(json.loads(first), dict)
    except ValueError:
        return True


#: delimiters a CSV file without a declared one is sniffed for
SNIFFED = ",;\t|"


def _sniff_delimiter(path: Path, size: int = 1 << 14) -> str:
    """The delimiter of a CSV file whose server entry declares none (``,`` when unsure)."""
    import csv

    with path.open("r", encoding="utf-8", errors="replace", newline="") as fh:
        sample = fh.read(size)
    lines = sample.splitlines()
    if len(lines) > 1 and len(sample) == size:
        sample = "\n".join(lines[:-1])  # a cut-off last line misleads the sniffer
    sniffer = csv.Sniffer()
    if '"' not in sample and "'" not in sample:
        # the sniffer's first pass looks for quoted fields (most of its time) and finds none
        # without a quote character: its answer is then its second pass's, the one run here
        known = _only_delimiter(sample)
        if known is not None:
            return known
        found, _ = sniffer._guess_delimiter(sample, SNIFFED)  # type: ignore[attr-defined]
        return found or ","
    try:
        return sniffer.sniff(sample, delimiters=SNIFFED).delimiter
    except csv.Error:
        return ","


def _only_delimiter(sample: str) -> str | None:
    """The sniffer's delimiter pass's answer when it is known without running it (that pass
    counts each of 127 characters on each line: a millisecond), else None.

    The pass reads the non-empty lines in chunks of 10; a delimiter is a candidate character
    whose most frequent count (non-zero) holds on enough lines of the chunks read so far, and
    it stops at the first chunk that yields exactly one. So when exactly one candidate occurs in
    the sample, the same number of times on each of the first 10 non-empty lines, the first chunk
    yields it alone (every line agrees; the other candidates never occur): it is the answer."""
    present = [d for d in SNIFFED if d in sample]
    if len(present) != 1:
        return None
    (delimiter,) = present
    first = itertools.islice((line for line in sample.split("\n") if line), 10)
    counts = {line.count(delimiter) for line in first}
    return delimiter if len(counts) == 1 and 0 not in counts else None


def _check_utf8(path: Path, product: str, shown: str, prefix: int = 1 << 20) -> None:
    """Text files must be UTF-8: check the first MiB (polars would decode a bad header lossily)."""
    import codecs

    with path.open("rb") as fh:
        head = fh.read(prefix)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < prefix)
    except UnicodeDecodeError:
        raise DataError(f"product {product}: {shown!r} is not valid UTF-8 text") from None
    if b"\x00" in head:
        raise DataError(f"product {product}: {shown!r} contains NUL bytes (not a text file)")


def _remove(path: Path, pid: int) -> None:
    """Remove a temporary copy, in the process that made it (a forked child leaves it)."""
    if os.getpid() == pid:
        path.unlink(missing_ok=True)
