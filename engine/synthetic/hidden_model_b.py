"""A second hidden acceptance model ("B"): a campaign whose acceptance the engine was not
designed around, to check that learning holds beyond the first generator.

The profiles and the past proposals are the project generator's (same seed, same pairs, same
dates); only the outcomes are drawn again, from

    logit_B(v, h) = HIDDEN_B_INTERCEPT + sum of the terms below + eps,
    eps ~ Normal(0, HIDDEN_B_NOISE_SD),   P(accept) = sigmoid(logit_B)

It depends on other features than model A (:mod:`engine.synthetic.hidden_model`) and in other
shapes: thresholds, saturation, a preference whose "no wish stated" is *not* between met and
unmet, and a partnership effect of the opposite sign.

=========================  ===================================================================
term                       contribution to the logit
=========================  ===================================================================
offer / seek themes        +1.6 x min(cosine / 0.3, 1): the visitor's *offer* against the host's
                           *seek* (model A: the other direction), saturating at a cosine of 0.3
availability               +0.9 when the availability windows share at least 60% of the
                           longest stay both would take (a step; model A: no term)
stay ranges                +1.0 x (overlap / union of the two min..max stay ranges) squared
visitor's target types     host of a targeted type +0.5; targets stated, host not one 0; no
                           target stated -0.4 (the undecided accept less)
visitor's target country   met +0.2; stated and unmet -1.0; none 0
same partnership           +0.5 (model A: -0.5)
languages                  another shared language than English +0.3, English only -0.3
exchange types             +0.7 only when the host offers *every* type the visitor asks for
same explicit mode         +0.5 when both profiles ask for the same mode, not "either"
same NACE division         +0.5 (model A: +1.6, and +0.8 for the section; here no section term)
=========================  ===================================================================

The outcomes keep the generator's rules: a pair is decided once, a visitor's later accepted
physical exchange becomes virtual where both accept that (else it never happened), accepted
exchanges older than 60 days are mostly ``completed``, and some rejections ``cancelled``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from engine.synthetic.generator import DEFAULT_START, GeneratedCampaign, generate_campaign
from engine.synthetic.hidden_model import PairEncoding, sigmoid
from engine.synthetic.history import generate_quotas

HIDDEN_B_INTERCEPT = -2.3
HIDDEN_B_NOISE_SD = 0.5
STREAM = 0xB  # the outcomes' random stream: numpy.random.default_rng((seed, STREAM))
COMPLETED_AFTER_DAYS, COMPLETED_SHARE, CANCELLED_SHARE = 60, 0.7, 0.15


def _meets(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.asarray(np.bitwise_and(left, right).any(axis=1))


def _count(packed: np.ndarray) -> np.ndarray:
    return np.asarray(np.bitwise_count(packed).sum(axis=1, dtype=np.int64))


class PairEncodingB:
    """Profiles encoded once for model B (rows are positions, ``iloc``)."""

    def __init__(self, profiles: pd.DataFrame) -> None:
        self.a = PairEncoding(profiles)
        self.mode = profiles["mode"].astype(str).to_numpy()
        self.min_days = profiles["min_days"].to_numpy(np.int64)
        self.max_days = profiles["max_days"].to_numpy(np.int64)
        self.first = pd.to_datetime(profiles["available_from"]).to_numpy().astype("datetime64[D]")
        self.last = pd.to_datetime(profiles["available_to"]).to_numpy().astype("datetime64[D]")

    def terms(self, v: np.ndarray, h: np.ndarray) -> dict[str, np.ndarray]:
        a = self.a
        offer, seek = a.offer_words[v], a.seek_words[h]
        norms = np.sqrt(_count(offer) * _count(seek))
        cosine = np.divide(
            _count(np.bitwise_and(offer, seek)), norms, out=np.zeros(len(v)), where=norms > 0
        )
        start = np.maximum(self.first[v], self.first[h])
        end = np.minimum(self.last[v], self.last[h]) + np.timedelta64(1, "D")
        days = np.where(end > start, np.busday_count(start, np.maximum(start, end)), 0)
        longest = np.maximum(np.minimum(self.max_days[v], self.max_days[h]), 1)
        inter = (
            np.minimum(self.max_days[v], self.max_days[h])
            - np.maximum(self.min_days[v], self.min_days[h])
            + 1
        )
        union = (
            np.maximum(self.max_days[v], self.max_days[h])
            - np.minimum(self.min_days[v], self.min_days[h])
            + 1
        )
        stay = np.clip(inter, 0, None) / union
        targets_types = a.target_org_types[v].any(axis=1)
        type_met = _meets(a.target_org_types[v], a.org_type[h])
        targets_country = a.target_countries[v].any(axis=1)
        country_met = _meets(a.target_countries[v], a.country[h])
        shared_other = _meets(a.non_english_languages[v], a.non_english_languages[h])
        english_only = ~shared_other & a.english[v] & a.english[h]
        asked = _count(a.exchange_types[v])
        offered = _count(np.bitwise_and(a.exchange_types[v], a.exchange_types[h]))
        return {
            "offer_seek": 1.6 * np.minimum(cosine / 0.3, 1.0),
            "availability": 0.9 * (days >= 0.6 * longest),
            "stay": 1.0 * stay**2,
            "target_types": np.where(targets_types, np.where(type_met, 0.5, 0.0), -0.4),
            "target_country": np.where(targets_country, np.where(country_met, 0.2, -1.0), 0.0),
            "same_partnership": 0.5 * (a.partnership[v] == a.partnership[h]),
            "languages": 0.3 * shared_other - 0.3 * english_only,
            "exchange_types": 0.7 * ((offered == asked) & (asked > 0)),
            "same_mode": 0.5 * ((self.mode[v] == self.mode[h]) & (self.mode[v] != "either")),
            "same_sector": 0.5 * _meets(a.sectors[v], a.sectors[h]),
        }

    def logit(self, visitor_idx: np.ndarray, host_idx: np.ndarray) -> np.ndarray:
        v = np.asarray(visitor_idx, dtype=np.int64)
        h = np.asarray(host_idx, dtype=np.int64)
        return np.asarray(HIDDEN_B_INTERCEPT + sum(self.terms(v, h).values()))


def hidden_b_probability(
    profiles: pd.DataFrame,
    visitor_idx: Sequence[int] | np.ndarray,
    host_idx: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Model B's noise-free P(accept) of the pairs of profile *positions* (``iloc``)."""
    encoding = PairEncodingB(profiles)
    return sigmoid(encoding.logit(np.asarray(visitor_idx), np.asarray(host_idx)))


