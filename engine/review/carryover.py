"""What a night inherits (:class:`engine.night.carryover.Carryover`), built from the decision
log and the previous run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.domain.decisions import FINAL_DECISIONS
from engine.night.carryover import DECISION_COLUMNS, LOCK_COLUMNS, PAIR, Carryover, empty_table
from engine.output.folders import RunFolder, read_run
from engine.review.log import current_decisions, log_path, read_log, with_decisions


def carryover(
    records: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    previous_run_id: str | None = None,
) -> Carryover:
    """The carry-over from the decision log ``records`` and the previous run's proposals."""
    current = current_decisions(records) if len(records) else records
    accepted = current[current["decision"] == "accepted"]
    locked = pd.DataFrame(
        {
            "visitor_id": accepted["visitor_id"].astype(str),
            "host_id": accepted["host_id"].astype(str),
            "mode": accepted["mode"].astype(str),
            "start": pd.to_datetime(accepted["start_day"]),
            "end": pd.to_datetime(accepted["end_day"]),
            "score": accepted["score"].astype(float),
            "decided_on": accepted["decided_on"].astype(str),
        },
        columns=list(LOCK_COLUMNS),
    ).reset_index(drop=True)
    held = current.loc[current["decision"] == "hold", PAIR].astype(str).reset_index(drop=True)
    decided = set(zip(current["visitor_id"], current["host_id"], strict=True))
    pending = empty_table(PAIR)
    if previous is not None and len(previous):
        pairs = previous[PAIR].astype(str)
        answered = [
            pair in decided for pair in zip(pairs["visitor_id"], pairs["host_id"], strict=True)
        ]
        pending = pairs[~np.asarray(answered, dtype=bool)].reset_index(drop=True)
    decisions = current[list(DECISION_COLUMNS)].reset_index(drop=True)
    return Carryover(locked, held, pending, decisions, previous, previous_run_id)


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
) -> tuple[Campaign, Carryover | None]:
    """The campaign as its decision log leaves it, and the carry-over for ``cxmatch run``."""
    records = read_log(log_path(folder))
    run = None if previous is None else read_run(previous)
    return with_decisions(campaign, records), night_carryover(records, run)
