"""Plain-word reasons for a proposal: what raised its score most, and what lowered it.

A scorer's ``contributions`` are signed, per feature, measured from each feature's neutral
value (:data:`scoring.features.NEUTRAL_VALUES`). The reasons of a pair are the three largest
positive contributions and the most negative one, each said with the pair's specifics:
"same sector (C29 Manufacture of motor vehicles)", "host wants technology centres", "only
shared language: English". Only proposals get reasons, so this runs per pair in Python.
"""

from __future__ import annotations

import numpy as np

from scoring import reason_phrases as rp
from scoring.features import FEATURE_NAMES, NEUTRAL_VALUES, FeatureInputs
from scoring.reason_phrases import PairDetails, Phrase, ReasonNames

MIN_CONTRIBUTION = 1e-6  # smaller contributions are no reason either way

PHRASES: dict[str, Phrase] = {
    "same_sector": rp.same_sector,
    "sector_v2h": rp.sector_v2h,
    "sector_h2v": rp.sector_h2v,
    "same_section": rp.same_section,
    "section_v2h": rp.section_v2h,
    "section_h2v": rp.section_h2v,
    "org_type_v2h": rp.org_type_v2h,
    "org_type_h2v": rp.org_type_h2v,
    "country_v2h": rp.country_v2h,
    "country_h2v": rp.country_h2v,
    "exchange_types": rp.exchange_types,
    "shared_language": rp.shared_language,
    "english_only": rp.english_only,
    "availability": rp.availability,
    "duration": rp.duration,
    "mode": rp.mode,
    "same_partnership": rp.same_partnership,
    "text_seek_offer": rp.text_seek_offer,
    "text_offer_seek": rp.text_offer_seek,
}
assert tuple(PHRASES) == FEATURE_NAMES


def reasons(
    contributions: np.ndarray,
    features: np.ndarray,
    inputs: FeatureInputs,
    names: ReasonNames | None = None,
    positive: int = 3,
) -> list[str]:
    """For aligned pairs: 'top 3 that raised the score; ... | but: the main one that lowered it'.

    ``contributions`` and ``features`` are (n_pairs, n_features); ``inputs`` are the
    features' inputs (an aligned pair view), used for the specifics of each phrase."""
    names = names or ReasonNames()
    contributions = np.asarray(contributions, dtype=np.float64)
    high = np.asarray(features) > NEUTRAL_VALUES
    out = []
    for i, row in enumerate(contributions):
        pair = PairDetails(inputs, i, names)
        order = np.argsort(-row, kind="stable")
        ups = [j for j in order[:positive] if row[j] > MIN_CONTRIBUTION]
        down = [j for j in order[::-1][:1] if row[j] < -MIN_CONTRIBUTION]
        said = [PHRASES[FEATURE_NAMES[j]](pair, bool(high[i, j])) for j in ups]
        text = "; ".join(said) if said else "no strong reason"
        if down:
            j = down[0]
            text += f" | but: {PHRASES[FEATURE_NAMES[j]](pair, bool(high[i, j]))}"
        out.append(text)
    return out
