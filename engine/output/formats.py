"""Numbers as a partnership reads them: percentages, exchanges, euros and dates, with a dash
for what is not known (never ``NaN``, ``None`` or ``<NA>``)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

NOTHING = "—"


def missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def percent(share: Any, digits: int = 0) -> str:
    """0.5242 -> '52%'."""
    return NOTHING if missing(share) else f"{100 * float(share):.{digits}f}%"


def number(value: Any, digits: int = 1) -> str:
    """12 -> '12', 12.25 -> '12.3', 1234 -> '1,234' (whole numbers without decimals)."""
    if missing(value):
        return NOTHING
    value = float(value)
    if math.isclose(value, round(value), abs_tol=10 ** -(digits + 1)):
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def signed(value: Any, digits: int = 1, unit: str = "") -> str:
    """A difference: '+3', '−2.5', '±0' (a true minus sign)."""
    if missing(value):
        return NOTHING
    value = float(value)
    if math.isclose(value, 0.0, abs_tol=10 ** -(digits + 1)):
        return f"±0{unit}"
    text = number(abs(value), digits)
    return f"{'+' if value > 0 else '−'}{text}{unit}"


def euros(value: Any) -> str:
    """12400.0 -> '€12,400'."""
    return NOTHING if missing(value) else f"€{float(value):,.0f}"


def day(value: Any) -> str:
    """A date as '18 Jan 2027'."""
    if missing(value):
        return NOTHING
    if isinstance(value, str):
        value = pd.Timestamp(value)
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    assert isinstance(value, date)
    return f"{value.day} {value:%b %Y}"


def spread(mean: Any, low: Any, high: Any, digits: int = 1, as_percent: bool = False) -> str:
    """A mean over seeds with its range: '63 (62–64)'; just the mean when they agree."""
    show = (lambda v: percent(v)) if as_percent else (lambda v: number(v, digits))
    if missing(mean):
        return NOTHING
    if missing(low) or missing(high) or show(low) == show(high):
        return show(mean)
    return f"{show(mean)} ({show(low)}–{show(high)})"
