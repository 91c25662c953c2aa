"""Proposals that stay on their dates: a pair on hold or unanswered since the previous run is
two options tonight, its previous dates and mode (with the stability bonus) and any other
slot (with the bonus less ``churn_penalty``), so that the plan moves it only for a larger
gain, as it drops one only for a larger gain (the audit: held and unanswered pairs moved a
week, or from virtual to physical, for nothing).

A pair one side accepted (``Carryover.awaiting``) stays on its dates or goes: it has no free
option (:func:`engine.night.carryover.pinned_days`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.domain.calendar import day_number
from engine.night.carryover import PAIR, Carryover
from scoring.candidates import pair_modes
from scoring.encoding import EncodedCampaign
from scoring.options import as_options

FREE, PINNED = 2, 1  # a staying pair's options (column ``stays``; 0: not a staying pair)
PIN_COLUMNS = ("pin_first", "pin_last", "pin_physical")


def staying_dates(carry: Carryover) -> pd.DataFrame:
    """The held and unanswered pairs with the dates and mode the previous run proposed them
    on (``visitor_id, host_id, mode, start, end``); none where there is no previous run."""
    previous = carry.previous
    if previous is None or previous.empty:
        return pd.DataFrame(columns=[*PAIR, "mode", "start", "end"])
    staying = pd.concat([carry.held, carry.pending], ignore_index=True)[PAIR].astype(str)
    waiting = pd.MultiIndex.from_frame(carry.awaiting[PAIR].astype(str))
    staying = staying[~pd.MultiIndex.from_frame(staying).isin(waiting)].drop_duplicates()
    proposed = previous[[*PAIR, "mode", "start", "end"]].astype({"visitor_id": str, "host_id": str})
    return staying.merge(proposed.drop_duplicates(PAIR), on=PAIR, how="inner")


def stay_options(
    candidates: pd.DataFrame, encoded: EncodedCampaign, carry: Carryover | None
) -> pd.DataFrame:
    """The candidates with each staying pair's row as two options: ``stays`` PINNED (its
    previous dates and mode, ``pin_*`` day numbers) and FREE (any slot it fits); other rows
    ``stays`` 0. Rows renumbered."""
    if carry is None or candidates.empty:
        return candidates
    table = staying_dates(carry)
    if table.empty:
        return candidates
    keys = pd.MultiIndex.from_arrays(
        [
            encoded.visitors.ids[candidates["visitor"].to_numpy()].astype(str),
            encoded.hosts.ids[candidates["host"].to_numpy()].astype(str),
        ]
    )
    at = pd.MultiIndex.from_frame(table[PAIR]).get_indexer(keys)
    rows = table.iloc[np.maximum(at, 0)]
    was_physical = (rows["mode"] == "physical").to_numpy(bool)
    physical, virtual = pair_modes(candidates)
    staying = (at >= 0) & np.where(was_physical, physical, virtual)  # its mode is still open
    if not staying.any():
        return candidates
    first = day_number(pd.to_datetime(rows["start"]).dt.date.tolist())
    last = day_number(pd.to_datetime(rows["end"]).dt.date.tolist())
    base = candidates.assign(virtual=virtual, stays=0, **dict.fromkeys(PIN_COLUMNS, np.int64(-1)))
    pinned = {
        "stays": PINNED,
        "pin_first": first,
        "pin_last": last,
        "pin_physical": was_physical.astype(np.int64),
        "physical": was_physical,
        "virtual": ~was_physical,
    }
    return as_options(base, [(~staying, {}), (staying, pinned), (staying, {"stays": FREE})])


def staying_bonus(bonus: np.ndarray, candidates: pd.DataFrame, churn: int) -> np.ndarray:
    """The stability bonus of each row with a staying pair's free option worth ``churn`` less
    than its pinned one (moving it costs what changing an unanswered proposal does)."""
    if "stays" not in candidates:
        return bonus
    free = candidates["stays"].to_numpy(np.int64) == FREE
    return np.where(free, np.maximum(bonus - churn, 0), bonus)


def with_pins(candidates: pd.DataFrame, pinned: np.ndarray | None) -> np.ndarray | None:
    """The pins of one-side-accepted pairs (``pinned``, candidates x 3, -1: free) with the
    staying pairs' pinned options."""
    if "stays" not in candidates:
        return pinned
    rows = candidates["stays"].to_numpy(np.int64) == PINNED
    if not rows.any():
        return pinned
    out = np.full((len(candidates), 3), -1, np.int64) if pinned is None else pinned.copy()
    out[rows] = candidates.loc[rows, list(PIN_COLUMNS)].to_numpy(np.int64)
    return out
