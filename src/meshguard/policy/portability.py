"""Rego patterns that OPA and the embedded engine (regorus) decide differently.

``meshguard policy lint`` (and ``policy test``) warn about them in a repo's own
policies, so a policy decides the same under ``--engine embedded`` and under an
OPA server:

- ``PORT001`` a lookup of a possibly missing key inside a negated call
  (``not f(input.x.y)``): OPA hoists the lookup out of the negation, so when
  the key is missing the whole expression is undefined and the rule does not
  fire; regorus evaluates the negation as true and it fires (OPA issue #7558).
  Read the key with ``object.get(x, "y", default)`` first.
- ``PORT002`` ``sprintf`` with ``%s`` of a value that may not be a string: OPA
  writes ``%!s(float64=1.5)``, regorus ``1.5``. Use ``%v``.

The scan is textual (comments and strings are blanked first), line by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from meshguard.policy.bundle import Module

_STRINGS = re.compile(r'"(?:\\.|[^"\\\n])*"|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
# `not name(args)` / `not a.b.c(args)`, args up to the matching parenthesis on the line
_NEGATED_CALL = re.compile(r"\bnot\s+(?P<fn>[A-Za-z_][\w.]*)\s*\(")
# a reference with at least one dotted or bracketed step, not itself a call
_LOOKUP = re.compile(r"\b(?P<ref>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]]+\])+)(?![\w.\[]|\s*\()")
_IMPORT = re.compile(r"^\s*import\s+data\.(?P<path>[\w.]+)(?:\s+as\s+(?P<alias>\w+))?", re.MULTILINE)
_SPRINTF = re.compile(r"\bsprintf\s*\(\s*\"(?P<fmt>(?:\\.|[^\"\\])*)\"")


@dataclass(frozen=True)
class PortabilityWarning:
    rule_id: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning {self.rule_id} {self.message}"


def _blank(text: str) -> str:
    text = _STRINGS.sub(lambda m: '"' + re.sub(r"[^\n]", " ", m.group()[1:-1]) + '"', text)
    return _COMMENT.sub("", text)


def _call_args(line: str, start: int) -> str:
    depth, i = 1, start
    while i < len(line) and depth:
        depth += {"(": 1, ")": -1}.get(line[i], 0)
        i += 1
    return line[start : i - 1]


def scan(module: Module) -> list[PortabilityWarning]:
    """Every non-portable pattern in one module."""
    out: list[PortabilityWarning] = []
    # rules of imported packages (lib.contract) are documents the policy defines, not input keys
    aliases = {m.group("alias") or m.group("path").rsplit(".", 1)[-1] for m in _IMPORT.finditer(module.text)}
    blank = _blank(module.text).splitlines()
    raw = module.text.splitlines()
    for n, line in enumerate(blank, start=1):
        original = raw[n - 1] if n - 1 < len(raw) else line
        for m in _NEGATED_CALL.finditer(line):
            args = _call_args(line, m.end())
            # the blanked text keeps every offset: show the reference as written
            refs = [
                original[m.end() + r.start() : m.end() + r.end()]
                for r in _LOOKUP.finditer(args)
                if r.group("ref").split(".", 1)[0].split("[", 1)[0] not in aliases
            ]
            if refs:
                out.append(
                    PortabilityWarning(
                        "PORT001",
                        module.path,
                        n,
                        f"lookup {refs[0]} inside the negated call {m.group('fn')}(…): when the key is "
                        "missing OPA leaves the rule undefined while the embedded engine fires it; "
                        "read it with object.get(…, default) first",
                    )
                )
        for m in _SPRINTF.finditer(original):
            if "%s" in m.group("fmt"):
                out.append(
                    PortabilityWarning(
                        "PORT002",
                        module.path,
                        n,
                        "sprintf with %s: a value that is not a string prints differently under OPA "
                        "and the embedded engine; use %v",
                    )
                )
    return out


def scan_all(modules: list[Module] | tuple[Module, ...]) -> list[PortabilityWarning]:
    return [w for m in modules for w in scan(m)]
