"""The Jinja filters and globals of the HTML scorecards: escaped text that may break after a
separator, code spans, a matrix row's products by state, and the state badges. Each returns
markup built from escaped text only."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import markupsafe
from markupsafe import Markup, escape

#: the C escaping behind markupsafe.escape (its pure-Python fallback where not built)
_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)

_new_str = str.__new__

#: a line may break after each of these: each is followed by <wbr>
_BREAKS = str.maketrans({c: c + "<wbr>" for c in "/\\._:@-"})
_CODE = re.compile(r"`([^`]+)`")


def wrap(text: object) -> Markup:
    """Escaped text that may break after a separator (paths, ids, e-mail addresses), not mid-word."""
    if type(text) is str:
        return _wrap_str(text)  # ids, paths and names repeat across the pages: computed once each
    return Markup(str(escape("" if text is None else text)).translate(_BREAKS))


@lru_cache(maxsize=65536)
def _wrap_str(text: str) -> Markup:
    return Markup(str(escape(text)).translate(_BREAKS))


def autoescape(value: object) -> Markup:
    """``markupsafe.escape(value)``, the same markup, for the templates' every ``{{ }}`` (about a
    hundred per product page): a ``str``, most of them, is escaped without the Python
    ``Markup`` constructor (its ``__html__`` look-up is for objects a ``str`` is not)."""
    if type(value) is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    return escape(value)


def codespans(text: object) -> Markup:
    """Escaped text with its Markdown-style `code` spans shown as code (remediation texts)."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape("" if text is None else text))))


def by_state(products: dict[str, str]) -> dict[str, list[str]]:
    """A compliance matrix row's products grouped by their state (in the row's order)."""
    out: dict[str, list[str]] = {}
    for pid, state in products.items():
        out.setdefault(state, []).append(pid)
    return out


def linked(pids: list[str], anchors: dict[str, Markup]) -> Markup:
    """Products as a comma-separated list, each linked to its page when it has one."""
    return Markup(", ").join(anchors.get(pid) or wrap(pid) for pid in pids)


#: the icon beside each state in a badge (it never stands alone: the state's word follows it)
ICONS = {
    "pass": "✓",
    "passed": "✓",
    "warn": "!",
    "warned": "!",
    "warning": "!",
    "fail": "✗",
    "failed": "✗",
    "error": "‼",
    "errored": "‼",
    "waived": "~",
    "unsupported": "?",
    "info": "i",
    "note": "i",
    "n/a": "–",
    "not_applicable": "–",
    "active": "✓",
    "expiring": "⏳",
    "expired": "✗",
    "stale": "?",
}
#: a link to a product's page
ANCHOR = Markup('<a href="{}">{}</a>')
_BADGE = Markup('<span class="badge {}">{} {}</span>')


def badge(value: object, kind: str | None = None) -> Markup:
    """A state as a coloured badge: its icon and its word (a template global: a product page shows
    dozens, and a Python function renders them several times faster than a Jinja macro). The
    states are a handful of words: each badge is built once."""
    if isinstance(value, str):  # str enums too: equal to their word, and shown as it
        return _badge_str(value, kind)
    return _badge(value, kind)


@lru_cache(maxsize=1024)
def _badge_str(value: str, kind: str | None) -> Markup:
    return _badge(value, kind)


def _badge(value: object, kind: str | None) -> Markup:
    css = "verdict-error" if kind == "verdict" and value == "error" else str(value).replace("/", "")
    return _BADGE.format(
        css,
        ICONS.get(value, "") if isinstance(value, str) else "",
        "n/a" if value == "not_applicable" else value,
    )
