"""Bar charts as inline SVG, drawn on the server: no script, no style attributes (strict CSP),
only SVG presentation attributes. Every label and value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from markupsafe import Markup, escape

WIDTH: Final = 640
HEIGHT: Final = 220
MARGIN_TOP: Final = 20
MARGIN_BOTTOM: Final = 40
MARGIN_LEFT: Final = 10
BAR_FILL: Final = "#3a6ea5"
TEXT_FILL: Final = "#222222"


def bar_chart(title: str, bars: Sequence[tuple[str, int]], chart_id: str) -> Markup:
    """An SVG bar chart: one ``<rect class="bar">`` per (label, value), with its value above
    it and its label below; the title is the chart's accessible name."""
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = (WIDTH - 2 * MARGIN_LEFT) / max(len(bars), 1)
    bar_width = slot * 0.7
    highest = max((value for _label, value in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(bars):
        height = plot_height * value / highest
        x = MARGIN_LEFT + index * slot + (slot - bar_width) / 2
        y = MARGIN_TOP + plot_height - height
        centre = x + bar_width / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_width:.1f}" '
            f'height="{height:.1f}" fill="{BAR_FILL}" data-value="{value}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT_FILL}">{value}</text>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="{TEXT_FILL}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every interpolated value is escaped above
