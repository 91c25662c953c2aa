"""Decisions dated after the night: a night reads the history as what is known on its date, so
a decision dated later (a campaign exported after the night it is run as of, a mistyped
year) is read as known: said so, once, in the terminal and the manifest (the outputs audit:
the demo's history holds 71 decisions after its night, 28 of them acceptances, counted in
its KPIs and its hosts' places without a word)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from engine.domain.contract import Campaign
from engine.domain.counts import counted


def with_later_decisions_said(
    campaign: Campaign, as_of: date, own_history: pd.DataFrame | None = None
) -> Campaign:
    """The campaign with a warning where its history holds decisions dated after ``as_of``;
    ``own_history`` is the history file's (the campaign's history may hold the decision log's
    exchanges after it: the warning says which file holds them, so the Support Office looks
    in the right one)."""
    history = campaign.history
    if history.empty or "decided_on" not in history:
        return campaign
    decided = pd.to_datetime(history["decided_on"], errors="coerce")
    later = decided > pd.Timestamp(as_of)
    if not later.any():
        return campaign
    outcomes = history.loc[later, "outcome"].value_counts()
    outcomes_said = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items())
    n = int(later.sum())
    in_file = n if own_history is None else _later(own_history, as_of)
    holders = []
    if in_file:
        holders.append(f"the history holds {counted(in_file, 'decision')}")
    if n - in_file:
        logged = n - in_file
        holders.append(f"the decision log holds {counted(logged, 'answer')}")
    warning = (
        f"{' and '.join(holders)} dated after the night {as_of} "
        f"({outcomes_said}; the latest {decided[later].max().date()}): they are read as known "
        "tonight (their exchanges count and take their hosts' places)"
    )
    return campaign.replace(warnings=(*campaign.warnings, warning))


def _later(history: pd.DataFrame, as_of: date) -> int:
    if history.empty or "decided_on" not in history:
        return 0
    decided = pd.to_datetime(history["decided_on"], errors="coerce")
    return int((decided > pd.Timestamp(as_of)).sum())
