"""Past exchanges as the pilot ran them: grouped, short, and on real dates.

Grouped exchanges are the rule (seed 002: physical 7 grouped vs 5 single, virtual 17 vs 2,
groups of about 8-10 visitors). A host that receives several visitors at once runs a **group
event** (one mode, one day around the campaign; :func:`group_events`) and a visitor proposed to
it joins the event; hosts receiving many at once (:data:`GROUP_HOST_CAPACITY`) draw most
proposals. :func:`exchange_dates` gives every
accepted exchange its dates: an event's accepted members share a session (several sessions
when more were accepted than the host takes at once), any other exchange has its own; a host's
sessions never overlap (so no host ever has more visitors than its capacity); every stay starts
at least two weeks after its decision (the Commitment to Quality) and lasts 3 working days
mostly (physical 52 x 3 and 7 x 5 days, virtual 165 x 3 and 4 x 4: seed 002), counted in the
host country's working days (public holidays included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from engine.domain.calendar import public_holidays
from engine.domain.reference import canonical_country
from engine.synthetic.hidden_model import HIDDEN_FEATURES, PairEncoding

GROUP_HOST_CAPACITY = 6  # hosts receiving this many visitors at once: group-event hosts
EVENT_HOST_CAPACITY = 2  # hosts receiving several visitors at once receive them together
EVENT_DAYS = (-270, 90)  # its day, relative to the campaign start: mostly past, some ahead
RECRUITMENT_DAYS = (14, 90)  # a visitor joins it this many days before the event
VIRTUAL_EVENT_SHARE = 0.6  # a host taking both modes holds its event online (seed 002)
LEAD_DAYS = 14  # a stay starts at least this long after its decision (Commitment to Quality)
SINGLE_LEAD_DAYS = (14, 42)  # a single exchange starts this long after its decision
SESSION_GAP_DAYS = 7  # between two sessions of one host
# stay lengths in working days and their shares (seed 002)
PHYSICAL_STAYS = ((3, 52 / 59), (5, 7 / 59))
VIRTUAL_STAYS = ((3, 165 / 169), (4, 4 / 169))
# How plausible a pair looked to the person who proposed it (a softmax over candidates).
PROPOSER_WEIGHTS = {
    "sector_overlap": 1.5,
    "seek_offer_similarity": 2.0,
    "exchange_type_overlap": 0.5,
    "share_language": 1.5,
}


def plausibility(encoding: PairEncoding, visitor: np.ndarray, host: np.ndarray) -> np.ndarray:
    """How plausible aligned pairs look to a person proposing exchanges."""
    features = encoding.features(visitor, host)
    value = encoding.share_language(visitor, host) * PROPOSER_WEIGHTS["share_language"]
    for name in ("sector_overlap", "seek_offer_similarity", "exchange_type_overlap"):
        value = value + features[:, HIDDEN_FEATURES.index(name)] * PROPOSER_WEIGHTS[name]
    return np.asarray(value, dtype=float)


def gumbel(rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    return -np.log(-np.log(rng.random(size)))


@dataclass(frozen=True)
class GroupEvents:
    """Per profile position: whether the profile is a host running a group event, the event's
    mode and day."""

    runs_events: np.ndarray  # bool
    physical: np.ndarray  # bool: the event is physical
    day: np.ndarray  # datetime64[D]

    def decided_on(self, rng: np.random.Generator, host: np.ndarray, start: date) -> np.ndarray:
        """When visitors proposed to ``host`` joined its event: 14-90 days before it, and
        before the campaign's first night, ``LEAD_DAYS`` before it starts (history: the
        README audit saw the demo's night read 71 decisions dated after it)."""
        day = self.day[host]
        first_night = np.datetime64(start, "D") - LEAD_DAYS
        latest = np.minimum(day - RECRUITMENT_DAYS[0], first_night - 1)
        earliest = np.minimum(day - RECRUITMENT_DAYS[1], latest)
        span = (latest - earliest).astype(np.int64) + 1
        return earliest + np.floor(rng.random(len(host)) * span).astype("timedelta64[D]")


def group_events(rng: np.random.Generator, profiles: pd.DataFrame, start: date) -> GroupEvents:
    """Which hosts run a group event (those receiving several visitors at once), in which
    mode, and when."""
    n = len(profiles)
    mode = profiles["mode"].astype(str).to_numpy()
    host = profiles["role"].astype(str).to_numpy() == "host"
    capacity = profiles["capacity"].to_numpy(np.int64)
    online = rng.random(n) < VIRTUAL_EVENT_SHARE
    offset = rng.integers(EVENT_DAYS[0], EVENT_DAYS[1] + 1, size=n)
    physical = (mode == "physical") | ((mode == "either") & ~online)
    day = np.datetime64(start, "D") + offset.astype("timedelta64[D]")
    return GroupEvents(host & (capacity >= EVENT_HOST_CAPACITY), physical, day)


