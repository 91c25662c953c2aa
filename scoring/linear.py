"""A transparent 0-100 score: explicit weights over the pair features.

score = 100 * (sum_i w_i f_i - low) / (high - low), where low (high) is the sum of the
negative (positive) weights, so a pair with every positive feature at 1 and every negative
feature at 0 scores 100. The weights are a parameter; a learned model
(:class:`scoring.model.MatchScorer`) replaces them, and both serve the engine through the
:class:`PairScorer` protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from scoring.features import DEFAULT_WEIGHTS, FEATURE_NAMES, NEUTRAL_VALUES


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


def weighted_sum(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """features @ weights over the last axis, float32, fast for both layouts.

    Blocks from :func:`scoring.features.compute_features` are stored feature-major (the last
    axis has the largest stride); they are read as a (n_features, pairs) matrix, one BLAS
    call, without a copy."""
    weights = np.asarray(weights, dtype=np.float32)
    features = np.asarray(features)
    if features.ndim >= 2 and features.strides[-1] > features.itemsize:
        planes = np.moveaxis(features, -1, 0)
        if planes.flags.c_contiguous:
            flat = planes.reshape(len(weights), -1)
            return (weights @ flat).reshape(features.shape[:-1])
    return np.asarray(features @ weights, dtype=np.float32)


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

    def _scale(self) -> tuple[float, float]:
        w = self.vector
        low, high = float(w[w < 0].sum()), float(w[w > 0].sum())
        return low, 100.0 / max(high - low, 1e-9)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Scores 0-100 for a feature array whose last axis is FEATURE_NAMES."""
        low, scale = self._scale()
        raw = weighted_sum(features, self.vector)
        raw -= np.float32(low)
        raw *= np.float32(scale)
        return np.clip(raw, np.float32(0), np.float32(100), out=raw)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature contribution to the score (points), from each feature's neutral value."""
        _low, scale = self._scale()
        return (np.asarray(features) - NEUTRAL_VALUES) * self.vector * np.float32(scale)

    def describe(self) -> dict[str, Any]:
        return {"kind": "default weights", "weights": dict(self.weights)}


@dataclass(frozen=True)
class DescribedScorer:
    """A scorer with a note on where it came from (loaded file, trained tonight, ...)."""

    scorer: PairScorer
    note: Mapping[str, Any]

    def score(self, features: np.ndarray) -> np.ndarray:
        return self.scorer.score(features)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        return self.scorer.contributions(features)

    def describe(self) -> dict[str, Any]:
        return {**self.scorer.describe(), **self.note}

    def __repr__(self) -> str:  # short, for logs and manifests (describe() has the details)
        described = self.describe()
        return f"{described.get('kind', 'scorer')}: {described.get('source', '')}"
