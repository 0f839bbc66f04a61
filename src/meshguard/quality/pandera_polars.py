"""``pandera.polars``, imported without the pandas namespace pandera builds at its top level.

Whenever pandas is installed, ``import pandera`` imports pandas, pandera's pandas
engine and, when installed, hypothesis (several hundred milliseconds) — none of which
a polars schema uses. While ``pandera.polars`` is first imported and its backends
registered (pandera registers them lazily, at the first validation: a one-row
validation here), those two imports fail as if the packages were absent, which
pandera handles by design (its polars-only install); afterwards they import normally
for whoever needs them.
"""

from __future__ import annotations

import importlib.abc
import sys
from types import ModuleType
from typing import Any

_ABSENT = ("pandas", "hypothesis")


class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.partition(".")[0] in _ABSENT:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


def pandera_polars() -> ModuleType:
    """The ``pandera.polars`` module."""
    if "pandera" not in sys.modules:
        finder = _Absent()
        sys.meta_path.insert(0, finder)
        try:
            import pandera.polars as pa
            import polars as pl

            schema = pa.DataFrameSchema({"x": pa.Column(pl.Int64, checks=[pa.Check.ge(0)])})
            schema.validate(pl.DataFrame({"x": [1]}))
        finally:
            sys.meta_path.remove(finder)
    import pandera.polars as pa

    return pa
