"""What a night inherits (:class:`engine.night.carryover.Carryover`), built from the decision
log and the previous run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.domain.decisions import FINAL_DECISIONS
from engine.night.carryover import (
    AWAITING_COLUMNS,
    DECISION_COLUMNS,
    LOCK_COLUMNS,
    PAIR,
    Carryover,
    empty_table,
)
from engine.output.folders import RunFolder, read_run
from engine.review.log import log_path, night_events, read_log, with_decisions
from engine.review.state import STAYS_PROPOSED, pair_states


def carryover(
    records: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    previous_run_id: str | None = None,
) -> Carryover:
    """The carry-over from the decision log ``records`` and the previous run's proposals:
    exchanges (both sides accepted) are locked; pairs on hold or awaiting the other side's
    answer stay proposed (held); the previous run's unanswered proposals are pending."""
    states = pair_states(records)
    locked = _dated(states[states["status"] == "exchange"], LOCK_COLUMNS)
    staying = states["status"].isin(STAYS_PROPOSED)
    held = states.loc[staying, PAIR].astype(str).reset_index(drop=True)
    awaiting = _dated(states[states["status"] == "awaiting"], AWAITING_COLUMNS)
    decided = set(zip(states["visitor_id"], states["host_id"], strict=True))
    pending = empty_table(PAIR)
    if previous is not None and len(previous):
        pairs = previous[PAIR].astype(str)
        answered = [
            pair in decided for pair in zip(pairs["visitor_id"], pairs["host_id"], strict=True)
        ]
        pending = pairs[~np.asarray(answered, dtype=bool)].reset_index(drop=True)
    # the carry-over's decision word: accepted (an exchange), rejected, cancelled, hold or
    # awaiting; each side's answer and the notes ride along for the next workbook
    decisions = states.assign(decision=states["status"].replace({"exchange": "accepted"}))[
        [*DECISION_COLUMNS, "visitor", "host", "note"]
    ].reset_index(drop=True)
    return Carryover(locked, held, pending, decisions, previous, previous_run_id, awaiting)


def _dated(states: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Pairs with the mode and dates their answers gave (``columns`` of these, in order)."""
    return pd.DataFrame(
        {
            "visitor_id": states["visitor_id"].astype(str),
            "host_id": states["host_id"].astype(str),
            "mode": states["mode"].astype(str),
            "start": pd.to_datetime(states["start_day"]),
            "end": pd.to_datetime(states["end_day"]),
            "score": states["score"].astype(float),
            "decided_on": states["decided_on"].astype(str),
        },
    )[list(columns)].reset_index(drop=True)


def is_final(decision: str) -> bool:
    return decision in FINAL_DECISIONS


def night_carryover(records: pd.DataFrame, previous: RunFolder | None) -> Carryover | None:
    """What tonight inherits; None when there is nothing (no decisions, no previous run)."""
    if previous is None and records.empty:
        return None
    if previous is None:
        return carryover(records)
    return carryover(records, previous.proposals(), previous.run_id)


def campaign_with_log(
    campaign: Campaign, folder: Path, previous: Path | None = None
) -> tuple[Campaign, Carryover | None, pd.DataFrame]:
    """The campaign as its decision log leaves it, the carry-over for ``cxmatch run`` and the
    events read (:func:`engine.review.log.mark_read` records the read once the run is
    written: from then on its answers can no longer be withdrawn)."""
    records = read_log(log_path(folder))
    run = None if previous is None else read_run(previous)
    known = night_events(records, campaign)  # with_decisions warns of the others
    return with_decisions(campaign, records), night_carryover(known, run), records
