"""A transparent 0-100 score: explicit weights over the pair features.

score = 100 * (sum_i w_i f_i - low) / (high - low), where low (high) is the sum of the
negative (positive) weights, so a pair with every positive feature at 1 and every negative
feature at 0 scores 100. The weights are a parameter; a learned model replaces them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scoring.features import FEATURE_NAMES

DEFAULT_WEIGHTS: dict[str, float] = {
    "sector_v2h": 3.0,
    "sector_h2v": 2.0,
    "same_section": 1.0,
    "org_type_v2h": 1.5,
    "org_type_h2v": 1.0,
    "country_v2h": 1.0,
    "country_h2v": 0.5,
    "exchange_types": 1.0,
    "shared_language": 1.0,
    "english_only": -0.5,
    "availability": 0.5,
    "duration": 0.5,
    "mode": 0.25,
    "same_partnership": 0.0,
    "text_seek_offer": 2.0,
    "text_offer_seek": 1.0,
}


class PairScorer(Protocol):
    """What the engine needs of a score model (features are FEATURE_NAMES on the last axis)."""

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores 0-100."""
        ...

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature signed contribution to each score (for reasons)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest says about the model."""
        ...


@dataclass(frozen=True)
class LinearScore:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")

    @property
    def vector(self) -> np.ndarray:
        return np.array([self.weights.get(n, 0.0) for n in FEATURE_NAMES], dtype=np.float32)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores 0-100 for a feature array whose last axis is FEATURE_NAMES."""
        w = self.vector
        low, high = float(w[w < 0].sum()), float(w[w > 0].sum())
        raw = features @ w
        return np.clip((raw - low) * (100.0 / max(high - low, 1e-9)), 0.0, 100.0)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature contribution to the score relative to a neutral (0.5) feature value."""
        w = self.vector
        low, high = float(w[w < 0].sum()), float(w[w > 0].sum())
        return (features - 0.5) * w * (100.0 / max(high - low, 1e-9))

    def describe(self) -> dict[str, Any]:
        return {"kind": "default weights", "weights": dict(self.weights)}
