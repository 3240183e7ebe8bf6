"""Charts for the console, rendered on the server as inline SVG.

Why SVG from Python rather than a chart library: the numbers are already computed here, the
page needs no script to show them (it prints, works with scripts off and on an old phone), and
each mark carries its number (``data-value``) so tests and screen readers read what is drawn.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

SERIES_COLOURS = {"response": "#1f6feb", "resolve": "#2da44e", "satisfaction": "#d4a72c"}
COLOUR_FILLS = {"green": "#2da44e", "blue": "#1f6feb", "yellow": "#d4a72c", "orange": "#e16f24"}


def _pct(value: float | None) -> str:
    return "" if value is None else str(round(value * 100))


def rates_chart(months: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None]]]) -> Markup:
    """A line chart of rates (0–100 %) by month: ``series`` is (key, label, values)."""
    width, height, left, right, top, bottom = 480, 230, 40, 18, 12, 52
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + i * step if len(months) > 1 else left + plot_w / 2

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    out = [f'<svg class="chart" id="chart-rates" viewBox="0 0 {width} {height}" style="max-width:{width}px" role="img" '
           f'aria-label="响应率、解决率、满意率(按月)">']
    for tick in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" class="tick">{round(tick * 100)}%</text>')
    for i, label in enumerate(months):
        out.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" class="tick">'
                   f'{escape(label[2:])}</text>')
    for n, (key, label, values) in enumerate(series):
        colour = SERIES_COLOURS.get(key, "#555")
        out.append(f'<g class="series" data-series="{escape(key)}" data-label="{escape(label)}">')
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="'
                       + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>')
        for i, v in enumerate(values):
            if v is None:
                out.append(f'<circle class="point empty" data-month="{escape(months[i])}" data-value="" r="0"'
                           f' cx="{x(i):.1f}" cy="{y(0):.1f}"/>')
                continue
            out.append(f'<circle class="point" data-month="{escape(months[i])}" data-value="{_pct(v)}" r="4"'
                       f' cx="{x(i):.1f}" cy="{y(v):.1f}" fill="{colour}"><title>{escape(label)} '
                       f'{escape(months[i])}:{_pct(v)}%</title></circle>')
        lx = left + n * 110
        out.append(f'<rect x="{lx}" y="{height - 22}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{lx + 18}" y="{height - 12}" class="legend">{escape(label)}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int]],
              fills: Sequence[str] | None = None, keys: Sequence[str] | None = None) -> Markup:
    """Horizontal bars, one per (label, value), each with its number at its end."""
    if not rows:
        return Markup(f'<p class="empty" id="{escape(chart_id)}">暂无数据</p>')
    bar_h, gap, left, right = 22, 8, 76, 40
    width = 420
    height = len(rows) * (bar_h + gap) + gap
    top_value = max((v for _, v in rows), default=0) or 1
    out = [f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" style="max-width:{width}px" role="img" '
           f'aria-label="{escape(title)}">']
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = (width - left - right) * value / top_value
        fill = fills[i] if fills else "#1f6feb"
        key = f' data-key="{escape(keys[i])}"' if keys else ""
        out.append(f'<g class="bar" data-label="{escape(label)}" data-value="{value}"{key}>'
                   f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" class="label">{escape(label)}</text>'
                   f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{fill}"/>'
                   f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" class="value">{value}</text></g>')
    out.append("</svg>")
    return Markup("".join(out))


def colour_chart(rows: Sequence[tuple[str, str, int]]) -> Markup:
    """Households by colour: (colour, name, count)."""
    return bar_chart("chart-colours", "四色分布", [(name, n) for _, name, n in rows],
                     fills=[COLOUR_FILLS.get(c, "#888") for c, _, _ in rows], keys=[c for c, _, _ in rows])
