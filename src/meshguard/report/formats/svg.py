"""Small inline SVG charts, drawn on the server (the scorecards carry no script to draw them).

Every label goes through :func:`html.escape`; numbers are formatted by us.
Colours are SVG attributes (not inline styles) so the page's CSP allows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

VERDICT_COLOUR = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#8250df"}
GRID = "#d0d7de"
INK = "#24292f"
ACCENT = "#0969da"


def score_colour(score: float | None) -> str:
    if score is None:
        return GRID
    if score >= 80:
        return VERDICT_COLOUR["pass"]
    if score >= 50:
        return VERDICT_COLOUR["warn"]
    return VERDICT_COLOUR["fail"]


def hbars(
    rows: Sequence[tuple[str, float | None]],
    title: str,
    width: int = 420,
    colours: Sequence[str] | None = None,
    suffix: str = "",
) -> Markup:
    """Horizontal bars 0–100 with the value written beside each (readable without colour);
    ``colours`` (one per row, e.g. by verdict) else coloured by value."""
    label_w, row_h = 140, 24
    bar_w = width - label_w - 100
    height = row_h * len(rows) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        w = 0.0 if value is None else bar_w * max(0.0, min(100.0, value)) / 100
        text = "n/a" if value is None else f"{value:.1f}{suffix}"
        fill = colours[i] if colours else score_colour(value)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="14" fill="#f6f8fa" stroke="{GRID}"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14" fill="{fill}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 16}" font-size="12" fill="{INK}">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def nice_range(values: Sequence[float], threshold: float | None = None) -> tuple[float, float, float]:
    """An axis that shows change: (low, high, tick step) around the values (and the pass line
    when it is near), never wider than 0–100."""
    lo, hi = min(values), max(values)
    if threshold is not None and lo - 15 <= threshold <= hi + 15:
        lo, hi = min(lo, threshold), max(hi, threshold)
    span = max(hi - lo, 4.0)
    step = next(s for s in (1.0, 2.0, 5.0, 10.0, 20.0, 25.0) if span / s <= 6)
    low = max(0.0, (lo // step) * step - (step if lo % step == 0 and lo > 0 else 0))
    high = min(100.0, -(-hi // step) * step + (step if hi % step == 0 and hi < 100 else 0))
    return low, max(high, low + step), step


def trend_chart(
    points: Sequence[tuple[str, float | None, str]],
    title: str,
    threshold: float | None = None,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Score over runs, oldest first: an auto-scaled axis, each point coloured by its verdict and
    labelled with its value, the pass line dashed. ``points``: (label, score, verdict)."""
    left, right, top, bottom = 40, 16, 20, 30
    pw, ph = width - left - right, height - top - bottom
    values = [(label, v, verdict) for label, v, verdict in points if v is not None]
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if not values:
        parts.append(
            f'<text x="{left}" y="{top + 20}" font-size="12" fill="{INK}">no score recorded</text></svg>'
        )
        return Markup("".join(parts))
    low, high, step = nice_range([float(v) for _, v, _ in values], threshold)

    def y_of(v: float) -> float:
        return top + ph * (1 - (min(high, max(low, v)) - low) / (high - low))

    tick = low
    while tick <= high + 1e-9:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#eaeef2"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{tick:g}</text>'
        )
        tick += step
    if threshold is not None and low <= threshold <= high:
        y = y_of(threshold)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{INK}" '
            f'stroke-dasharray="5 4"/><text x="{width - right}" y="{y - 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{INK}">pass line {threshold:g}</text>'
        )
    n = len(values)
    inset = 18  # the first and last point clear the axis labels
    coords = [
        (left + inset + ((pw - 2 * inset) * i / (n - 1) if n > 1 else (pw - 2 * inset) / 2), y_of(float(v)))
        for i, (_, v, _) in enumerate(values)
    ]
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    labelled = set(range(n)) if n <= 12 else {0, n - 1}
    for i, ((x, y), (label, v, verdict)) in enumerate(zip(coords, values, strict=True)):
        colour = VERDICT_COLOUR.get(verdict, ACCENT)
        parts.append(
            f'<circle class="pt" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" data-verdict="{escape(verdict)}">'
            f"<title>{escape(label)}: {float(v):.1f} ({escape(verdict or 'n/a')})</title></circle>"
        )
        if i in labelled:
            parts.append(
                f'<text x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle" font-size="11" fill="{INK}">'
                f"{float(v):.1f}</text>"
            )
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="11" fill="{INK}">{escape(values[0][0])}</text>'
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" font-size="11" fill="{INK}">'
        f"{escape(values[-1][0])}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def counts_chart(
    runs: Sequence[tuple[str, dict[str, int]]], title: str, width: int = 640, height: int = 150
) -> Markup:
    """Products per verdict in each run, stacked bars with the pass and fail counts written."""
    left, right, top, bottom = 40, 16, 10, 30
    pw, ph = width - left - right, height - top - bottom
    n = max(1, len(runs))
    most = max([sum(c.values()) for _, c in runs] + [1])
    slot = pw / n
    bar = min(36.0, slot * 0.7)
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, counts) in enumerate(runs):
        x = left + slot * i + (slot - bar) / 2
        y = float(top + ph)
        for verdict in ("pass", "warn", "fail", "error"):
            k = counts.get(verdict, 0)
            if not k:
                continue
            h = ph * k / most
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{VERDICT_COLOUR[verdict]}"><title>{escape(label)}: {k} {verdict}</title></rect>'
            )
        summary = f"{counts.get('pass', 0)}✓ {counts.get('fail', 0) + counts.get('error', 0)}✗"
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - 16}" text-anchor="middle" font-size="10" '
            f'fill="{INK}">{escape(summary)}</text>'
        )
    if runs:
        parts.append(
            f'<text x="{left}" y="{height - 3}" font-size="10" fill="{INK}">{escape(runs[0][0])}</text>'
            f'<text x="{width - right}" y="{height - 3}" text-anchor="end" font-size="10" fill="{INK}">'
            f"{escape(runs[-1][0])}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top + ph}" x2="{width - right}" y2="{top + ph}" stroke="{GRID}"/></svg>'
    )
    return Markup("".join(parts))


