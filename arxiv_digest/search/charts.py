"""Charts as self-contained SVG strings (pure): no script, no stylesheet link, no font download, every label
escaped, so a page can inline them as they are and they render with no network."""

from __future__ import annotations

import html
from collections.abc import Sequence

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
_FONT = 'font-family="sans-serif" font-size="11"'


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _open(width: int, height: int, title: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
            f"<title>{_e(title)}</title>",
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
            f'<text x="{width / 2:.1f}" y="16" text-anchor="middle" {_FONT} font-weight="bold">{_e(title)}</text>']


def _ceiling(values: Sequence[float]) -> float:
    top = max([0.0, *values])
    return top if top > 0 else 1.0


def svg_bar_chart(bars: Sequence[tuple[str, float]], *, title: str, horizontal: bool = False,
                  width: int = 640, height: int | None = None) -> str:
    """Bars with their labels: vertical (e.g. papers per day; every label as a tooltip, some on the axis) or
    horizontal (e.g. phrases and their counts, each label beside its bar)."""
    values = [float(v) for _, v in bars]
    top = _ceiling(values)
    if horizontal:
        row = 18
        height = height or 34 + row * max(1, len(bars)) + 10
        label_width = min(260, max(60, 7 * max((len(label) for label, _ in bars), default=0)))
        span = width - label_width - 60
        parts = _open(width, height, title)
        for i, (label, value) in enumerate(bars):
            y = 30 + i * row
            length = span * float(value) / top
            shown = label if len(label) <= 40 else label[:39] + "…"
            parts.append(f'<text x="{label_width - 4}" y="{y + 12}" text-anchor="end" {_FONT}>{_e(shown)}</text>')
            parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row - 5}" '
                         f'fill="{PALETTE[0]}"><title>{_e(label)}: {_number(float(value))}</title></rect>')
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 12}" {_FONT}>'
                         f'{_number(float(value))}</text>')
        parts.append("</svg>")
        return "".join(parts)
    height = height or 220
    left, right, top_margin, bottom = 40, 10, 28, 40
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    parts = _open(width, height, title)
    parts += _y_axis(left, top_margin, plot_w, plot_h, top)
    slot = plot_w / max(1, len(bars))
    every = max(1, round(len(bars) / 8))
    for i, (label, value) in enumerate(bars):
        h = plot_h * float(value) / top
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{top_margin + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
                     f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{_e(label)}: {_number(float(value))}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top_margin + plot_h + 14}" text-anchor="middle" '
                         f'{_FONT}>{_e(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_line_chart(series: Sequence[tuple[str, Sequence[float]]], x_labels: Sequence[str], *, title: str,
                   width: int = 640, height: int = 240) -> str:
    """One line per named series over the same x positions (e.g. a phrase's papers per week), with a legend."""
    values = [float(v) for _, points in series for v in points]
    top = _ceiling(values)
    left, right, top_margin = 40, 10, 28
    legend_rows = (len(series) + 2) // 3
    bottom = 34 + 14 * legend_rows
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    parts = _open(width, height, title)
    parts += _y_axis(left, top_margin, plot_w, plot_h, top)
    count = max(1, len(x_labels) - 1)
    every = max(1, round(len(x_labels) / 8))
    for i, label in enumerate(x_labels):
        if i % every == 0:
            x = left + plot_w * i / count
            parts.append(f'<text x="{x:.1f}" y="{top_margin + plot_h + 14}" text-anchor="middle" {_FONT}>'
                         f"{_e(label)}</text>")
    for n, (name, points) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        coords = [(left + plot_w * i / count, top_margin + plot_h - plot_h * float(v) / top)
                  for i, v in enumerate(points)]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2">'
                         f"<title>{_e(name)}</title></polyline>")
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"><title>{_e(name)}, '
                      f"{_e(x_labels[i] if i < len(x_labels) else i)}: {_number(float(points[i]))}</title></circle>"
                      for i, (x, y) in enumerate(coords)]
        lx = left + (n % 3) * (plot_w / 3)
        ly = top_margin + plot_h + 30 + 14 * (n // 3)
        shown = name if len(name) <= 36 else name[:35] + "…"
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 8}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly + 1}" {_FONT}>{_e(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _y_axis(left: int, top: int, plot_w: float, plot_h: float, ceiling: float) -> list[str]:
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>']
    for step in range(5):
        value = ceiling * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {_FONT}>'
                     f"{_number(round(value, 2))}</text>")
        if step:
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>')
    return parts
