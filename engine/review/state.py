"""The current state of every answered pair, derived from the log's events (never stored).

Each proposal has a visitor side and a host side. A side's answer is its latest event
(``accepted``, ``rejected`` or ``hold``) that no later ``withdrawn`` event names. A pair is:

* ``cancelled``: an exchange that was cancelled (its places free up; it never comes back);
* ``rejected``: either side rejected it (blocked, until the Support Office withdraws it);
* ``exchange``: both sides accepted it;
* ``awaiting``: one side accepted, the other has not answered yet or holds it (it stays
  proposed on the dates and mode the first side accepted: the time audit saw a pair the
  visitor accepted and the host held moved to other dates, which the host could then no
  longer accept);
* ``hold``: a side put it on hold, neither accepted (it stays proposed).

Records in the version 2 form (one ``decision`` per pair, no ``side``: what the simulator
keeps) stand for both sides at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.review.schema import EVENT_COLUMNS, SUPPORT_OFFICE

SIDES = ("visitor", "host")
ANSWERS = ("accepted", "rejected", "hold")
PAIR = ["visitor_id", "host_id"]
STATE_COLUMNS = (
    "visitor_id", "host_id", "visitor", "host", "status", "mode", "start_day", "end_day",
    "score", "run_id", "decided_on", "note", "proposed_by",
)  # fmt: skip
# what a pair's status means for a night (the carry-over's ``decision`` word)
BLOCKED = ("rejected", "cancelled")
STAYS_PROPOSED = ("hold", "awaiting")


def events_frame(records: pd.DataFrame) -> pd.DataFrame:
    """``records`` as version 3 events (EVENT_COLUMNS); version 2 rows become two events."""
    if "side" in records.columns:
        return records
    both = []
    for offset, side in enumerate(SIDES):
        part = records.assign(side=side, seq=records["seq"].astype(np.int64) * 2 - 1 + offset)
        both.append(part)
    table = pd.concat(both, ignore_index=True) if len(records) else records.assign(side="")
    defaults = {
        "withdraws": None, "partnership": "", "actor": SUPPORT_OFFICE, "source": "migrated",
        "proposed_by": "", "recorded_at": "", "import_id": None,
    }  # fmt: skip
    for column, value in defaults.items():
        if column not in table.columns:
            table[column] = value
    return table.sort_values("seq", kind="stable")[list(EVENT_COLUMNS)].reset_index(drop=True)


def live(events: pd.DataFrame) -> pd.DataFrame:
    """The events that count: neither a withdrawal nor withdrawn."""
    withdrawn = set(pd.to_numeric(events["withdraws"], errors="coerce").dropna().astype(int))
    keep = (events["decision"] != "withdrawn") & ~events["seq"].astype(int).isin(withdrawn)
    return events[keep]


def side_answers(events: pd.DataFrame) -> pd.DataFrame:
    """Each (pair, side)'s answer: its latest live accepted / rejected / hold event."""
    answers = live(events)
    answers = answers[answers["decision"].isin(ANSWERS)]
    return answers.sort_values("seq", kind="stable").drop_duplicates(
        ["visitor_id", "host_id", "side"], keep="last"
    )


def pair_states(records: pd.DataFrame) -> pd.DataFrame:
    """One row per answered pair (STATE_COLUMNS), in the order pairs were first answered."""
    events = events_frame(records)
    if events.empty:
        return pd.DataFrame({column: pd.Series([], dtype=object) for column in STATE_COLUMNS})
    answers = side_answers(events)
    wide = {
        side: answers[answers["side"] == side].set_index(PAIR)["decision"].rename(side)
        for side in SIDES
    }
    counted = live(events)
    latest = counted.sort_values("seq", kind="stable").drop_duplicates(PAIR, keep="last")
    table = latest.set_index(PAIR).join(wide["visitor"]).join(wide["host"])
    table[list(SIDES)] = table[list(SIDES)].fillna("")
    cancelled = set(
        map(tuple, counted.loc[counted["decision"] == "cancelled", PAIR].to_numpy().tolist())
    )
    first_seen = counted.groupby(PAIR)["seq"].min()
    table = table.join(first_seen.rename("first_seq")).reset_index()
    notes = counted[counted["note"].astype(str) != ""].drop_duplicates(PAIR, keep="last")
    table = table.drop(columns="note").merge(notes[[*PAIR, "note"]], on=PAIR, how="left")
    table["note"] = table["note"].fillna("")
    visitor, host = table["visitor"], table["host"]
    is_cancelled = [
        pair in cancelled for pair in zip(table["visitor_id"], table["host_id"], strict=True)
    ]
    table["status"] = np.select(
        [
            np.asarray(is_cancelled, dtype=bool),
            (visitor == "rejected") | (host == "rejected"),
            (visitor == "accepted") & (host == "accepted"),
            (visitor == "accepted") | (host == "accepted"),  # the other holds, or is silent
            (visitor == "hold") | (host == "hold"),
        ],
        ["cancelled", "rejected", "exchange", "awaiting", "hold"],
        default="",
    )
    table = table[table["status"] != ""].sort_values("first_seq", kind="stable")
    return table[list(STATE_COLUMNS)].reset_index(drop=True)


def state_of(states: pd.DataFrame, visitor_id: str, host_id: str) -> dict[str, str] | None:
    match = states[(states["visitor_id"] == visitor_id) & (states["host_id"] == host_id)]
    return None if match.empty else {str(k): v for k, v in match.iloc[0].to_dict().items()}


def with_history_cancellations(records: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """The log's events, and a cancellation of each side of every exchange the campaign's
    history says was cancelled after (the same pair and mode, decided on or after the log's
    last answer): the IT tool is where exchanges are cancelled too, and its export comes back
    as ``history.csv`` (the IT-tool audit: the KPIs dropped such an exchange, the SME share,
    the physical visit and changes.csv kept it)."""
    cancels = history.loc[history["outcome"] == "cancelled", [*PAIR, "mode", "decided_on"]]
    if records.empty or cancels.empty:  # (no state to derive: the night derives it once)
        return records
    events = events_frame(records)
    exchanges = pair_states(events)
    exchanges = exchanges[exchanges["status"] == "exchange"]
    later = exchanges.merge(cancels.astype({"mode": str}), on=[*PAIR, "mode"], suffixes=("", "_h"))
    later = later[pd.to_datetime(later["decided_on_h"]) >= pd.to_datetime(later["decided_on"])]
    later = later.drop_duplicates(PAIR)
    if later.empty:
        return records
    first = int(pd.to_numeric(events["seq"]).max()) + 1
    added = pd.concat([later.assign(side=side) for side in SIDES], ignore_index=True)
    added = added.assign(
        seq=range(first, first + len(added)), decision="cancelled", withdraws=None,
        partnership="", decided_by="history.csv", decided_on=pd.to_datetime(
            added["decided_on_h"]).dt.strftime("%Y-%m-%d"),
        note="cancelled in history.csv", actor=SUPPORT_OFFICE, source="file",
        proposed_by=added["proposed_by"], import_id=None, recorded_at="",
    )  # fmt: skip
    return pd.concat([events, added[list(EVENT_COLUMNS)]], ignore_index=True)
