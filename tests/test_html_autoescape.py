"""The scorecards' templates escape their output with html_filters.autoescape: the same markup as
markupsafe.escape for every kind of value."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from meshguard.report.formats.html import _assets
from meshguard.report.formats.html_filters import autoescape


class _Html:
    def __html__(self) -> str:
        return "<b>ok</b>"


class _Sub(str):
    pass


VALUES: list[Any] = [
    "",
    "plain",
    "<script>alert('x')</script> & \"q\"",
    "é \U0001f600 \u2028",
    Markup("<i>kept</i>"),
    _Html(),
    _Sub("<sub>"),
    3,
    0.5,
    None,
    True,
    ["<a>"],
]


def test_autoescape_is_markupsafe_escape() -> None:
    for value in VALUES:
        got, want = autoescape(value), escape(value)
        assert type(got) is Markup and got == want, value


def test_the_templates_escape_with_it() -> None:
    env = _assets()[0]
    template = env.from_string("{{ v }}|{% macro m(x) %}{{ x }}{% endmacro %}{{ m(v) }}")
    assert template.root_render_func.__globals__["escape"] is autoescape
    assert template.render(v="<&>") == "&lt;&amp;&gt;|&lt;&amp;&gt;"
    assert env.get_template("product.html.j2").root_render_func.__globals__["escape"] is autoescape
