"""Who a host already receives, and when: the exchanges accepted before tonight on their dates.

An accepted exchange (an ``accepted`` or ``completed`` history row with ``start`` and
``end``, or a pair reviewers accepted in the decision log) occupies one of its host's places
on every day from its start to its end, and on no other day; an accepted exchange without
dates occupies nothing. Tonight's slots get the room these leave (:mod:`engine.night.slots`),
and an accepted group (its host, dates and mode) with room left may take new members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.domain.calendar import day_number
from engine.domain.contract import Campaign
from engine.night.carryover import Carryover
from engine.night.quotas import standing_exchanges
from scoring.encoding import EncodedCampaign

STAY_COLUMNS = ("visitor_id", "host_id", "host", "start_day", "end_day", "physical")


@dataclass(frozen=True)
class Occupancy:
    """Accepted, dated exchanges (``stays``) and the groups they form (``group_table``: one
    row per group and working language its members and host all speak)."""

    stays: pd.DataFrame  # STAY_COLUMNS; host is the host's position, days are day numbers
    group_table: pd.DataFrame  # host, start_day, end_day, physical, language (bit), members
    _stays_of: dict[int, np.ndarray] = field(init=False, repr=False, compare=False)
    _groups_of: dict[int, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # each host's stays (first and last days) and groups, looked up once per host
        days = self.stays[["start_day", "end_day"]].to_numpy(np.int64)
        by_host = self.stays.groupby("host").indices if len(self.stays) else {}
        stays = {int(str(h)): days[rows] for h, rows in by_host.items()}
        groups = self.group_table.groupby("host").indices if len(self.group_table) else {}
        object.__setattr__(self, "_stays_of", stays)
        object.__setattr__(self, "_groups_of", {int(str(h)): r for h, r in groups.items()})

    def busiest(self, host: int, start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
        """(slots,) the most visitors the host has on any day of each slot's dates."""
        stays = self._stays_of.get(int(host))
        out = np.zeros(len(start_day), dtype=np.int64)
        if stays is None or not len(stays) or not len(start_day):
            return out
        low = int(min(stays[:, 0].min(), np.min(start_day)))
        high = int(max(stays[:, 1].max(), np.max(end_day)))
        change = np.zeros(high - low + 2, dtype=np.int64)
        np.add.at(change, stays[:, 0] - low, 1)
        np.add.at(change, stays[:, 1] - low + 1, -1)
        per_day = np.cumsum(change)
        # (an accepted group on no working day of the host, a weekend say, ends before it
        # starts as a slot: no day, no visitor; the property test drew one)
        span = max(1, int(np.max(end_day - start_day)) + 1)
        days = (start_day - low)[:, None] + np.arange(span)[None, :]
        inside = days <= (end_day - low)[:, None]
        window = per_day[np.clip(days, 0, len(per_day) - 1)]
        return np.where(inside, window, 0).max(axis=1, initial=0)

    def ends(self, host: int) -> np.ndarray:
        """The day after each accepted stay at the host (day numbers): where its places free
        up again."""
        stays = self._stays_of.get(int(host))
        return np.zeros(0, np.int64) if stays is None else stays[:, 1] + 1

    def groups(self, host: int) -> pd.DataFrame:
        rows = self._groups_of.get(int(host))
        return self.group_table.iloc[rows if rows is not None else []]

    @property
    def size(self) -> int:
        return len(self.stays)


def accepted_stays(
    campaign: Campaign, carry: Carryover | None, dated_only: bool = True
) -> pd.DataFrame:
    """Every accepted exchange (with dates only, unless ``dated_only`` is False), one per
    pair and mode (the decision log's wins): ``visitor_id, host_id, start, end, mode``."""
    frames = []
    if carry is not None and len(carry.locked):
        frames.append(carry.locked[["visitor_id", "host_id", "start", "end", "mode"]])
    positive = standing_exchanges(campaign.history)  # a cancelled exchange occupies nothing
    if "start" not in positive.columns:
        positive = positive.assign(start=pd.Series(pd.NaT, index=positive.index))
        positive = positive.assign(end=positive["start"])
    frames.append(positive[["visitor_id", "host_id", "start", "end", "mode"]])
    if not frames:
        return pd.DataFrame(columns=["visitor_id", "host_id", "start", "end", "mode"])
    table = pd.concat(frames, ignore_index=True)
    table = table.drop_duplicates(["visitor_id", "host_id", "mode"], keep="first")
    if not dated_only:
        return table.reset_index(drop=True)
    dated = pd.to_datetime(table["start"]).notna() & pd.to_datetime(table["end"]).notna()
    return table[dated].reset_index(drop=True)


