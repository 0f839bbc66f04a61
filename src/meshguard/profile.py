"""A cheap profile of a sample data file: what each column's values look like.

Reads at most :data:`ROWS` rows with polars and asks the content detectors of
the quality stage (:mod:`meshguard.quality.detectors`) what they see. Used by
``meshguard import`` to propose sensitivity categories; values never leave here.
"""

from __future__ import annotations

from pathlib import Path

from meshguard.errors import DataError

ROWS = 1000


def profile_file(path: Path) -> dict[str, list[str]]:
    """column → detected kinds (``email``, ``phone``, ``payment_card``…) in the first rows of ``path``."""
    import importlib

    import polars as pl

    detect = importlib.import_module("meshguard.quality.detectors").detect  # the quality stage's

    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pl.read_csv(path, n_rows=ROWS, infer_schema_length=ROWS, try_parse_dates=True)
        elif suffix == ".parquet":
            frame = pl.read_parquet(path, n_rows=ROWS)
        elif suffix in (".json", ".ndjson", ".jsonl"):
            frame = pl.read_ndjson(path, n_rows=ROWS)
        else:
            raise DataError(f"cannot profile {suffix or 'a file without suffix'}", path=path.as_posix())
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise DataError(f"cannot read the sample: {first}", path=path.as_posix()) from None
    out: dict[str, list[str]] = {}
    for name in frame.columns:
        column = frame.get_column(name)
        temporal = column.dtype.is_temporal()
        values = [str(v) for v in column.drop_nulls().to_list()]
        out[name] = detect(name, values, temporal=temporal)
    return out
