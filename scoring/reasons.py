"""Plain-word reasons for a proposal: what raised its score most, and what lowered it.

A scorer's ``contributions`` are signed, per feature, measured from each feature's neutral
value (:data:`scoring.features.NEUTRAL_VALUES`). The reasons of a pair are the three largest
positive contributions and the most negative one, each said with the pair's specifics:
"same sector (C29 Manufacture of motor vehicles)", "host wants technology centres", "only
shared language: English". Only proposals get reasons, so this runs per pair in Python.
"""

from __future__ import annotations

import numpy as np

from scoring.features import NEUTRAL_VALUES, REGISTRY, FeatureInputs
from scoring.reason_phrases import PairDetails, ReasonNames

MIN_CONTRIBUTION = 1e-6  # smaller contributions are no reason either way


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
        said = [REGISTRY[j].phrase(pair, bool(high[i, j])) for j in ups]
        text = "; ".join(said) if said else "no strong reason"
        if down:
            j = down[0]
            text += f" | but: {REGISTRY[j].phrase(pair, bool(high[i, j]))}"
        out.append(text)
    return out
