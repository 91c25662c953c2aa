"""Cells of an input table read as values: list cells, dates, integers and booleans (shared
by validation and the loader)."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from engine.domain.contract import DATE_FORMAT, DATE_LIMITS, LIST_SEPARATOR

TRUE_WORDS = ("true", "1", "yes")


FALSE_WORDS = ("false", "0", "no")


def split_list(cells: pd.Series) -> pd.Series:
    """The non-empty elements of ``;``-joined cells, one per line, indexed by their row."""
    elements = cells.astype(str).str.split(LIST_SEPARATOR).explode().astype(str).str.strip()
    return elements[elements != ""]


def iso_day(text: str) -> date | None:
    """A ``YYYY-MM-DD`` calendar day, or None (any other format, or no such day)."""
    text = text.strip()
    if re.fullmatch(DATE_FORMAT, text) is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_days(cells: pd.Series) -> pd.Series:
    """Each cell as a ``datetime.date`` (object dtype), None where it is not a ``YYYY-MM-DD``
    calendar day. Any year 0001..9999 is read, so that a range check can name it."""
    days = {cell: iso_day(cell) for cell in pd.unique(cells.astype(str))}
    return cells.astype(str).map(days).astype(object)


def parse_dates(cells: pd.Series) -> pd.Series:
    """``YYYY-MM-DD`` dates as ``datetime64[ns]`` (midnight); NaT where a cell is not a date
    or lies outside :data:`~engine.domain.contract.DATE_LIMITS` (validation has refused it)."""
    first, last = DATE_LIMITS
    days = parse_days(cells).map(
        lambda day: day if day is not None and first <= day <= last else None
    )
    stamps = pd.to_datetime(days.map(lambda day: None if day is None else day.isoformat()))
    return pd.Series(stamps, index=cells.index).astype("datetime64[ns]")


def parse_int(cells: pd.Series) -> pd.Series:
    """Integers (nullable ``Int64``); NA where a cell is not an integer of int64 size."""
    text = cells.astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?[0-9]{1,18}")), errors="coerce")
    return numbers.astype("Int64")


def parse_bool(cells: pd.Series) -> pd.Series:
    """true/false/1/0/yes/no in any case as a nullable ``boolean``; NA otherwise."""
    words = cells.astype(str).str.strip().str.lower()
    parsed = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    parsed[words.isin(TRUE_WORDS)] = True
    parsed[words.isin(FALSE_WORDS)] = False
    return parsed


def true_where(mask: pd.Series) -> pd.Series:
    """A boolean mask with NA (a cell that could not be compared) as False."""
    return mask.astype("boolean").fillna(False).astype(bool)
