"""Calibration on the newest decisions: the default weights made a probability, and any
model's probabilities moved to the recent acceptance rate.

Platt's sigmoid ``p = sigmoid(slope * z + offset)`` is fitted on the newest
``newest_share`` of the decisions (at least ``MIN_CLASS`` of each outcome, else on all of
them), each weighted ``0.5 ** (age / half_life_days)``. The learned models calibrate
themselves the same way inside ``fit`` (on out-of-time logits, :mod:`scoring.additive`); the
default weights need no fit, so :class:`CalibratedDefaults` is that calibration alone: the
baseline every learned model is compared with, and the score of a campaign with too few
decisions to learn from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from scoring.features import DEFAULT_WEIGHTS, FEATURE_NAMES
from scoring.logistic import fit_logistic, newest_rows, platt, time_weights
from scoring.tabulated import AdditiveTables

MIN_CLASS = 5  # decisions of each outcome a calibration needs
NEWEST_SHARE = 0.3
HALF_LIFE_DAYS = 45.0
FLAT_SLOPE = 1e-9  # a fitted slope at most this is no order at all
FLAT_SPREAD = 0.1  # ... then the logits' spread kept (per standard deviation of the model's)


def newest_platt(
    logit: np.ndarray,
    label: np.ndarray,
    decided_on: np.ndarray | None,
    newest_share: float = NEWEST_SHARE,
    half_life_days: float = HALF_LIFE_DAYS,
) -> tuple[float, float] | None:
    """(slope, offset) of Platt's sigmoid on the newest decisions, time-weighted; None when
    there are fewer than ``MIN_CLASS`` decisions of an outcome altogether."""
    label = np.asarray(label)
    rows = newest_rows(decided_on, len(label), newest_share)
    if np.bincount(label[rows].astype(int), minlength=2).min() < MIN_CLASS:
        rows = np.ones(len(label), dtype=bool)
        if np.bincount(label.astype(int), minlength=2).min() < MIN_CLASS:
            return None
    weight = (
        np.ones(int(rows.sum()))
        if decided_on is None
        else time_weights(np.asarray(decided_on)[rows], half_life_days)
    )
    slope, offset = platt(np.asarray(logit)[rows], smoothed(label[rows]), weight)
    if slope > FLAT_SLOPE:
        return slope, offset
    # the decisions show no order (the slope is kept >= 0): a slope of 0 would give every pair
    # one chance and erase the ranking (every score 50, every band red: the audit); keep the
    # model's order with hardly any spread (a tenth of a logit per standard deviation of the
    # model's own), at the decisions' acceptance rate
    spread = float(np.std(np.asarray(logit, np.float64)[rows]))
    slope = FLAT_SPREAD / spread if spread > 0 else 0.0
    shifted = fit_logistic(
        np.asarray(logit, np.float64)[rows].reshape(-1, 1),
        smoothed(label[rows]),
        weight,
        np.zeros(1),
        np.full(1, slope),
        bounds=[(slope, slope)],
    )
    return slope, shifted.intercept


def smoothed(label: np.ndarray) -> np.ndarray:
    """Platt's targets: (N+ + 1) / (N+ + 2) for an acceptance, 1 / (N- + 2) for a refusal,
    so that a calibration on few decisions never reads them as certain (the audit: the newest
    30% of 7 decisions, perfectly separated, gave a slope of 3 and p_accept 1.0000)."""
    label = np.asarray(label).astype(bool)
    positives, negatives = int(label.sum()), int((~label).sum())
    return np.where(label, (positives + 1) / (positives + 2), 1 / (negatives + 2))


def default_vector() -> np.ndarray:
    return np.array([DEFAULT_WEIGHTS[name] for name in FEATURE_NAMES], dtype=np.float64)


class CalibratedDefaults(ClassifierMixin, BaseEstimator):
    """The hand-set weights' sum ``z = features @ weights`` through Platt's sigmoid fitted on
    the newest decisions: P(accept) = sigmoid(slope * z + offset)."""

    def __init__(
        self,
        weights: Sequence[float] | None = None,
        newest_share: float = NEWEST_SHARE,
        half_life_days: float = HALF_LIFE_DAYS,
    ):
        self.weights = weights
        self.newest_share = newest_share
        self.half_life_days = half_life_days

    def _vector(self, n_features: int) -> np.ndarray:
        if self.weights is None:
            vector = default_vector()
        else:
            vector = np.asarray(self.weights, dtype=np.float64).reshape(-1)
        if vector.shape != (n_features,):
            raise ValueError(f"{len(vector)} weights for {n_features} features")
        return vector

    def fit(self, X: Any, y: Any, *, decided_on: Any = None) -> CalibratedDefaults:
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("CalibratedDefaults needs labels of exactly 2 classes")
        label = (y == self.classes_[1]).astype(int)
        self.vector_ = self._vector(X.shape[1])
        dates = None if decided_on is None else np.asarray(decided_on, dtype="datetime64[D]")
        found = newest_platt(X @ self.vector_, label, dates, self.newest_share, self.half_life_days)
        if found is None:
            raise ValueError(f"calibrating needs {MIN_CLASS} decisions of each outcome")
        self.calibration_ = found
        self.n_labelled_ = len(label)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        slope, offset = self.calibration_
        return np.asarray(slope * (X @ self.vector_) + offset)

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[(self.decision_function(X) > 0).astype(int)])

    def tables(self) -> AdditiveTables:
        check_is_fitted(self)
        slope, offset = self.calibration_
        return AdditiveTables.linear(offset, slope * self.vector_)

    def describe(self) -> dict[str, Any]:
        check_is_fitted(self)
        slope, offset = self.calibration_
        return {
            "kind": "default weights",
            "model": "the hand-set default weights, sigmoid-calibrated on the newest decisions",
            "family": "defaults",
            "weights": {
                n: round(float(slope * w), 6)
                for n, w in zip(FEATURE_NAMES, self.vector_, strict=False)
            },
            "intercept": round(offset, 6),
            "labelled_pairs": self.n_labelled_,
            "calibration": {
                "slope": round(slope, 6),
                "offset": round(offset, 6),
                "half_life_days": self.half_life_days,
                "newest_share": self.newest_share,
            },
        }


class _Model(Protocol):
    def tables(self) -> AdditiveTables: ...

    def describe(self) -> dict[str, Any]: ...


@dataclass(frozen=True, eq=False)
class Recalibrated:
    """A model whose probabilities are moved to the campaign's newest decisions: its logit
    through ``sigmoid(slope * logit + offset)`` (see :func:`newest_platt`)."""

    model: _Model
    slope: float
    offset: float
    decisions: int

    def tables(self) -> AdditiveTables:
        return self.model.tables().scaled(self.slope, self.offset)

    def describe(self) -> dict[str, Any]:
        return {
            **self.model.describe(),
            "recalibration": {
                "applied": True,
                "slope": round(self.slope, 6),
                "offset": round(self.offset, 6),
                "decisions": self.decisions,
            },
        }


def recalibrated(
    model: _Model,
    features: np.ndarray,
    label: np.ndarray,
    decided_on: np.ndarray,
    newest_share: float = NEWEST_SHARE,
    half_life_days: float = HALF_LIFE_DAYS,
) -> _Model:
    """``model`` recalibrated on the newest of these decisions, or ``model`` itself when it
    is not a logit model or there are too few decisions."""
    tables = model.tables()
    if tables.link != "logit" or len(label) == 0:
        return model
    found = newest_platt(tables.total(features), label, decided_on, newest_share, half_life_days)
    if found is None:
        return model
    return Recalibrated(model, found[0], found[1], len(label))
