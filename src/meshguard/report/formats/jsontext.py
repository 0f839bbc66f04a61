"""Indented JSON text for the reports, through orjson.

The standard library's encoder falls back to pure Python as soon as it indents (about
ten times slower: the JSON report of a 10,000-product mesh took most of a minute). The
text is what ``json.dumps(value, indent=2, ensure_ascii=False, default=str)`` writes, but
for the spelling of some floats (orjson writes ``0.0000991``, not ``9.91e-05``: the same
number). A value orjson refuses (an integer beyond 64 bits) goes through ``json``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

#: dict keys that are not strings are written as strings (as ``json`` does); datetimes and
#: dataclasses go to ``default=str`` (as with ``json``), not to orjson's own spelling
_OPTIONS = (
    orjson.OPT_INDENT_2
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def dumps(value: Any) -> str:
    """``value`` as JSON indented by two spaces, without a trailing newline."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)


#: as above, but a dataclass is written as its fields, in order (what ``results.model``'s
#: ``to_dict`` of a check or finding gives)
_OBJECT_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps_objects(value: Any) -> str | None:
    """``value`` with its dataclasses written as their fields; None when orjson refuses it (the
    caller then writes the plain form through :func:`dumps`)."""
    try:
        return orjson.dumps(value, default=str, option=_OBJECT_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return None
