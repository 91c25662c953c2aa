"""Working days: Monday to Friday less the public holidays of a country.

A stay's working days, the shortest and longest stay, the lump sum's rate under 5 working
days and a group's dates all count with the **host country's** calendar (the visitor works
at the host). Public holidays come from the maintained ``holidays`` package, which knows every
COSME country, Kosovo (``XK``) included; ``policy.public_holidays = false`` counts Monday to
Friday only.

Days are numbered from :data:`EPOCH` (a Monday). :class:`WorkCalendar` holds, per country,
the cumulative count of working days over a window of days, so that "working days between
two days" and "the n-th working day after a day" are array lookups over whole blocks of
pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from importlib import metadata

import holidays
import numpy as np

EPOCH = np.datetime64("2000-01-03", "D")  # a Monday: day numbers count from here
WEEKMASK = "1111100"


def library_version() -> str:
    """The ``holidays`` package version (runs record it in their manifest)."""
    return metadata.version("holidays")


@cache
def public_holidays(country: str, years: tuple[int, ...]) -> np.ndarray:
    """Sorted ``datetime64[D]`` public holidays of a country (ISO alpha-2) in ``years``."""
    table = holidays.country_holidays(country, years=list(years))
    return np.array(sorted(table.keys()), dtype="datetime64[D]")


def day_number(days: Iterable[date] | np.ndarray) -> np.ndarray:
    """int64 days since EPOCH of dates (``datetime64`` or ``date``)."""
    values = np.asarray(days, dtype="datetime64[D]")
    return (values - EPOCH).astype(np.int64)


def day_date(numbers: np.ndarray | int) -> np.ndarray:
    """``datetime64[D]`` of day numbers (inverse of :func:`day_number`)."""
    return EPOCH + np.asarray(numbers, dtype=np.int64).astype("timedelta64[D]")


def last_day_of_a_month_from(starts: np.ndarray) -> np.ndarray:
    """The day numbers of the last day a stay starting on ``starts`` (day numbers) may end:
    "up to a maximum of a month" (seeds 000, 001, 004), the day before the same date a month
    later (the next month's last day where it has no such date: 31 January -> 27 February)."""
    days = day_date(starts)
    month = days.astype("datetime64[M]")
    offset = (days - month.astype("datetime64[D]")).astype(np.int64)
    next_month = month + 1
    length = ((next_month + 1).astype("datetime64[D]") - next_month.astype("datetime64[D]")).astype(
        np.int64
    )
    same_date = next_month.astype("datetime64[D]") + np.minimum(offset, length - 1)
    return day_number(same_date) - 1


def working_days(country: str, start: date, end: date, public: bool = True) -> int:
    """Working days from ``start`` to ``end`` inclusive in ``country`` (scalar, direct)."""
    years = tuple(range(start.year, end.year + 1))
    off = public_holidays(country, years) if public else np.zeros(0, "datetime64[D]")
    return int(
        np.busday_count(
            np.datetime64(start, "D"),
            np.datetime64(end, "D") + 1,
            weekmask=WEEKMASK,
            holidays=off,
        )
    )


class WorkCalendar:
    """Per country, the working days over ``[first, last]`` (day numbers), as lookup tables.

    ``index(c, d)`` is the number of working days of country position ``c`` in
    ``[first, d)``: the working days of a stay from day ``a`` up to day ``b`` (exclusive) are
    ``index(c, b) - index(c, a)``, and ``day(c, i)`` is the day of the working day with index
    ``i``. Days outside the window are clipped to it (callers build the window to cover
    every date they ask about).
    """

    def __init__(
        self, countries: Sequence[str], first: int, last: int, public: bool = True
    ) -> None:
        self.countries = tuple(countries)
        self.position = {country: i for i, country in enumerate(self.countries)}
        self.first = int(first)
        self.last = int(last)
        self.public = public
        span = self.last - self.first + 1
        days = day_date(np.arange(self.first, self.last + 1))
        first_year, last_year = (
            int(y) + 1970
            for y in day_date(np.array([first, last])).astype("M8[Y]").astype(np.int64)
        )
        years = tuple(range(first_year, last_year + 1))
        table = np.zeros((len(self.countries), span + 1), dtype=np.int32)
        working: list[np.ndarray] = []
        for row, country in enumerate(self.countries):
            off = public_holidays(country, years) if public else np.zeros(0, "datetime64[D]")
            is_working = np.is_busday(days, weekmask=WEEKMASK, holidays=off)
            table[row, 1:] = np.cumsum(is_working)
            working.append(np.flatnonzero(is_working) + self.first)
        self.table = table
        self._working = working

    @classmethod
    def covering(
        cls, countries: Iterable[str], days: np.ndarray, public: bool = True, margin: int = 400
    ) -> WorkCalendar:
        """A calendar of ``countries`` over every day in ``days`` (day numbers), with a margin
        of ``margin`` days each side for stays that end after the last day named."""
        values = np.asarray(days, dtype=np.int64)
        low = int(values.min()) if values.size else 0
        high = int(values.max()) if values.size else 0
        return cls(sorted(set(countries)), low - margin, high + margin, public)

    def index(self, country: np.ndarray | int, day: np.ndarray | int) -> np.ndarray:
        """Working days of ``country`` (position) in ``[first, day)``; broadcasts."""
        offset = np.clip(np.asarray(day, dtype=np.int64) - self.first, 0, self.table.shape[1] - 1)
        return self.table[np.asarray(country, dtype=np.intp), offset]

    def count(
        self, country: np.ndarray | int, start: np.ndarray | int, end_excl: np.ndarray | int
    ) -> np.ndarray:
        """Working days of ``country`` in ``[start, end_excl)`` (0 when empty); broadcasts."""
        return np.maximum(self.index(country, end_excl) - self.index(country, start), 0)

    def day(self, country: int, index: np.ndarray | int) -> np.ndarray:
        """The day number of the working day with ``index`` in ``country``'s calendar."""
        working = self._working[int(country)]
        return working[np.clip(np.asarray(index, dtype=np.int64), 0, len(working) - 1)]