def sparkline(values: Sequence[float], title: str, width: int = 120, height: int = 28) -> Markup:
    if not values:
        return Markup("")
    n = len(values)
    coords = [
        (
            2 + (width - 4) * (i / (n - 1) if n > 1 else 0.5),
            2 + (height - 4) * (1 - max(0.0, min(100.0, v)) / 100),
        )
        for i, v in enumerate(values)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    last_x, last_y = coords[-1]
    return Markup(
        f'<svg class="spark" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="1.5"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{score_colour(values[-1])}"/></svg>'
    )


def gauge(score: float | None, verdict: str, size: int = 120) -> Markup:
    """A ring showing the score, the number written in the middle."""
    r = size / 2 - 10
    c = 2 * 3.14159265 * r
    frac = 0.0 if score is None else max(0.0, min(100.0, score)) / 100
    colour = VERDICT_COLOUR.get(verdict, score_colour(score))
    label = "n/a" if score is None else f"{score:.0f}"
    return Markup(
        f'<svg class="gauge" role="img" aria-label="score {label} of 100" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" xmlns="http://www.w3.org/2000/svg"><title>score {label} of 100</title>'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{r:.1f}" fill="none" stroke="#eaeef2" stroke-width="10"/>'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{r:.1f}" fill="none" stroke="{colour}" stroke-width="10" '
        f'stroke-dasharray="{c * frac:.1f} {c:.1f}" transform="rotate(-90 {size / 2} {size / 2})"/>'
        f'<text x="{size / 2}" y="{size / 2 + 9}" text-anchor="middle" font-size="28" font-weight="600" '
        f'fill="{INK}">{label}</text></svg>'
    )
