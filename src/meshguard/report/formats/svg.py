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


def hbars(rows: Sequence[tuple[str, float | None]], title: str, width: int = 420) -> Markup:
    """Horizontal bars 0–100 with the value written beside each (readable without colour)."""
    label_w, row_h = 110, 24
    bar_w = width - label_w - 100
    height = row_h * len(rows) + 8
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        w = 0.0 if value is None else bar_w * max(0.0, min(100.0, value)) / 100
        text = "not assessed" if value is None else f"{value:.1f}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="14" fill="#f6f8fa" stroke="{GRID}"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="14" fill="{score_colour(value)}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 16}" font-size="12" fill="{INK}">{text}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: Sequence[tuple[str, float | None]], title: str, width: int = 640, height: int = 180
) -> Markup:
    """Score over runs (0–100), oldest first; labels are the run dates."""
    left, right, top, bottom = 36, 12, 12, 28
    pw, ph = width - left - right, height - top - bottom
    values = [(label, v) for label, v in points if v is not None]
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for tick in (0, 50, 80, 100):
        y = top + ph * (1 - tick / 100)
        dash = ' stroke-dasharray="4 3"' if tick == 80 else ""
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"{dash}/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{tick}</text>'
        )
    n = len(values)
    coords = []
    for i, (_, v) in enumerate(values):
        x = left + (pw * i / (n - 1) if n > 1 else pw / 2)
        y = top + ph * (1 - max(0.0, min(100.0, float(v or 0))) / 100)
        coords.append((x, y))
    if n > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
    for (x, y), (label, v) in zip(coords, values, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{ACCENT}"><title>{escape(label)}: {v:.1f}</title></circle>'
        )
    if values:
        parts.append(
            f'<text x="{left}" y="{height - 8}" font-size="11" fill="{INK}">{escape(values[0][0])}</text>'
            f'<text x="{width - right}" y="{height - 8}" text-anchor="end" font-size="11" fill="{INK}">'
            f"{escape(values[-1][0])}</text>"
        )
    parts.append("</svg>")
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
