"""Decisions dated after the night: a night reads the history as what is known on its date, so
a decision dated later (a campaign exported after the night it is run as of, a mistyped
year) is read as known: said so, once, in the terminal and the manifest (the outputs audit:
the demo's history holds 71 decisions after its night, 28 of them acceptances, counted in
its KPIs and its hosts' places without a word)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from engine.domain.contract import Campaign


def with_later_decisions_said(campaign: Campaign, as_of: date) -> Campaign:
    """The campaign with a warning where its history holds decisions dated after ``as_of``."""
    history = campaign.history
    if history.empty or "decided_on" not in history:
        return campaign
    decided = pd.to_datetime(history["decided_on"], errors="coerce")
    later = decided > pd.Timestamp(as_of)
    if not later.any():
        return campaign
    outcomes = history.loc[later, "outcome"].value_counts()
    counted = ", ".join(f"{n} {outcome}" for outcome, n in outcomes.items())
    n = int(later.sum())
    warning = (
        f"the history holds {n} decision{'s' if n != 1 else ''} dated after the night {as_of} "
        f"({counted}; the latest {decided[later].max().date()}): they are read as known "
        "tonight (their exchanges count and take their hosts' places)"
    )
    return campaign.replace(warnings=(*campaign.warnings, warning))
