"""The straightforward implementation: eligibility, the 19 pair features and the score of one
pair at a time, in plain Python (sets, dicts, floats). It is the baseline the vectorised
block loop's speed is compared with, and an independent check of its values.

Per-profile facts (sets of codes, working-day indices, TF-IDF vectors as dicts) are prepared
once, as any implementation would; the work per pair is Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.domain.contract import BLOCKING_OUTCOMES, POSITIVE_OUTCOMES, Campaign
from scoring.encoding import EPOCH
from scoring.features import FEATURE_NAMES
from scoring.text import TextSimilarity

ENGLISH = "en"


@dataclass
class Profile:
    profile_id: str
    org_type: str
    country: str
    partnership: str
    sectors: frozenset[str]
    target_sectors: frozenset[str]
    sections: frozenset[str]
    target_sections: frozenset[str]
    languages: frozenset[str]
    target_org_types: frozenset[str]
    target_countries: frozenset[str]
    exchange_types: frozenset[str]
    day_from: int  # working-day index of available_from
    day_to_excl: int  # working-day index of the day after available_to
    min_days: int
    max_days: int
    mode: str
    matchable: bool
    seek: dict[int, float]  # TF-IDF vector of the seek text (term -> weight)
    offer: dict[int, float]


def _vector(row: Any) -> dict[int, float]:
    return {int(term): float(weight) for term, weight in zip(row.indices, row.data, strict=True)}


def _column(matrix_t: np.ndarray, j: int) -> dict[int, float]:
    column = matrix_t[:, j]
    return {int(term): float(column[term]) for term in np.flatnonzero(column)}


def _working_day(date: Any) -> int:
    return int(np.busday_count(EPOCH, np.datetime64(date, "D")))


def _profiles(table: Any, seek: list[dict[int, float]], offer: list[dict[int, float]]) -> list:
    out = []
    for i, row in enumerate(table.itertuples(index=False)):
        out.append(
            Profile(
                profile_id=row.profile_id,
                org_type=row.org_type,
                country=row.country,
                partnership=row.partnership,
                sectors=frozenset(row.sectors),
                target_sectors=frozenset(row.target_sectors),
                sections=frozenset(code[0] for code in row.sectors),
                target_sections=frozenset(code[0] for code in row.target_sectors),
                languages=frozenset(row.languages),
                target_org_types=frozenset(row.target_org_types),
                target_countries=frozenset(row.target_countries),
                exchange_types=frozenset(row.exchange_types),
                day_from=_working_day(row.available_from),
                day_to_excl=_working_day(np.datetime64(row.available_to, "D") + 1),
                min_days=int(row.min_days),
                max_days=int(row.max_days),
                mode=row.mode,
                matchable=row.status == "published" and bool(row.validated),
                seek=seek[i],
                offer=offer[i],
            )
        )
    return out


class PerPairScorer:
    """Eligibility, features and score of single pairs, the plain way."""

    def __init__(self, campaign: Campaign, text: TextSimilarity, weights: Any, intercept: float):
        visitors = campaign.visitors.reset_index(drop=True)
        hosts = campaign.hosts.reset_index(drop=True)
        self.visitors = _profiles(
            visitors,
            [_vector(text.visitor_seek[i]) for i in range(len(visitors))],
            [_vector(text.visitor_offer[i]) for i in range(len(visitors))],
        )
        self.hosts = _profiles(
            hosts,
            [_column(text.host_seek_t, j) for j in range(len(hosts))],
            [_column(text.host_offer_t, j) for j in range(len(hosts))],
        )
        history = campaign.history
        self.blocked = {
            (v, h)
            for v, h, outcome in zip(
                history["visitor_id"], history["host_id"], history["outcome"], strict=True
            )
            if outcome in BLOCKING_OUTCOMES
        }
        used: dict[str, int] = {}
        for v, outcome, mode in zip(
            history["visitor_id"], history["outcome"], history["mode"], strict=True
        ):
            if outcome in POSITIVE_OUTCOMES and mode == "physical":
                used[v] = used.get(v, 0) + 1
        self.physical_used = used
        self.policy = campaign.policy
        self.weights = [float(w) for w in weights]
        self.intercept = float(intercept)

    def eligible(self, v: Profile, h: Profile) -> bool:
        policy = self.policy
        if not (v.matchable and h.matchable) or v.country == h.country:
            return False
        physical_left = self.physical_used.get(v.profile_id, 0) < policy.physical_visits_per_visitor
        physical = v.mode != "virtual" and h.mode != "virtual" and physical_left
        virtual = v.mode != "physical" and h.mode != "physical"
        if not (physical or virtual):
            return False
        stay = max(v.min_days, h.min_days, policy.min_days)
        longest = min(v.max_days, h.max_days, policy.max_days)
        overlap = min(v.day_to_excl, h.day_to_excl) - max(v.day_from, h.day_from)
        if stay > longest or overlap < stay:
            return False
        if policy.require_common_language and not (v.languages & h.languages):
            return False
        return (v.profile_id, h.profile_id) not in self.blocked

    def features(self, v: Profile, h: Profile) -> list[float]:
        def preference(targets: frozenset[str], own: frozenset[str]) -> float:
            if not targets:
                return 0.5
            return 1.0 if targets & own else 0.0

        def cosine(a: dict[int, float], b: dict[int, float]) -> float:
            return sum(weight * b[term] for term, weight in a.items() if term in b)

        common = v.languages & h.languages
        overlap = min(v.day_to_excl, h.day_to_excl) - max(v.day_from, h.day_from)
        longest = max(min(v.max_days, h.max_days), 1)
        inter = min(v.max_days, h.max_days) - max(v.min_days, h.min_days) + 1
        union = max(v.max_days, h.max_days) - min(v.min_days, h.min_days) + 1
        explicit = v.mode != "either" and h.mode != "either"
        values = {
            "same_sector": 1.0 if v.sectors & h.sectors else 0.0,
            "sector_v2h": preference(v.target_sectors, h.sectors),
            "sector_h2v": preference(h.target_sectors, v.sectors),
            "same_section": 1.0 if v.sections & h.sections else 0.0,
            "section_v2h": preference(v.target_sections, h.sections),
            "section_h2v": preference(h.target_sections, v.sections),
            "org_type_v2h": preference(v.target_org_types, frozenset([h.org_type])),
            "org_type_h2v": preference(h.target_org_types, frozenset([v.org_type])),
            "country_v2h": preference(v.target_countries, frozenset([h.country])),
            "country_h2v": preference(h.target_countries, frozenset([v.country])),
            "exchange_types": len(v.exchange_types & h.exchange_types)
            / max(len(v.exchange_types), 1),
            "shared_language": 1.0 if common - {ENGLISH} else 0.0,
            "english_only": 1.0 if common == {ENGLISH} else 0.0,
            "availability": min(max(overlap / longest, 0.0), 1.0),
            "duration": max(inter, 0) / union,
            "mode": 1.0 if explicit else 0.5,
            "same_partnership": 1.0 if v.partnership == h.partnership else 0.0,
            "text_seek_offer": cosine(v.seek, h.offer),
            "text_offer_seek": cosine(v.offer, h.seek),
        }
        return [values[name] for name in FEATURE_NAMES]

    def score(self, features: list[float]) -> float:
        logit = self.intercept + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 100.0 / (1.0 + math.exp(-logit))

    def pair(self, visitor: int, host: int) -> tuple[bool, list[float], float]:
        """(eligible, features, score) of the pair (visitor position, host position)."""
        v, h = self.visitors[visitor], self.hosts[host]
        features = self.features(v, h)
        return self.eligible(v, h), features, self.score(features)
