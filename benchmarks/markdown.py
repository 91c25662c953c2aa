"""The benchmarks' Markdown tables: one row per measured run, numbers as a reader takes them
(integers with thousands separators, shares such as gaps as percentages)."""

from __future__ import annotations

from typing import Any


def print_table(
    rows: list[dict[str, Any]], columns: list[str] | None = None, shares: tuple[str, ...] = ()
) -> None:
    """``rows`` as a Markdown table over ``columns`` (every key, in order, when None); the
    ``shares`` columns (fractions, e.g. a gap) as percentages."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(cell(row.get(c), c in shares) for c in columns) + " |")


def cell(value: Any, share: bool = False) -> str:
    """A table cell: a share as a percentage, large numbers with thousands separators."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if share:
            return f"{100 * value:.3f}%"
        return f"{value:,.1f}" if abs(value) >= 1_000 else f"{value:g}"
    return "" if value is None else f"{value:,}" if isinstance(value, int) else str(value)
