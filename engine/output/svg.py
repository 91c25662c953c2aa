"""Small hand-drawn SVG line charts (a few kilobytes each, so a report can show one per KPI):
lines with an optional band (the spread over seeds) and horizontal marks (a target, a
minimum, a budget: one, or one per scenario in its colour). Every text is escaped; no script, no external reference."""

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


@dataclass(frozen=True)
class Mark:
    """A horizontal line across the plot (a target, a minimum, a budget) and its words."""

    value: float
    label: str
    colour: str = "#111"


def _finite(value: float) -> bool:
    return value is not None and math.isfinite(float(value))


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    marks: Sequence[Mark] = (),
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
    lines = [m for m in marks if _finite(m.value)]
    highest = max([*values, *(m.value for m in lines), 1.0])
    peak = y_max if y_max is not None else nice_ceiling(highest * 1.05)
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
    said: list[float] = []  # where the marks' words stand, not to write over each other
    for drawn in sorted(lines, key=lambda m: -m.value):
        at = y(drawn.value)
        parts.append(
            f'<line x1="{left}" y1="{at:.1f}" x2="{left + plot_w}" y2="{at:.1f}" '
            f'stroke="{drawn.colour}" stroke-width="1" stroke-dasharray="2 2"/>'
        )
        words = at - 3  # above its line, at the right end; below it when that is taken
        if any(abs(words - other) < 10 for other in said):
            words = at + 9
        said.append(words)
        parts.append(
            f'<text x="{left + plot_w}" y="{words:.1f}" text-anchor="end" '
            f'fill="{drawn.colour}">{escape(drawn.label)}</text>'
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
