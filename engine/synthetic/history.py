"""Generated history (past decisions drawn from the hidden model) and partnership quotas.

Past proposals were made by people, not at random: for each decision the generator draws
a handful of candidate hosts (half from the visitor's own partnership, as partnerships
proposed within their network), keeps those in another country with a compatible mode,
and picks one with probability growing with a *proposer plausibility* (sector overlap,
text similarity, a common language, a shared exchange type). The outcome is then drawn
from the hidden acceptance model of :mod:`engine.synthetic.hidden_model`; selecting pairs on
their features does not bias a model of the outcome given those features.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd

from engine.domain.contract import (
    HISTORY_COLUMNS,
    POSITIVE_OUTCOMES,
    QUOTA_CATEGORIES,
    org_category,
)
from engine.synthetic.catalog import PARTNERSHIPS
from engine.synthetic.hidden_model import HIDDEN_FEATURES, HIDDEN_NOISE_SD, PairEncoding, sigmoid

logger = logging.getLogger(__name__)

DECISIONS_PER_VISITOR = 1.3  # about 1.2 remain after duplicates and repeated physical visits
CANDIDATES_OWN_PARTNERSHIP = 6
CANDIDATES_ANY = 6
HISTORY_DAYS = 365  # decisions lie in the year before the campaign starts
# How plausible a pair looked to the person who proposed it (a softmax over candidates).
PROPOSER_WEIGHTS = {
    "sector_overlap": 1.5,
    "seek_offer_similarity": 2.0,
    "exchange_type_overlap": 0.5,
    "share_language": 1.5,
}
PHYSICAL_WHEN_EITHER = 0.55  # history mode when both profiles accept either mode
COMPLETED_AFTER_DAYS = 60  # an accepted exchange decided this long ago has usually run
COMPLETED_SHARE = 0.7
CANCELLED_SHARE = 0.15  # of the decisions that were not accepted

QUOTA_SHARE_OF_ELIGIBLE = (0.4, 0.6)  # remaining need: this share of eligible visitors...
QUOTA_SHARE_OF_CAPACITY = 0.55  # ...scaled down so all categories need at most this capacity
TOTAL_OVER_CATEGORIES = 1.1  # remaining need of "total" over the sum of the four categories
CATEGORIES = tuple(category for category in QUOTA_CATEGORIES if category != "total")


def _modes(profiles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    mode = profiles["mode"].astype(str).to_numpy()
    return mode != "virtual", mode != "physical"  # accepts physical, accepts virtual


def generate_history(
    rng: np.random.Generator, profiles: pd.DataFrame, encoding: PairEncoding, start: date
) -> pd.DataFrame:
    """Past decisions ``visitor_id, host_id, decided_on, outcome, mode``, oldest first."""
    role = profiles["role"].astype(str).to_numpy()
    visitors = np.flatnonzero(role == "visitor")
    hosts = np.flatnonzero(role == "host")
    m = round(DECISIONS_PER_VISITOR * len(visitors)) if len(hosts) else 0
    if m == 0:
        return _history_frame(profiles, np.zeros(0, int), np.zeros(0, int), [], [], [])

    visitor = visitors[rng.integers(len(visitors), size=m)]
    by_partnership = hosts[np.argsort(encoding.partnership[hosts], kind="stable")]
    counts = np.bincount(encoding.partnership[hosts], minlength=encoding.partnership.max() + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    own = encoding.partnership[visitor]
    pick = rng.random((m, CANDIDATES_OWN_PARTNERSHIP))
    own_candidates = by_partnership[
        np.minimum(
            starts[own][:, None] + np.floor(pick * counts[own][:, None]).astype(np.int64),
            len(hosts) - 1,
        )
    ]
    any_candidates = hosts[rng.integers(len(hosts), size=(m, CANDIDATES_ANY))]
    candidates = np.where(counts[own][:, None] > 0, own_candidates, any_candidates[:, :1])
    candidates = np.concatenate([candidates, any_candidates], axis=1)

    k = candidates.shape[1]
    pair_visitor, pair_host = np.repeat(visitor, k), candidates.ravel()
    features = encoding.features(pair_visitor, pair_host)
    plausibility = (
        encoding.share_language(pair_visitor, pair_host) * PROPOSER_WEIGHTS["share_language"]
    )
    for name in ("sector_overlap", "seek_offer_similarity", "exchange_type_overlap"):
        plausibility = (
            plausibility + features[:, HIDDEN_FEATURES.index(name)] * PROPOSER_WEIGHTS[name]
        )
    physical, virtual = _modes(profiles)
    possible = (encoding.country_code[pair_visitor] != encoding.country_code[pair_host]) & (
        (physical[pair_visitor] & physical[pair_host])
        | (virtual[pair_visitor] & virtual[pair_host])
    )
    gumbel = -np.log(-np.log(rng.random(m * k)))
    score = np.where(possible, plausibility + gumbel, -np.inf).reshape(m, k)
    chosen = score.argmax(axis=1)
    host = candidates[np.arange(m), chosen]
    found = np.isfinite(score[np.arange(m), chosen])

    logit = encoding.logit(visitor, host) + rng.normal(0.0, HIDDEN_NOISE_SD, size=m)
    accepted = rng.random(m) < sigmoid(logit)
    days_before = np.sort(rng.integers(1, HISTORY_DAYS + 1, size=m))[::-1]
    completed = rng.random(m) < COMPLETED_SHARE
    cancelled = rng.random(m) < CANCELLED_SHARE
    physical_pick = rng.random(m) < PHYSICAL_WHEN_EITHER

    both_physical = physical[visitor] & physical[host]
    both_virtual = virtual[visitor] & virtual[host]
    is_physical = both_physical & (~both_virtual | physical_pick)
    outcome = np.where(
        accepted,
        np.where(completed & (days_before > COMPLETED_AFTER_DAYS), "completed", "accepted"),
        np.where(cancelled, "cancelled", "rejected"),
    )
    pair_key = pd.DataFrame({"v": visitor, "h": np.where(found, host, -1 - np.arange(m))})
    keep = found & ~pair_key.duplicated().to_numpy()  # a pair is decided once
    # One physical exchange per visiting organisation: a later accepted physical exchange of
    # the same visitor becomes virtual where both accept that, else it never happened.
    positive_physical = keep & accepted & is_physical
    order = pd.Series(visitor).where(positive_physical)
    repeated = positive_physical & (order.groupby(order).cumcount().to_numpy() > 0)
    is_physical &= ~(repeated & both_virtual)
    keep &= ~(repeated & ~both_virtual)

    mode = np.where(is_physical, "physical", "virtual")
    decided_on = np.datetime64(start, "D") - days_before
    logger.debug(
        "history: %d decisions, %d kept, %d accepted", m, keep.sum(), (accepted & keep).sum()
    )
    return _history_frame(
        profiles, visitor[keep], host[keep], decided_on[keep], outcome[keep], mode[keep]
    )


def _history_frame(
    profiles: pd.DataFrame,
    visitor: np.ndarray,
    host: np.ndarray,
    decided_on: object,
    outcome: object,
    mode: object,
) -> pd.DataFrame:
    ids = profiles["profile_id"].astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "visitor_id": pd.Series(ids[visitor], dtype=str),
            "host_id": pd.Series(ids[host], dtype=str),
            "decided_on": pd.to_datetime(np.asarray(decided_on, dtype="datetime64[D]")).astype(
                "datetime64[ns]"
            ),
            "outcome": pd.Series(np.asarray(outcome, dtype=str), dtype=str),
            "mode": pd.Series(np.asarray(mode, dtype=str), dtype=str),
        }
    )
    return frame[list(HISTORY_COLUMNS)]


def generate_quotas(
    rng: np.random.Generator, profiles: pd.DataFrame, history: pd.DataFrame
) -> pd.DataFrame:
    """Per partnership and category: achieved so far + a binding but feasible remaining need."""
    present = set(profiles["partnership"].astype(str))
    partnerships = [spec.name for spec in PARTNERSHIPS if spec.name in present]
    partnerships += sorted(present - set(partnerships))
    category = profiles["org_type"].astype(str).map(org_category)
    visitor = profiles["role"] == "visitor"
    matchable = (profiles["status"] == "published") & profiles["validated"].astype(bool)
    eligible = (
        pd.crosstab(profiles.loc[visitor & matchable, "partnership"], category[visitor & matchable])
        .reindex(index=partnerships, columns=list(CATEGORIES), fill_value=0)
        .to_numpy()
    )
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES)]
    of_visitor = pd.DataFrame(
        {"partnership": profiles["partnership"].astype(str), "category": category}
    ).set_index(profiles["profile_id"].astype(str))
    achieved_rows = of_visitor.reindex(positive["visitor_id"].astype(str).to_numpy())
    achieved = (
        pd.crosstab(achieved_rows["partnership"], achieved_rows["category"])
        .reindex(index=partnerships, columns=list(CATEGORIES), fill_value=0)
        .to_numpy()
    )
    share = rng.uniform(*QUOTA_SHARE_OF_ELIGIBLE, size=eligible.shape)
    wanted = share * eligible
    host = (profiles["role"] == "host") & matchable
    capacity = int(profiles.loc[host, "capacity"].sum())
    scale = min(1.0, QUOTA_SHARE_OF_CAPACITY * capacity / wanted.sum()) if wanted.sum() > 0 else 0.0
    remaining = np.floor(wanted * scale + 0.5).astype(np.int64)
    total_remaining = np.minimum(
        np.floor(TOTAL_OVER_CATEGORIES * remaining.sum(axis=1) + 0.5).astype(np.int64),
        eligible.sum(axis=1),
    )
    rows = []
    for i, partnership in enumerate(partnerships):
        for j, name in enumerate(CATEGORIES):
            rows.append((partnership, name, int(achieved[i, j] + remaining[i, j])))
        rows.append((partnership, "total", int(achieved[i].sum() + total_remaining[i])))
    quotas = pd.DataFrame(rows, columns=["partnership", "category", "target"])
    quotas["target"] = quotas["target"].astype(np.int64)
    return quotas
