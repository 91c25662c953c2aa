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


MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# a campaign file's date cell: ISO, ISO at midnight (as Excel and pandas write a date), the
# IT tool's day first ("10/08/2021", "15.01.2021": seeds 000 and 002; never month first) and
# its words ("August 10th, 2021", "18th of November 2020", "11th December 2020")
_MIDNIGHT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]00:00(?::00(?:\.0+)?)?")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})")
_ORDINAL = r"([0-9]{1,2})(?:st|nd|rd|th)?"
_WORDS_DAY_FIRST = re.compile(_ORDINAL + r"(?: of)? ([a-z]+)\.?,? ([0-9]{4})")
_WORDS_MONTH_FIRST = re.compile(r"([a-z]+)\.? " + _ORDINAL + r",? ([0-9]{4})")
DATE_WORDS = "YYYY-MM-DD, DD/MM/YYYY or 'August 10th, 2021'"


def campaign_day(text: str) -> date | None:
    """A campaign file's calendar day as the IT tool writes it (``YYYY-MM-DD``, the same at
    midnight, ``DD/MM/YYYY`` or ``DD.MM.YYYY`` day first, or in words), or None (any other
    format, a time of day, or no such day)."""
    text = " ".join(text.split())
    midnight = _MIDNIGHT.fullmatch(text)
    day = iso_day(midnight.group(1) if midnight else text)
    if day is not None:
        return day
    parts: tuple[int, int, int] | None = None
    if match := _DAY_FIRST.fullmatch(text):
        parts = (int(match.group(3)), int(match.group(2)), int(match.group(1)))
    elif match := _WORDS_DAY_FIRST.fullmatch(text.lower()):
        month = MONTHS.get(match.group(2))
        parts = None if month is None else (int(match.group(3)), month, int(match.group(1)))
    elif match := _WORDS_MONTH_FIRST.fullmatch(text.lower()):
        month = MONTHS.get(match.group(1))
        parts = None if month is None else (int(match.group(3)), month, int(match.group(2)))
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def parse_days(cells: pd.Series) -> pd.Series:
    """Each cell as a ``datetime.date`` (object dtype), None where it is not a calendar day
    (``campaign_day``). Any year 0001..9999 is read, so that a range check can name it."""
    days = {cell: campaign_day(cell) for cell in pd.unique(cells.astype(str))}
    return cells.astype(str).map(days).astype(object)


def parse_dates(cells: pd.Series) -> pd.Series:
    """Dates (``campaign_day``) as ``datetime64[ns]`` (midnight); NaT where a cell is not a date
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