def relabel(
    generated: GeneratedCampaign, seed: int, start: date = DEFAULT_START
) -> GeneratedCampaign:
    """The same campaign with every past outcome drawn again from model B."""
    profiles, history = generated.profiles, generated.history
    position = pd.Series(np.arange(len(profiles)), index=profiles["profile_id"].astype(str))
    v = position.loc[history["visitor_id"].astype(str)].to_numpy()
    h = position.loc[history["host_id"].astype(str)].to_numpy()
    rng = np.random.default_rng((seed, STREAM))
    logit = PairEncodingB(profiles).logit(v, h) + rng.normal(0.0, HIDDEN_B_NOISE_SD, len(v))
    accepted = rng.random(len(v)) < sigmoid(logit)
    completed = rng.random(len(v)) < COMPLETED_SHARE
    cancelled = rng.random(len(v)) < CANCELLED_SHARE
    age = np.datetime64(start, "D") - history["decided_on"].to_numpy().astype("datetime64[D]")
    old = age.astype(np.int64) > COMPLETED_AFTER_DAYS
    outcome = np.where(
        accepted,
        np.where(completed & old, "completed", "accepted"),
        np.where(cancelled, "cancelled", "rejected"),
    )
    mode = profiles["mode"].astype(str).to_numpy()
    both_virtual = (mode[v] != "physical") & (mode[h] != "physical")
    physical = accepted & (history["mode"].to_numpy() == "physical")
    order = pd.Series(v).where(physical)  # history is oldest first
    repeated = physical & (order.groupby(order).cumcount().to_numpy() > 0)
    new = history.assign(
        outcome=outcome,
        mode=np.where(repeated & both_virtual, "virtual", history["mode"].to_numpy()),
    )[~(repeated & ~both_virtual)].reset_index(drop=True)
    quotas = generate_quotas(profiles)
    return replace(generated, history=new, quotas=quotas)


def generate_campaign_b(n_visitors: int, n_hosts: int, seed: int) -> GeneratedCampaign:
    """``generate_campaign(n_visitors, n_hosts, seed)`` with model B's outcomes."""
    return relabel(generate_campaign(n_visitors, n_hosts, seed), seed)
