"""pandera's checks as Spark column expressions (:mod:`meshguard.quality.spark`): the rows
failing each, with pandera's null rule."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from meshguard.quality.spark_jobs import quoted


def violation(check: Any, column: str) -> Any:
    """The rows failing a pandera ``Check`` on ``column``, as a Spark column (pandera's null rule)."""
    from pyspark.sql import functions as F

    name = getattr(check._check_fn, "__name__", "")
    kw = check._check_kwargs
    c = F.col(quoted(column))
    ops: dict[str, Callable[[], Any]] = {
        "greater_than_or_equal_to": lambda: c >= F.lit(kw["min_value"]),
        "greater_than": lambda: c > F.lit(kw["min_value"]),
        "less_than_or_equal_to": lambda: c <= F.lit(kw["max_value"]),
        "less_than": lambda: c < F.lit(kw["max_value"]),
        "isin": lambda: c.isin(list(kw["allowed_values"])),
        "str_contains": lambda: c.rlike(str(getattr(kw["pattern"], "pattern", kw["pattern"]))),
        "str_length": lambda: _length(c, kw),
    }
    if name not in ops:
        raise TypeError(f"check {check.name!r} cannot run on Spark")
    passed = ops[name]()
    failed = ~passed
    return F.coalesce(failed, F.lit(not check.ignore_na))


def _length(c: Any, kw: Mapping[str, Any]) -> Any:
    from pyspark.sql import functions as F

    n = F.char_length(c)
    if kw.get("exact_value") is not None:
        return n == kw["exact_value"]
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and hi is not None:
        return n.between(lo, hi)
    return n >= lo if lo is not None else n <= hi
