"""Generated history (past decisions drawn from the hidden model, with the dates of the
exchanges that were accepted) and partnership quotas.

Past proposals were made by people, not at random: for each decision the generator draws a
handful of candidate hosts (half from the visitor's own partnership, as partnerships proposed
within their network; hosts that receive many visitors at once are :data:`GROUP_HOST_PULL`
times as likely to be among them, as grouped exchanges are the rule), keeps those in another country with a
compatible mode, and picks one with probability growing with a *proposer plausibility* (sector
overlap, text similarity, a common language, a shared exchange type). A visitor proposed to a
host that receives several at once joins the host's group event, in its mode, some weeks
before it (:mod:`engine.synthetic.exchanges`). The
outcome is then drawn from the hidden acceptance model of :mod:`engine.synthetic.hidden_model`;
selecting pairs on their features does not bias a model of the outcome given those features.

An accepted exchange gets dates (``start``, ``end``): it is ``completed`` when it ended before
the campaign starts (most are), ``accepted`` otherwise, and some lie ahead, occupying their
host during the campaign. One physical exchange per visiting *organisation*: a later accepted
physical exchange of an organisation that has one already never happened. Virtual exchanges
are common and never use the physical visit.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd

from engine.domain.contract import HISTORY_COLUMNS, HISTORY_OPTIONAL_COLUMNS, QUOTA_CATEGORIES
from engine.synthetic.catalog import PARTNERSHIPS, TARGET_SPLIT, TARGET_VISITORS
from engine.synthetic.exchanges import (
    GROUP_HOST_CAPACITY,
    LEAD_DAYS,
    GroupEvents,
    exchange_dates,
    group_events,
    gumbel,
    plausibility,
)
from engine.synthetic.hidden_model import HIDDEN_NOISE_SD, PairEncoding, sigmoid

logger = logging.getLogger(__name__)

DECISIONS_PER_VISITOR = 1.0  # about 0.95 remain after duplicates and repeated physical visits
CANDIDATES_OWN_PARTNERSHIP = 6
CANDIDATES_ANY = 6
GROUP_HOST_PULL = 30.0  # how much likelier a group-event host is to be a candidate
HISTORY_DAYS = 365  # decisions lie in the year before the campaign's first night
PHYSICAL_WHEN_EITHER = 0.7  # a single exchange is physical when both accept either mode
COMPLETED_SHARE = 0.85  # of exchanges that ended before the campaign: reported as completed
CANCELLED_SHARE = 0.15  # of the decisions that were not accepted


def _modes(profiles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    mode = profiles["mode"].astype(str).to_numpy()
    return mode != "virtual", mode != "physical"  # accepts physical, accepts virtual


def _weighted(rng: np.random.Generator, weights: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Indices into ``weights`` drawn with them (``size`` draws)."""
    cumulative = np.cumsum(weights)
    return np.minimum(
        np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right"),
        len(weights) - 1,
    )


