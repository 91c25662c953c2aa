"""Tonight's eligible pairs, sampled: the reference the 0-100 score is a percentile of."""

from __future__ import annotations

import numpy as np

from scoring.features import FEATURE_NAMES
from scoring.training import ScoringContext, pair_features

REFERENCE_PAIRS = 100_000  # eligible pairs in the reference (all of them when fewer)
ROUNDS = 4


def eligible_sample(
    scoring: ScoringContext, size: int = REFERENCE_PAIRS, seed: int = 0
) -> np.ndarray:
    """Features (n, F) of up to ``size`` eligible pairs of tonight: every eligible pair when
    the campaign has at most ``2 x size`` matchable pairs, else pairs drawn uniformly (with
    ``numpy.random.default_rng(seed)``) until ``size`` are eligible or ``ROUNDS`` draws."""
    encoded = scoring.encoded
    visitors = np.flatnonzero(encoded.visitors.matchable)
    hosts = np.flatnonzero(encoded.hosts.matchable)
    total = len(visitors) * len(hosts)
    if total == 0:
        return np.zeros((0, len(FEATURE_NAMES)), np.float32)
    if total <= 2 * size:
        v = np.repeat(visitors, len(hosts))
        h = np.tile(hosts, len(visitors))
        features, eligible = pair_features(scoring, v, h)
        return features[eligible]
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    have = 0
    for _round in range(ROUNDS):
        v = rng.choice(visitors, size=2 * size)
        h = rng.choice(hosts, size=2 * size)
        features, eligible = pair_features(scoring, v, h)
        found.append(features[eligible][: size - have])
        have += len(found[-1])
        if have >= size:
            break
    return np.concatenate(found)
