"""Two numbers per pair, and the hand-set weights.

Every scorer the engine runs is a :class:`DescribedScorer`: a model compiled to lookup tables
(:class:`scoring.tabulated.AdditiveTables`), a note on where it came from, and tonight's
reference for percentiles. For each pair it gives

* ``p_accept``: the calibrated probability that the pair, once proposed, becomes an exchange.
  ``value = 100 x p_accept`` is what the solver adds up (the expected number of exchanges,
  x 100; the engine's penalties and bonuses are in these "score points") and what candidates
  are ranked by;
* ``score`` (:meth:`DescribedScorer.display_score`): the IT tool's 0-100 match score, defined
  as the pair's **percentile among tonight's eligible pairs** by ``p_accept`` (the share of a
  deterministic sample of them with a lower ``p_accept``, ties counted half). So the bands
  inform: green (>= 80) is tonight's top fifth of all possible pairs, orange (60-80) the next
  fifth, red the lower three fifths; and a higher score is always a likelier exchange.

:class:`LinearScore` is the transparent 0-100 score of explicit weights:
score = 100 * (sum_i w_i f_i - low) / (high - low), where low (high) is the sum of the
negative (positive) weights. Read as a chance (score / 100) it is ``p_accept`` only when there
are no decisions to calibrate it on (:mod:`scoring.calibration` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from scoring.features import DEFAULT_WEIGHTS, FEATURE_NAMES, NEUTRAL_VALUES
from scoring.planes import weighted_sum
from scoring.tabulated import AdditiveTables

__all__ = [
    "AcceptanceModel",
    "DescribedScorer",
    "LinearScore",
    "PairScorer",
    "weighted_sum",
]


class AcceptanceModel(Protocol):
    """A fitted model of P(accept): compiled tables and a description."""

    def tables(self) -> AdditiveTables: ...

    def describe(self) -> dict[str, Any]: ...


class PairScorer(Protocol):
    """What the engine needs of a score model (features are FEATURE_NAMES on the last axis)."""

    def value(self, features: np.ndarray) -> np.ndarray:
        """100 x p_accept, float32: the solver's pair value."""
        ...

    def p_accept(self, features: np.ndarray) -> np.ndarray:
        """The calibrated chance that the pair, proposed, becomes an exchange."""
        ...

    def display_score(self, p_accept: np.ndarray) -> np.ndarray:
        """The 0-100 score shown to reviewers (its bands are the IT tool's)."""
        ...

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature signed contribution to each pair's p_accept, in points (reasons)."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest says about the model."""
        ...


TIE = np.float32(2e-6)  # chances this close are one chance (ties count half)


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

    def tables(self) -> AdditiveTables:
        """The score / 100 as an (uncalibrated) probability."""
        low, scale = self._scale()
        return AdditiveTables.linear(
            -low * scale / 100, self.vector.astype(np.float64) * scale / 100, link="identity"
        )

    def describe(self) -> dict[str, Any]:
        return {"kind": "default weights", "weights": dict(self.weights)}


@dataclass(frozen=True, eq=False)
class DescribedScorer:
    """A model ready for a night: ``scorer`` (compiled once), a ``note`` on where it came
    from (merged into ``describe()``), and the ``reference``: the sorted ``p_accept`` of a
    sample of tonight's eligible pairs, for the percentile score (None: score = 100 x p)."""

    scorer: AcceptanceModel
    note: Mapping[str, Any] = field(default_factory=dict)
    reference: np.ndarray | None = None
    compiled: AdditiveTables = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", self.scorer.tables())
        if self.reference is not None:
            object.__setattr__(self, "reference", np.sort(np.asarray(self.reference, np.float32)))

    def with_reference(self, p_accept: np.ndarray) -> DescribedScorer:
        return replace(self, reference=np.asarray(p_accept, np.float32))

    def value(self, features: np.ndarray) -> np.ndarray:
        return self.compiled.value(features)

    def p_accept(self, features: np.ndarray) -> np.ndarray:
        return self.compiled.probability(features)

    def display_score(self, p_accept: np.ndarray) -> np.ndarray:
        p = np.asarray(p_accept, dtype=np.float32)
        if self.reference is None or len(self.reference) == 0:
            return np.asarray(100.0 * p, dtype=np.float64)
        # a pair's p_accept comes back from the solver's integer value (100 x p, float32): it
        # ties the reference's equal chances within TIE, not only bit for bit
        below = np.searchsorted(self.reference, p - TIE, side="left")
        at_most = np.searchsorted(self.reference, p + TIE, side="right")
        return np.asarray(50.0 * (below + at_most) / len(self.reference), dtype=np.float64)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Each feature's term minus its term at the feature's neutral value, in points of
        p_accept (linearised at the pair's p_accept for a logit model)."""
        features = np.asarray(features, dtype=np.float32)
        neutral = NEUTRAL_VALUES if features.shape[-1] == len(NEUTRAL_VALUES) else np.float32(0.5)
        tables = self.compiled
        change = tables.terms(features) - tables.terms(np.broadcast_to(neutral, features.shape))
        if tables.link == "identity":
            return np.asarray(change * np.float32(100))
        p = tables.probability(features)[..., None]
        return np.asarray(change * (np.float32(100) * p * (1 - p)))

    def describe(self) -> dict[str, Any]:
        described = {**self.scorer.describe(), **self.note}
        described["calibrated"] = self.compiled.link == "logit"
        described["score"] = (
            "percentile of p_accept among tonight's eligible pairs"
            if self.reference is not None
            else "100 x p_accept"
        )
        if self.reference is not None:
            described["percentile_reference_pairs"] = len(self.reference)
        return described

    def __repr__(self) -> str:  # short, for logs and manifests (describe() has the details)
        described = self.describe()
        return f"{described.get('kind', 'scorer')}: {described.get('source', '')}"
