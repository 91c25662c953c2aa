"""Checks across the rows of a table that a cell alone cannot fail: ids that differ only in
case, a history that says two things of one pair, a campaign without profiles.

Every check returns :class:`~engine.domain.problems.Problem` rows with file, 1-based data
row, column and value, like :mod:`engine.load.validation`.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from engine.domain.cells import look_alike
from engine.domain.contract import BLOCKING_OUTCOMES, POSITIVE_OUTCOMES
from engine.domain.problems import Problem
from engine.load.cells import campaign_day


def case_problems(raw: pd.DataFrame, file: str, column: str, what: str) -> list[Problem]:
    """Rows whose ``column`` differs from another row's only in case or in what nobody sees
    (``look_alike``: invisible characters, Unicode forms): ``V1`` and ``v1``, or ``V1`` and
    ``V1`` with a zero-width space, would be two profiles, or two organisations, to a program
    and one to a person. Exact duplicates are not reported here."""
    if column not in raw.columns:
        return []
    cells = [(row, str(value)) for row, value in enumerate(raw[column], start=1) if value != ""]
    spellings: dict[str, Counter[str]] = {}
    first_row: dict[str, int] = {}
    for row, value in cells:
        spellings.setdefault(look_alike(value), Counter())[value] += 1
        first_row.setdefault(value, row)
    problems = []
    for row, value in cells:
        counts = spellings[look_alike(value)]
        if len(counts) < 2:
            continue
        usual = max(counts, key=lambda spelling: (counts[spelling], -first_row[spelling]))
        if value != usual:
            message = (
                f"differs only in case{_unseen(value, usual)} from {what} '{usual}' (row "
                f"{first_row[usual]}); {what}s are compared without case: write one spelling"
            )
            problems.append(Problem(file, row, column, value, message))
    return problems


def _unseen(value: str, usual: str) -> str:
    """What else tells ``value`` from ``usual`` where not case alone (words for a message)."""
    return "" if value.casefold() == usual.casefold() else " or in characters that look alike"


def contradictory_history(raw: pd.DataFrame, file: str) -> list[Problem]:
    """Rows that contradict an earlier row of the same exchange, a pair and its mode: it is
    accepted or completed, or refused (rejected, cancelled), never both. A pair's virtual
    exchange and its physical one are two exchanges (seed 000: a virtual exchange does not
    prevent a physical one), each with its own outcome. An accepted exchange cancelled on the
    same day or later is no contradiction: it is how an exchange is cancelled (an export of
    the IT tool holds both rows; :func:`without_cancelled_exchanges` keeps the cancellation)."""
    if not {"visitor_id", "host_id", "outcome"} <= set(raw.columns):
        return []
    positive = set(POSITIVE_OUTCOMES)
    negative = set(BLOCKING_OUTCOMES)
    modes = raw["mode"] if "mode" in raw.columns else pd.Series("", index=raw.index)
    days = raw["decided_on"] if "decided_on" in raw.columns else pd.Series("", index=raw.index)
    first: dict[tuple[str, str, str], tuple[int, str, str]] = {}
    problems = []
    for index, (visitor, host, outcome, mode, day) in enumerate(
        zip(raw["visitor_id"], raw["host_id"], raw["outcome"], modes, days, strict=True)
    ):
        if outcome not in positive | negative or "" in (visitor, host):
            continue  # an unknown outcome or empty id is reported with its cell
        exchange = (str(visitor), str(host), str(mode).strip().casefold())
        if exchange not in first:
            first[exchange] = (index + 1, outcome, str(day))
            continue
        row, earlier, earlier_day = first[exchange]
        if _cancels(earlier, earlier_day, str(outcome), str(day)):
            first[exchange] = (index + 1, outcome, str(day))  # the exchange was cancelled
            continue
        if (outcome in positive) != (earlier in positive):
            what = f" ({exchange[2]})" if exchange[2] else ""
            message = (
                f"contradicts row {row} ({earlier}) for the pair {visitor} -> {host}{what}: an "
                "exchange is accepted or completed, or refused (rejected, cancelled), not both; "
                "keep the row that holds"
            )
            problems.append(Problem(file, index + 1, "outcome", str(outcome), message))
    return problems


def _cancels(earlier: str, earlier_day: str, outcome: str, day: str) -> bool:
    """A cancellation of an accepted exchange, on its day of acceptance or later."""
    if earlier != "accepted" or outcome != "cancelled":
        return False
    accepted_on, cancelled_on = campaign_day(earlier_day), campaign_day(day)
    return accepted_on is not None and cancelled_on is not None and accepted_on <= cancelled_on


def without_cancelled_exchanges(history: pd.DataFrame) -> pd.DataFrame:
    """The history without its accepted rows that a cancellation of the same pair and mode,
    on the same day or later, took back: the exchange holds no place, uses no visit and
    counts in no KPI; the cancelled row blocks the pair as any cancellation does."""
    keys = ["visitor_id", "host_id", "mode"]
    cancels = history.loc[history["outcome"] == "cancelled", [*keys, "decided_on"]]
    if cancels.empty:
        return history
    accepted = history[history["outcome"] == "accepted"].reset_index()
    pairs = accepted.merge(cancels, on=keys, suffixes=("", "_cancelled"))
    gone = pairs.loc[pairs["decided_on_cancelled"] >= pairs["decided_on"], "index"]
    return history.drop(index=list(gone.unique())).reset_index(drop=True)


def no_profiles(raw: pd.DataFrame, file: str) -> list[Problem]:
    """A profiles table without a row: nothing to match."""
    if len(raw):
        return []
    return [Problem(file, None, None, None, "has no profile rows: a campaign needs profiles")]
