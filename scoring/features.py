"""Explainable pair features, computed for whole blocks of pairs at once.

Every feature lies in [0, 1]. Preference features are 1 when the wish is met, 0 when it is
not, and 0.5 when the profile states no preference. Each is reciprocal where the domain
allows: the visitor's wishes about the host *and* the host's wishes about the visitor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from scoring.encoding import Vocabularies
from scoring.pairs import PairView, count, meets
from scoring.text import TextSimilarity

NEUTRAL = np.float32(0.5)


@dataclass(frozen=True)
class FeatureInputs:
    view: PairView
    overlap_days: np.ndarray  # working days the two availability windows share
    text: TextSimilarity
    vocab: Vocabularies


FeatureFn = Callable[[FeatureInputs], np.ndarray]


def _preference(targets: np.ndarray, candidate_bits: np.ndarray) -> np.ndarray:
    """1 if the candidate is among the targets, 0 if not, 0.5 if there are no targets."""
    stated = targets.any(axis=-1)
    return np.where(stated, meets(targets, candidate_bits).astype(np.float32), NEUTRAL)


def _wanted_sectors(side: object) -> np.ndarray:
    """The sectors a profile looks for: its target sectors, else its own sectors."""
    targets = side.target_sectors  # type: ignore[attr-defined]
    own = side.sectors  # type: ignore[attr-defined]
    return np.where(targets.any(axis=-1, keepdims=True), targets, own)


def sector_v2h(x: FeatureInputs) -> np.ndarray:
    return meets(_wanted_sectors(x.view.visitor), x.view.host.sectors)


def sector_h2v(x: FeatureInputs) -> np.ndarray:
    return meets(_wanted_sectors(x.view.host), x.view.visitor.sectors)


def same_section(x: FeatureInputs) -> np.ndarray:
    return meets(x.view.visitor.sections, x.view.host.sections)


def org_type_v2h(x: FeatureInputs) -> np.ndarray:
    return _preference(x.view.visitor.target_org_types, x.view.host.org_type_bit)


def org_type_h2v(x: FeatureInputs) -> np.ndarray:
    return _preference(x.view.host.target_org_types, x.view.visitor.org_type_bit)


def country_v2h(x: FeatureInputs) -> np.ndarray:
    return _preference(x.view.visitor.target_countries, x.view.host.country_bit)


def country_h2v(x: FeatureInputs) -> np.ndarray:
    return _preference(x.view.host.target_countries, x.view.visitor.country_bit)


def exchange_types(x: FeatureInputs) -> np.ndarray:
    wanted = x.view.visitor.exchange_types
    shared = count(wanted & x.view.host.exchange_types).astype(np.float32)
    return shared / np.maximum(count(wanted), 1).astype(np.float32)


def shared_language(x: FeatureInputs) -> np.ndarray:
    """A language in common other than English (a real working language between them)."""
    other = x.view.visitor.languages & ~x.vocab.english
    return meets(other, x.view.host.languages)


def english_only(x: FeatureInputs) -> np.ndarray:
    """English is the only language the two share."""
    common = x.view.visitor.languages & x.view.host.languages
    return ((common == x.vocab.english).all(axis=-1)) & common.any(axis=-1)


def availability(x: FeatureInputs) -> np.ndarray:
    """Shared working days relative to the longest stay both would take (capped at 1)."""
    longest = np.minimum(x.view.visitor.max_days, x.view.host.max_days).astype(np.float32)
    return np.minimum(x.overlap_days.astype(np.float32) / longest, np.float32(1))


def duration(x: FeatureInputs) -> np.ndarray:
    """Overlap of the two min..max duration ranges over their union (Jaccard)."""
    v, h = x.view.visitor, x.view.host
    inter = np.minimum(v.max_days, h.max_days) - np.maximum(v.min_days, h.min_days) + 1
    union = np.maximum(v.max_days, h.max_days) - np.minimum(v.min_days, h.min_days) + 1
    return np.maximum(inter, 0).astype(np.float32) / union.astype(np.float32)


def mode(x: FeatureInputs) -> np.ndarray:
    """Both explicitly want the mode of the exchange (1), or one of them is flexible (0.5)."""
    v, h = x.view.visitor, x.view.host
    explicit_v = v.physical ^ v.virtual
    explicit_h = h.physical ^ h.virtual
    both = explicit_v & explicit_h
    return np.where(both, np.float32(1), NEUTRAL)


def same_partnership(x: FeatureInputs) -> np.ndarray:
    return x.view.visitor.partnership == x.view.host.partnership


def text_seek_offer(x: FeatureInputs) -> np.ndarray:
    return x.text.seek_offer(x.view)


def text_offer_seek(x: FeatureInputs) -> np.ndarray:
    return x.text.offer_seek(x.view)


# name -> (function, one-line meaning). The order is the column order of feature matrices.
FEATURES: dict[str, tuple[FeatureFn, str]] = {
    "sector_v2h": (sector_v2h, "host works in a sector the visitor looks for (NACE division)"),
    "sector_h2v": (sector_h2v, "visitor works in a sector the host looks for (NACE division)"),
    "same_section": (same_section, "visitor and host share a NACE section"),
    "org_type_v2h": (org_type_v2h, "host is of an organisation type the visitor targets"),
    "org_type_h2v": (org_type_h2v, "visitor is of an organisation type the host targets"),
    "country_v2h": (country_v2h, "host is in a country the visitor targets"),
    "country_h2v": (country_h2v, "visitor is in a country the host targets"),
    "exchange_types": (exchange_types, "share of the visitor's exchange types the host offers"),
    "shared_language": (shared_language, "a common language other than English"),
    "english_only": (english_only, "English is the only shared language"),
    "availability": (availability, "shared working days relative to the longest stay both take"),
    "duration": (duration, "overlap of the min..max duration ranges"),
    "mode": (mode, "both explicitly want the same mode of exchange"),
    "same_partnership": (same_partnership, "visitor and host belong to the same partnership"),
    "text_seek_offer": (text_seek_offer, "TF-IDF similarity of visitor's seek to host's offer"),
    "text_offer_seek": (text_offer_seek, "TF-IDF similarity of visitor's offer to host's seek"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)


def compute_features(inputs: FeatureInputs) -> np.ndarray:
    """All features stacked on a last axis: shape view.shape + (n_features,), float32."""
    shape = inputs.view.shape
    out = np.empty((*shape, len(FEATURES)), dtype=np.float32)
    for column, (function, _meaning) in enumerate(FEATURES.values()):
        out[..., column] = np.broadcast_to(function(inputs), shape)
    return out