_NO_HOLIDAYS = np.zeros(0, dtype="datetime64[D]")


def _stay(rng: np.random.Generator, physical: np.ndarray) -> np.ndarray:
    lengths = np.empty(len(physical), dtype=np.int64)
    pick = rng.random(len(physical))
    for mask, table in ((physical, PHYSICAL_STAYS), (~physical, VIRTUAL_STAYS)):
        values = np.array([length for length, _ in table])
        edges = np.cumsum([share for _, share in table])
        lengths[mask] = values[np.minimum(np.searchsorted(edges, pick[mask]), len(values) - 1)]
    return lengths


def _sessions(exchanges: pd.DataFrame, capacity: np.ndarray) -> np.ndarray:
    """The session of each exchange: an event's members in decision order, cut into as few
    sessions of balanced sizes as the host's capacity allows (9 members, capacity 8: 5 and 4);
    every other exchange alone."""
    n = len(exchanges)
    grouped = exchanges["event_day"].notna().to_numpy()
    event = exchanges.groupby(["host", "event_day"], sort=False).ngroup().to_numpy()
    event = np.where(grouped, event, -1 - np.arange(n))
    key = pd.Series(event)
    member = key.groupby(key).cumcount().to_numpy()
    members = key.groupby(key).transform("size").to_numpy()
    parts = -(-members // np.maximum(capacity[exchanges["host"].to_numpy(np.int64)], 1))
    chunk = member * parts // members
    return (
        pd.DataFrame({"event": event, "chunk": chunk})
        .groupby(["event", "chunk"], sort=False)
        .ngroup()
        .to_numpy()
    )


def exchange_dates(
    rng: np.random.Generator, exchanges: pd.DataFrame, profiles: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (``datetime64[D]``) of accepted exchanges.

    ``exchanges``: ``visitor, host`` (profile positions), ``decided_on``, ``physical`` and
    ``event_day`` (NaT for an exchange outside a group event), in decision order.
    """
    n = len(exchanges)
    capacity = profiles["capacity"].to_numpy(np.int64)
    countries = [canonical_country(c) or "" for c in profiles["country"].astype(str)]
    decided = exchanges["decided_on"].to_numpy("datetime64[D]")
    lead = rng.integers(SINGLE_LEAD_DAYS[0], SINGLE_LEAD_DAYS[1] + 1, size=n)
    event_day = exchanges["event_day"].to_numpy("datetime64[D]")
    earliest = np.where(np.isnat(event_day), decided + lead, event_day)
    session = _sessions(exchanges, capacity)
    table = pd.DataFrame(
        {
            "session": session,
            "host": exchanges["host"].to_numpy(np.int64),
            "earliest": earliest,
            "physical": exchanges["physical"].to_numpy(bool),
        }
    )
    first = table.groupby("session", sort=True).agg(
        host=("host", "first"), earliest=("earliest", "max"), physical=("physical", "first")
    )  # fmt: skip
    first = first.assign(length=_stay(rng, first["physical"].to_numpy(bool)))
    first = first.sort_values(["host", "earliest"], kind="stable")
    hosts = first["host"].to_numpy(np.int64)
    earliest_day = first["earliest"].to_numpy("datetime64[D]")
    lengths = first["length"].to_numpy(np.int64)
    begins: dict[int, np.datetime64] = {}
    ends: dict[int, np.datetime64] = {}
    free: dict[int, np.datetime64] = {}
    for position, number in enumerate(first.index.tolist()):
        host_of = int(hosts[position])
        day = max(earliest_day[position], free.get(host_of, earliest_day[position]))
        year = int(day.astype("datetime64[Y]").astype(np.int64)) + 1970
        country = countries[host_of]
        off = public_holidays(country, (year, year + 1)) if country else _NO_HOLIDAYS
        begin = np.busday_offset(day, 0, roll="forward", holidays=off)
        end = np.busday_offset(begin, int(lengths[position]) - 1, roll="forward", holidays=off)
        begins[int(number)], ends[int(number)] = begin, end
        free[host_of] = end + np.timedelta64(SESSION_GAP_DAYS, "D")
    start = np.array([begins[s] for s in session], dtype="datetime64[D]")
    end = np.array([ends[s] for s in session], dtype="datetime64[D]")
    return start, end
