"""Contracts written as JSON (``*.odcs.json``): read as JSON, placed by the YAML parser.

JSON is (nearly) YAML, so the YAML parser gives a JSON contract's line and column of every
value, its limits (size, depth, nodes) and duplicate keys. Its values, though, come from the JSON
parser: YAML 1.1 reads ``1e5`` as text where JSON means a number, and accepts what JSON
refuses (a comment, an unquoted word, a trailing comma, ``NaN``). A file whose name ends in
``.json`` that is not JSON is an error with the JSON parser's line and column.
"""

from __future__ import annotations

import re
from typing import Any

from meshguard.yamlio import DEFAULT_LIMITS, Limits, YamlDocument, YamlError, parse_yaml

#: the words Python's JSON parser accepts and JSON does not (outside a string)
_NON_JSON = r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)'
#: :func:`_json_data`'s answer when the YAML parser is to report the problem
_YAML_DECIDES = object()


class _NotJson(ValueError):
    pass


def parse_json(text: str, display: str, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """A JSON contract's text (:func:`meshguard.contracts.load.parse_document` of a ``.json`` file)."""
    data = _json_data(text.removeprefix("\ufeff"), display, limits)
    try:
        doc = parse_yaml(text, display, limits)
    except YamlError as exc:  # valid JSON the YAML parser refuses: too deep, a lone surrogate
        message = exc.message.replace("invalid YAML", "invalid JSON", 1)
        raise YamlError(message, path=exc.path, line=exc.line, column=exc.column, hint=exc.hint) from None
    return doc if data is _YAML_DECIDES else YamlDocument(data=data, lines=doc.lines, path=doc.path)


def _refuse(word: str) -> Any:
    raise _NotJson(word)


def _json_data(text: str, display: str, limits: Limits) -> Any:
    import json

    if len(text) > limits.max_bytes or not text.strip():
        return _YAML_DECIDES  # the YAML parser reports the limit; an empty file is no contract
    try:
        return json.loads(text, parse_constant=_refuse)
    except json.JSONDecodeError as exc:
        raise YamlError(f"invalid JSON: {exc.msg}", path=display, line=exc.lineno, column=exc.colno) from None
    except _NotJson as exc:
        at = next((m.start(1) for m in re.finditer(_NON_JSON, text) if m.group(1)), 0)
        line = text.count("\n", 0, at) + 1
        column = at - text.rfind("\n", 0, at)
        raise YamlError(
            f"invalid JSON: {exc.args[0]} is not a JSON value", path=display, line=line, column=column
        ) from None
    except RecursionError:
        return _YAML_DECIDES  # the YAML parser reports the nesting (its depth limit, with the place)