def _candidates(
    rng: np.random.Generator, encoding: PairEncoding, hosts: np.ndarray, weight: np.ndarray,
    visitor: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Candidate hosts per visitor: some of its own partnership, some of any, by ``weight``."""
    m = len(visitor)
    own = encoding.partnership[visitor]
    partnership = encoding.partnership[hosts]
    own_candidates = np.empty((m, CANDIDATES_OWN_PARTNERSHIP), dtype=np.int64)
    any_candidates = hosts[_weighted(rng, weight, (m, CANDIDATES_ANY))]
    for value in np.unique(own):
        rows = np.flatnonzero(own == value)
        members = np.flatnonzero(partnership == value)
        if not len(members):
            own_candidates[rows] = any_candidates[rows, :1]
            continue
        picks = _weighted(rng, weight[members], (len(rows), CANDIDATES_OWN_PARTNERSHIP))
        own_candidates[rows] = hosts[members][picks]
    return np.concatenate([own_candidates, any_candidates], axis=1)


def _decisions(
    rng: np.random.Generator,
    profiles: pd.DataFrame,
    encoding: PairEncoding,
    events: GroupEvents,
    start: date,
    m: int,
) -> pd.DataFrame:
    """``m`` proposals: a visitor, the most plausible of a few candidate hosts, a decision day
    in the year before ``start``, the mode, and the group event joined (NaT: none)."""
    role = profiles["role"].astype(str).to_numpy()
    visitors, hosts = np.flatnonzero(role == "visitor"), np.flatnonzero(role == "host")
    visitor = visitors[rng.integers(len(visitors), size=m)]
    capacity = profiles["capacity"].to_numpy(np.int64)[hosts]
    weight = np.where(capacity >= GROUP_HOST_CAPACITY, GROUP_HOST_PULL, 1.0)
    candidates = _candidates(rng, encoding, hosts, weight, visitor)
    k = candidates.shape[1]
    pair_visitor, pair_host = np.repeat(visitor, k), candidates.ravel()
    physical, virtual = _modes(profiles)
    in_event = events.runs_events[pair_host]
    event_physical = events.physical[pair_host]
    possible = (encoding.country_code[pair_visitor] != encoding.country_code[pair_host]) & (
        np.where(
            in_event,
            np.where(event_physical, physical[pair_visitor], virtual[pair_visitor]),
            (physical[pair_visitor] & physical[pair_host])
            | (virtual[pair_visitor] & virtual[pair_host]),
        )
    )
    value = plausibility(encoding, pair_visitor, pair_host) + gumbel(rng, m * k)
    score = np.where(possible, value, -np.inf).reshape(m, k)
    chosen = score.argmax(axis=1)
    host = candidates[np.arange(m), chosen]
    found = np.isfinite(score[np.arange(m), chosen])
    # known by the campaign's first night, two weeks' notice before it starts
    first_night = np.datetime64(start, "D") - LEAD_DAYS
    decided = first_night - rng.integers(1, HISTORY_DAYS + 1, size=m)
    physical_pick = rng.random(m) < PHYSICAL_WHEN_EITHER
    single_physical = (physical[visitor] & physical[host]) & (
        ~(virtual[visitor] & virtual[host]) | physical_pick
    )
    grouped = events.runs_events[host]
    return pd.DataFrame(
        {
            "visitor": visitor,
            "host": host,
            "decided_on": np.where(grouped, events.decided_on(rng, host, start), decided),
            "physical": np.where(grouped, events.physical[host], single_physical),
            "event_day": np.where(grouped, events.day[host], np.datetime64("NaT")),
        }
    )[found]


def generate_history(
    rng: np.random.Generator, profiles: pd.DataFrame, encoding: PairEncoding, start: date
) -> pd.DataFrame:
    """Past decisions ``visitor_id, host_id, decided_on, outcome, mode, start, end`` (the
    exchange's dates for accepted and completed rows), oldest first."""
    role = profiles["role"].astype(str)
    m = round(DECISIONS_PER_VISITOR * (role == "visitor").sum()) if (role == "host").any() else 0
    events = group_events(rng, profiles, start)
    decisions = _decisions(rng, profiles, encoding, events, start, m) if m else None
    if decisions is None or decisions.empty:
        return _frame(
            profiles,
            pd.DataFrame(columns=["visitor", "host", "decided_on", "physical"]),
            np.zeros(0, str),
            None,
        )
    decisions = decisions.sort_values("decided_on", kind="stable").reset_index(drop=True)
    visitor = decisions["visitor"].to_numpy(np.int64)
    host = decisions["host"].to_numpy(np.int64)
    logit = encoding.logit(visitor, host) + rng.normal(0.0, HIDDEN_NOISE_SD, size=len(visitor))
    accepted = rng.random(len(visitor)) < sigmoid(logit)
    cancelled = rng.random(len(visitor)) < CANCELLED_SHARE
    keep = ~decisions.duplicated(["visitor", "host"]).to_numpy()  # a pair is decided once
    # One physical exchange per visiting organisation: a later one never happened.
    org = profiles["org_id"].astype(str).to_numpy()[visitor]
    physical_positive = keep & accepted & decisions["physical"].to_numpy(bool)
    first_of_org = ~pd.Series(np.where(physical_positive, org, None)).duplicated().to_numpy()
    keep &= ~(physical_positive & ~first_of_org)

    decisions, accepted, cancelled = decisions[keep], accepted[keep], cancelled[keep]
    positives = decisions[accepted].reset_index(drop=True)
    first, last = exchange_dates(rng, positives, profiles)
    completed = rng.random(len(positives)) < COMPLETED_SHARE
    outcome = np.where(accepted, "accepted", np.where(cancelled, "cancelled", "rejected"))
    ended = last < np.datetime64(start, "D")
    outcome[accepted] = np.where(ended & completed, "completed", "accepted")
    dates = np.full((2, len(decisions)), np.datetime64("NaT"), dtype="datetime64[D]")
    dates[0, accepted], dates[1, accepted] = first, last
    logger.debug("history: %d decisions, %d kept, %d accepted", m, len(decisions), accepted.sum())
    return _frame(profiles, decisions, outcome, dates)


def _frame(
    profiles: pd.DataFrame, decisions: pd.DataFrame, outcome: np.ndarray, dates: np.ndarray | None
) -> pd.DataFrame:
    ids = profiles["profile_id"].astype(str).to_numpy()
    n = len(decisions)
    dates = dates if dates is not None else np.full((2, n), np.datetime64("NaT"), "datetime64[D]")
    frame = pd.DataFrame(
        {
            "visitor_id": pd.Series(ids[decisions["visitor"].to_numpy(np.int64)], dtype=str),
            "host_id": pd.Series(ids[decisions["host"].to_numpy(np.int64)], dtype=str),
            "decided_on": _days(decisions["decided_on"].to_numpy("datetime64[D]")),
            "outcome": pd.Series(outcome, dtype=str),
            "mode": pd.Series(np.where(decisions["physical"].to_numpy(bool), "physical",
                                       "virtual"), dtype=str),
            "start": _days(dates[0]),
            "end": _days(dates[1]),
        }
    )  # fmt: skip
    return frame[[*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS]]


def _days(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(values).astype("datetime64[ns]"))


def partnership_targets(name: str, n_visitors: int) -> dict[str, int]:
    """A partnership's KPI targets for a campaign of ``n_visitors`` visitor profiles: its
    planned exchanges (the pilot's, for the demo's 800 visitors; scaled for other sizes), of
    which half SMEs, 10% cluster managers, 20% technology centres, 20% scaling-up."""
    spec = next((spec for spec in PARTNERSHIPS if spec.name == name), None)
    planned = spec.target if spec is not None else round(np.mean([p.target for p in PARTNERSHIPS]))
    total = int(np.floor(planned * n_visitors / TARGET_VISITORS + 0.5))
    targets = {category: int(np.floor(share * total + 0.5)) for category, share in TARGET_SPLIT}
    return {"sme": total - sum(targets.values()), **targets, "total": total}


def generate_quotas(profiles: pd.DataFrame) -> pd.DataFrame:
    """Per partnership present and category: the partnership's target (see
    :func:`partnership_targets`). Targets are the programme's, not tonight's: with the
    exchanges achieved before, they are met over many nights, not in one."""
    present = set(profiles["partnership"].astype(str))
    partnerships = [spec.name for spec in PARTNERSHIPS if spec.name in present]
    partnerships += sorted(present - set(partnerships))
    n_visitors = int((profiles["role"] == "visitor").sum())
    rows = []
    for partnership in partnerships:
        targets = partnership_targets(partnership, n_visitors)
        rows += [
            (partnership, category, targets[category])
            for category in QUOTA_CATEGORIES
            if category in targets
        ]
    quotas = pd.DataFrame(rows, columns=["partnership", "category", "target"])
    quotas["target"] = quotas["target"].astype(np.int64)
    return quotas
