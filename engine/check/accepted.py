"""The exchanges accepted before tonight, as the checker sees them: the history's accepted
and completed rows (less those a cancelled row of the same pair and mode undoes) and the
decision log's locked exchanges, one per pair and mode (the log's dates win), with their
dates and mode. Read independently of the engine's carry-over code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from engine.check.violations import day_of
from engine.domain.contract import POSITIVE_OUTCOMES, Campaign


@dataclass(frozen=True)
class Accepted:
    visitor_id: str
    host_id: str
    mode: str
    start: pd.Timestamp | None  # None: the history gives no dates
    end: pd.Timestamp | None
    decided_on: pd.Timestamp | None
    locked: bool  # from the decision log (accepted by reviewers on an earlier night)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.visitor_id, self.host_id)

    def in_generation(self, generation_start: date | None) -> bool:
        """The exchange counts in the programme generation: it starts (or, undated, was
        decided) on or after ``generation_start``."""
        if generation_start is None:
            return True
        day = self.start if self.start is not None else self.decided_on
        return day is None or day.date() >= generation_start


def accepted_exchanges(campaign: Campaign, locked: pd.DataFrame | None) -> list[Accepted]:
    """One entry per accepted exchange, a pair and its mode (a virtual exchange and a later
    physical one of a pair are two): the log's locked exchanges first, then history rows."""
    found: dict[tuple[str, str, str], Accepted] = {}
    for row, is_locked in _rows(campaign, locked):
        key = (str(row["visitor_id"]), str(row["host_id"]), str(row.get("mode", "physical")))
        if key in found:
            continue
        found[key] = Accepted(
            visitor_id=key[0],
            host_id=key[1],
            mode=key[2],
            start=day_of(row.get("start")),
            end=day_of(row.get("end")),
            decided_on=day_of(row.get("decided_on")),
            locked=is_locked,
        )
    return list(found.values())


def _rows(campaign: Campaign, locked: pd.DataFrame | None) -> list[tuple[dict[Any, Any], bool]]:
    rows: list[tuple[dict[Any, Any], bool]] = []
    if locked is not None:
        rows += [(row, True) for row in locked.to_dict("records")]
    history = campaign.history
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES)]
    undone = history[history["outcome"] == "cancelled"]
    cancelled = set(zip(undone["visitor_id"], undone["host_id"], undone["mode"], strict=True))
    rows += [
        (row, False)
        for row in positive.to_dict("records")
        if (row["visitor_id"], row["host_id"], row["mode"]) not in cancelled
    ]
    return rows
