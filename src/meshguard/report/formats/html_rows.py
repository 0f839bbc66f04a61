"""The row of one check in a product page's checks table.

Written in Python, escaped as Jinja's autoescaping escapes a template's values (every value
through ``markupsafe.escape``, the filters' Markup kept): a product with data has a dozen
checks of its own whose rows (samples, measured values) never repeat, and a Jinja macro call
cost several times the row's text. The policy checks that pass are the same rows on every
page of a mesh: each distinct row is rendered once (:func:`check_row`).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from meshguard.report.formats.html_filters import badge, codespans, wrap
from meshguard.results.model import CheckResult

#: statuses whose row shows no remediation
_SETTLED = ("passed", "waived", "not_applicable", "info")


def _attr(obj: Any, name: str) -> Any:
    """``obj.name`` as a template reads it: the attribute, else the item."""
    try:
        return getattr(obj, name)
    except AttributeError:
        return obj[name]


def _samples(samples: Any) -> str:
    keys = list(samples[0].keys())
    head = "".join(f'<th scope="col">{escape(k)}</th>' for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(row.get(k))}</td>" for k in keys) + "</tr>" for row in samples
    )
    n = len(samples)
    return (
        f"<details><summary>{n} failing sample{'s' if n != 1 else ''} (guarded values masked)</summary>\n"
        f'<div class="scroll"><table class="samples"><thead><tr>{head}</tr></thead><tbody>{body}'
        "</tbody></table></div></details>"
    )


def render_row(c: CheckResult) -> Markup:
    """The row of ``c``, every value escaped."""
    parts = [f'<tr><td data-label="Status">{escape(badge(c.status))}']
    if c.severity != "error":
        parts.append(f' <span class="muted">{escape(c.severity)}</span>')
    parts.append(
        f'</td><td data-label="Check"><code>{escape(wrap(c.id))}</code><br>{escape(c.title or c.name)}'
    )
    if c.field:
        parts.append(f' <span class="muted">({escape(wrap(c.field))})</span>')
    if c.regulation:
        parts.append(f'<br><span class="muted">{escape(c.regulation)}</span>')
    policy = c.details.get("policy")
    if policy:
        state = "fail" if _attr(policy, "severity") == "error" else "warn"
        parts.append(
            f'<br><span class="consequence">{escape(badge(state))} blocks publication: '
            f'<code class="nowrap">{escape(_attr(policy, "rule_id"))}</code> {escape(_attr(policy, "title") or "")}</span>'
        )
    parts.append(f'</td><td data-label="Stage">{escape(c.stage)}</td><td data-label="Measured">')
    parts.append(str(escape("" if c.measured is None else c.measured)))
    if c.threshold:
        parts.append(f' <span class="muted">(threshold {escape(c.threshold)})</span>')
    parts.append('</td><td data-label="Failing rows" class="num">')
    if c.failing_rows is not None:
        parts.append(str(escape(c.failing_rows)))
        if c.failing_fraction is not None:
            parts.append(f" ({escape('%.2f' % (c.failing_fraction * 100))}%)")
    parts.append(f'</td><td data-label="Message" class="msg">{escape(c.message)}')
    if c.remediation and c.status not in _SETTLED:
        parts.append(f'<br><span class="muted">Remediation: {escape(codespans(c.remediation))}</span>')
    parts.append("\n")
    if c.samples:
        parts.append(_samples(c.samples))
    parts.append("</td></tr>")
    return Markup("".join(parts))


def _row_key(c: CheckResult) -> tuple[Any, ...] | None:
    """Everything the row of ``c`` shows, or None when that cannot be a key (samples, values that
    are not hashable): such a row is rendered every time."""
    if c.samples:
        return None
    policy = c.details.get("policy")
    key = (
        c.status,
        c.severity,
        c.id,
        c.title,
        c.name,
        c.field,
        c.regulation,
        c.stage,
        # values that compare equal can print differently (-0.0 and 0.0, Decimal 1.0 and 1.00):
        # the key holds what the row prints from them
        type(c.measured),
        repr(c.measured),
        repr(c.threshold),
        c.failing_rows,
        repr(c.failing_fraction),
        c.message,
        c.remediation,
        None if policy is None else tuple(sorted(policy.items())) if isinstance(policy, dict) else policy,
    )
    try:
        hash(key)
    except TypeError:
        return None
    return key


_ROWS: dict[tuple[Any, ...], Markup] = {}
_ROWS_MAX = 4096


def check_row(c: CheckResult) -> Markup:
    """The row of one check on a product page. The policy checks that pass
    are the same rows on every page of a mesh: each distinct row is rendered once."""
    key = _row_key(c)
    if key is None:
        return render_row(c)
    row = _ROWS.get(key)
    if row is None:
        if len(_ROWS) >= _ROWS_MAX:
            _ROWS.clear()
        row = _ROWS[key] = render_row(c)
    return row
