"""Small hand-drawn SVG line charts (a few kilobytes each, so a report can show one per KPI):
lines with an optional band (the spread over seeds) and a horizontal mark (a target, a
minimum, a budget). Every text is escaped; no script, no external reference."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from engine.output.formats import number

PALETTE = ("#2c6fb7", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]  # one per x; NaN leaves a gap
    colour: str = PALETTE[0]
    low: Sequence[float] | None = None  # the band under and over the line (seed spread)
    high: Sequence[float] | None = None
    dashed: bool = False


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(float(value))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    mark: float | None = None,
    mark_label: str = "",
    y_max: float | None = None,
    y_text: Callable[[float], str] = number,
    width: int = 240,
    height: int = 120,
    title: str = "",
) -> str:
    left, right, top, bottom = 34, 16, 10, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [
        float(v) for s in series for v in (*s.values, *(s.high or ()), *(s.low or ())) if _finite(v)
    ]
    peak = y_max if y_max is not None else nice_ceiling(max([*values, mark or 0.0, 1.0]) * 1.05)
    count = max(1, len(x_labels) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / count

    def y(v: float) -> float:
        return top + plot_h * (1 - min(max(float(v), 0.0), peak) / peak)

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" font-family="sans-serif" font-size="9">',
        f"<title>{escape(title)}</title>" if title else "",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#aab4bf" stroke-width="1"/>',
        f'<text x="{left - 4}" y="{top + plot_h + 3}" text-anchor="end" fill="#6b7785">'
        f"{escape(y_text(0.0))}</text>",
        f'<text x="{left - 4}" y="{top + 6}" text-anchor="end" fill="#6b7785">'
        f"{escape(y_text(peak))}</text>",
    ]
    for i in _label_positions(len(x_labels), max(2, plot_w // 40)):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 6}" text-anchor="middle" fill="#6b7785">'
            f"{escape(x_labels[i])}</text>"
        )
    for s in series:
        if s.low is not None and s.high is not None:
            points = [
                (i, float(lo), float(hi))
                for i, (lo, hi) in enumerate(zip(s.low, s.high, strict=True))
                if _finite(lo) and _finite(hi)
            ]
            if len(points) > 1:
                outline = [f"{x(i):.1f},{y(hi):.1f}" for i, _, hi in points]
                outline += [f"{x(i):.1f},{y(lo):.1f}" for i, lo, _ in reversed(points)]
                parts.append(
                    f'<polygon points="{" ".join(outline)}" fill="{s.colour}" '
                    'fill-opacity="0.18" stroke="none"/>'
                )
        for run in _runs(s.values):
            dash = ' stroke-dasharray="4 3"' if s.dashed else ""
            line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(
                f'<polyline points="{line}" fill="none" stroke="{s.colour}" '
                f'stroke-width="1.8"{dash}/>'
            )
            if not s.dashed:
                parts += [
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.2" fill="{s.colour}"/>'
                    for i, v in run
                ]
    if mark is not None and _finite(mark):
        parts.append(
            f'<line x1="{left}" y1="{y(mark):.1f}" x2="{left + plot_w}" y2="{y(mark):.1f}" '
            'stroke="#111" stroke-width="1" stroke-dasharray="2 2"/>'
        )
        parts.append(  # the mark's words above its line, at the right end
            f'<text x="{left + plot_w}" y="{y(mark) - 3:.1f}" text-anchor="end" fill="#111">'
            f"{escape(mark_label or y_text(mark))}</text>"
        )
    parts.append("</svg>")
    return "".join(part for part in parts if part)


def _label_positions(count: int, room: int) -> list[int]:
    """Which x labels fit: every ``step``-th, and the last in place of one too close to it."""
    if count == 0:
        return []
    step = max(1, math.ceil(count / room))
    positions = list(range(0, count, step))
    if positions[-1] != count - 1:
        if count - 1 - positions[-1] < step and len(positions) > 1:
            positions[-1] = count - 1
        else:
            positions.append(count - 1)
    return positions


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value`` (an axis' top)."""
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _runs(values: Sequence[float]) -> list[list[tuple[int, float]]]:
    """The finite stretches of a line (a NaN breaks it)."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        if _finite(value):
            runs[-1].append((i, float(value)))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]
