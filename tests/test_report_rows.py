"""A product page's check rows are written in Python (``html_rows.render_row``): each must be the
text the Jinja macro it replaced wrote, with the page's autoescaping, for every kind of value a
check holds (hostile text, samples, numbers, policy consequences, enums)."""

from __future__ import annotations

import random
from typing import Any

from meshguard.report.formats import html, html_rows
from meshguard.results.model import CheckResult, Severity, Status

#: the macro the rows were rendered by (rows.html.j2 before they were written in Python)
MACRO = """{% macro check_row(c) -%}
<tr><td data-label="Status">{{ badge(c.status) }}{% if c.severity != 'error' %} <span class="muted">{{ c.severity }}</span>{% endif %}</td><td data-label="Check"><code>{{ c.id|wrap }}</code><br>{{ c.title or c.name }}{% if c.field %} <span class="muted">({{ c.field|wrap }})</span>{% endif %}{% if c.regulation %}<br><span class="muted">{{ c.regulation }}</span>{% endif %}{% if c.details.get('policy') %}<br><span class="consequence">{{ badge('fail' if c.details.get('policy').severity == 'error' else 'warn') }} blocks publication: <code class="nowrap">{{ c.details.get('policy').rule_id }}</code> {{ c.details.get('policy').title or '' }}</span>{% endif %}</td><td data-label="Stage">{{ c.stage }}</td><td data-label="Measured">{{ '' if c.measured is none else c.measured }}{% if c.threshold %} <span class="muted">(threshold {{ c.threshold }})</span>{% endif %}</td><td data-label="Failing rows" class="num">{% if c.failing_rows is not none %}{{ c.failing_rows }}{% if c.failing_fraction is not none %} ({{ '%.2f' % (c.failing_fraction * 100) }}%){% endif %}{% endif %}</td><td data-label="Message" class="msg">{{ c.message }}{% if c.remediation and c.status not in ('passed', 'waived', 'not_applicable', 'info') %}<br><span class="muted">Remediation: {{ c.remediation|codespans }}</span>{% endif %}
{% if c.samples %}<details><summary>{{ c.samples|length }} failing sample{{ 's' if c.samples|length != 1 }} (guarded values masked)</summary>
<div class="scroll"><table class="samples"><thead><tr>{% for k in c.samples[0].keys() %}<th scope="col">{{ k }}</th>{% endfor %}</tr></thead><tbody>{% for row in c.samples %}<tr>{% for k in c.samples[0].keys() %}<td>{{ row.get(k) }}</td>{% endfor %}</tr>{% endfor %}</tbody></table></div></details>{% endif %}</td></tr>
{%- endmacro %}
"""

HOSTILE = ("<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "it's & <b>", "a.b_c-d/e@f")
CHOICES: dict[str, tuple[Any, ...]] = {
    "status": (*Status, "passed", "failed", "warned"),
    "severity": (*Severity, "error", "warning", "info"),
    "id": ("QUA-001", "schema.orders.amount.minimum", *HOSTILE),
    "name": ("amount minimum", *HOSTILE),
    "title": (None, "", "Amount is positive", *HOSTILE),
    "field": (None, "", "orders.amount", *HOSTILE),
    "regulation": (None, "", "GDPR", *HOSTILE),
    "stage": ("quality", "schema", "policy", *HOSTILE),
    "measured": (None, 0, 1, 1.5, -0.0004, True, "x<y", [1, "<a>"], {"a": "&"}, 10**20),
    "threshold": (None, "", "> 5", *HOSTILE),
    "failing_rows": (None, 0, 7),
    "failing_fraction": (None, 0.0, 0.123456, 1.0),
    "message": ("", "2 rows below the minimum", *HOSTILE),
    "remediation": (None, "", "Fix `amount` <now>", "use `a` and `b<c>`"),
}
SAMPLES: tuple[tuple[dict[str, Any], ...], ...] = (
    (),
    ({"email": "***", "n": 1, "x": None},),
    ({"email": "***", "n": 1, "x": None}, {"email": "<a>", "n": 2.5, "x": "&"}, {"email": "'q'", "n": -1}),
)
POLICIES: tuple[Any, ...] = (
    None,
    {},
    {"rule_id": "GDPR-003", "title": "Retention <declared>", "severity": "error", "regulation": "GDPR"},
    {"rule_id": "<r>", "title": None, "severity": "warning"},
    {"rule_id": "R-1", "title": "", "severity": Severity.ERROR},
)


def _checks(seed: int, count: int) -> list[CheckResult]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        kw = {name: rng.choice(values) for name, values in CHOICES.items()}
        policy = rng.choice(POLICIES)
        details: dict[str, Any] = {"article": "Art. 5"} if policy is None else {"policy": policy}
        out.append(CheckResult(**kw, samples=rng.choice(SAMPLES), details=details))
    return out


def test_each_row_is_the_text_the_macro_wrote() -> None:
    macro = html._assets()[0].from_string(MACRO).module.check_row
    checks = _checks(7, 3000)
    assert any(c.samples for c in checks) and any(c.details.get("policy") for c in checks)
    for c in checks:
        assert html_rows.render_row(c) == str(macro(c)), c


def test_a_cached_row_is_the_row_of_the_check_asking() -> None:
    """The row cache serves a row only to a check whose row prints the same: values that compare
    equal but print differently (-0.0 and 0.0, Decimal 1.0 and 1.00) get rows of their own."""
    from dataclasses import replace
    from decimal import Decimal

    html_rows._ROWS.clear()
    base = CheckResult(id="s.t.x.range", name="range", stage="quality", status="failed", failing_rows=1)
    twins = [
        replace(base, measured=0.0),
        replace(base, measured=-0.0),
        replace(base, measured=Decimal("1.0")),
        replace(base, measured=Decimal("1.00")),
        replace(base, failing_fraction=0.0),
        replace(base, failing_fraction=-0.0),
    ]
    for c in [*twins, *_checks(11, 500), *twins]:
        assert html_rows.check_row(c) == html_rows.render_row(c), c