def busy_days(
    candidates: pd.DataFrame, encoded: EncodedCampaign, stays: pd.DataFrame
) -> np.ndarray | None:
    """(candidates x K x 2) the first and last day numbers of each candidate visitor's own
    accepted exchanges with dates (``stays``: :func:`accepted_stays`), -1 where it has fewer
    than K: a visitor is proposed no stay on days it is in an exchange already (at another
    host, or virtually). None when no candidate visitor has one."""
    if candidates.empty or stays.empty:
        return None
    ids = encoded.visitors.ids[candidates["visitor"].to_numpy()].astype(str)
    table = stays.assign(
        first=day_number(pd.to_datetime(stays["start"])),
        last=day_number(pd.to_datetime(stays["end"])),
    ).sort_values(["visitor_id", "first", "last"], kind="stable")
    table = table[table["visitor_id"].astype(str).isin(set(ids))]
    if table.empty:
        return None
    rank = table.groupby("visitor_id").cumcount().to_numpy()
    owners = {str(v): i for i, v in enumerate(dict.fromkeys(table["visitor_id"].astype(str)))}
    per_visitor = np.full((len(owners), int(rank.max()) + 1, 2), -1, dtype=np.int64)
    rows = np.array([owners[str(v)] for v in table["visitor_id"]], dtype=np.int64)
    per_visitor[rows, rank] = table[["first", "last"]].to_numpy(np.int64)
    at = np.array([owners.get(v, -1) for v in ids], dtype=np.int64)
    out = np.full((len(ids), per_visitor.shape[1], 2), -1, dtype=np.int64)
    out[at >= 0] = per_visitor[at[at >= 0]]
    return out


def free_of_busy(busy: np.ndarray | None, first: np.ndarray, last: np.ndarray) -> np.ndarray | bool:
    """(pairs, slots) whether each pair's visitor is free on every day of each slot
    (``busy``: the pairs' rows of :func:`busy_days`); True where nobody is busy."""
    if busy is None or not (busy[:, :, 0] >= 0).any():
        return True
    start, end = busy[:, :, 0][:, :, None], busy[:, :, 1][:, :, None]
    overlap = (start >= 0) & (first[None, None, :] <= end) & (last[None, None, :] >= start)
    return np.asarray(~overlap.any(axis=1), dtype=bool)


def occupancy(campaign: Campaign, encoded: EncodedCampaign, carry: Carryover | None) -> Occupancy:
    """The accepted exchanges' stays at tonight's hosts, and the groups they form."""
    table = accepted_stays(campaign, carry)
    host_pos = {str(h): i for i, h in enumerate(encoded.hosts.ids)}
    table = table[table["host_id"].astype(str).isin(host_pos)]
    stays = pd.DataFrame(
        {
            "visitor_id": table["visitor_id"].astype(str).to_numpy(),
            "host_id": table["host_id"].astype(str).to_numpy(),
            "host": [host_pos[str(h)] for h in table["host_id"]],
            "start_day": day_number(pd.to_datetime(table["start"])),
            "end_day": day_number(pd.to_datetime(table["end"])),
            "physical": (table["mode"] == "physical").to_numpy(),
        },
        columns=list(STAY_COLUMNS),
    )
    return Occupancy(stays, _groups(stays, campaign, encoded))


def _groups(stays: pd.DataFrame, campaign: Campaign, encoded: EncodedCampaign) -> pd.DataFrame:
    """One row per accepted group (host, dates, mode) and each language its members and host
    all speak (language -1 when the policy asks for no common language)."""
    columns = ["host", "start_day", "end_day", "physical", "language", "members"]
    if stays.empty:
        return pd.DataFrame({column: pd.Series([], dtype=np.int64) for column in columns})
    languages = dict(
        zip(campaign.profiles["profile_id"], campaign.profiles["languages"], strict=True)
    )
    vocabulary = encoded.vocab.languages
    common_language = campaign.policy.group_common_language
    rows = []
    keys = ["host", "start_day", "end_day", "physical"]
    for (host, start, end, physical), members in stays.groupby(keys, sort=True):
        spoken = set(languages.get(str(encoded.hosts.ids[int(str(host))]), ()))
        for visitor_id in members["visitor_id"]:
            spoken &= set(languages.get(visitor_id, ()))
        bits = sorted(vocabulary.position[code] for code in spoken if code in vocabulary.position)
        for bit in bits if common_language else [-1]:
            rows.append((host, start, end, physical, bit, len(members)))
    return pd.DataFrame(rows, columns=columns)
