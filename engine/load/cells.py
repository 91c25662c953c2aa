"""Cells of an input table read as values: list cells, dates, integers and booleans (shared
by validation and the loader)."""

from __future__ import annotations

import pandas as pd

from engine.domain.contract import LIST_SEPARATOR

TRUE_WORDS = ("true", "1", "yes")


FALSE_WORDS = ("false", "0", "no")


DATE_PATTERN = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"


def split_list(cells: pd.Series) -> pd.Series:
    """The non-empty elements of ``;``-joined cells, one per line, indexed by their row."""
    elements = cells.astype(str).str.split(LIST_SEPARATOR).explode().astype(str).str.strip()
    return elements[elements != ""]


def parse_dates(cells: pd.Series) -> pd.Series:
    """ISO 8601 dates at midnight, ``datetime64[ns]``; NaT where a cell is not a date.

    A time of day without a time zone is accepted (and dropped), as Parquet timestamps
    are written that way.
    """
    text = cells.astype(str).str.strip()
    text = text.where(text.str.fullmatch(DATE_PATTERN), "")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return parsed.dt.normalize().astype("datetime64[ns]")


def parse_int(cells: pd.Series) -> pd.Series:
    """Integers (nullable ``Int64``); NA where a cell is not an integer of int64 size."""
    text = cells.astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?\d{1,18}")), errors="coerce")
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
