"""The additive acceptance model: one shape per feature, learned from labelled decisions.

    logit P(accept | pair proposed) = intercept + sum_j f_j(x_j),
    f_j(x) = w_j * x + sum_k b_jk * hat_jk(x)

Each shape is piecewise linear: a straight part ``w_j * x`` plus "hat" functions at the
feature's interior knots (1 at a knot, 0 at its neighbours), zero at the outer knots, so
``f_j(last knot) - f_j(first knot) = w_j * (last - first)``. Knots: the values a feature takes
when there are at most ``max_levels`` of them (0 / 0.5 / 1 for a preference, the shares of
exchange types), else the ``knot_quantiles`` of the training values (text similarity,
availability, duration). A binary feature has no interior knot: its shape *is* a line.

Fitted by penalised maximum likelihood (L-BFGS, one thread, deterministic):

* the straight parts are pulled towards the default weights scaled to log-odds (strength
  ``1 / C``), so a model learned from few decisions stays near the defaults (cold start);
* the hats are pulled towards zero by ``smoothness`` x the squared second differences of
  their values: a large smoothness gives straight lines, i.e. the linear model
  (``shapes=False`` is exactly that model);
* a sign constraint bounds the straight part's sign, i.e. the sign of ``f(1) - f(0)`` (a met
  wish against an unmet one), and leaves the shape in between free (where "no wish stated"
  lies, saturation, thresholds);
* ``excluded_features`` keep a zero shape (e.g. ``english_only`` where it is collinear with
  ``shared_language``, see :mod:`scoring.training`).

Then it is **calibrated on the newest decisions**: the same model fitted on the older
``1 - calibration_share`` of the rows predicts the newest ones, and Platt's sigmoid is fitted
on those out-of-time logits, each decision weighted ``0.5 ** (age / half_life_days)``; the
sigmoid is folded into the shapes. So the probabilities follow the acceptance rate of the
recent decisions, not the average of the whole history.

:meth:`AdditiveScorer.tables` compiles the model to lookup tables
(:class:`scoring.tabulated.AdditiveTables`): scoring is a matrix-vector product plus one table
lookup per shaped feature, and reasons stay per feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from scoring.features import fitted_feature_names
from scoring.logistic import Bounds, LogisticFit, fit_logistic, newest_rows, platt, time_weights
from scoring.tabulated import AdditiveTables

KNOT_QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
MIN_CALIBRATION_CLASS = 10  # rows of each outcome needed on both sides of the calibration split
RIDGE = 1e-6  # keeps every hat identified when a knot has no rows


def knots_of(
    values: np.ndarray,
    max_levels: int,
    quantiles: Sequence[float],
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """The knots of one feature's shape (sorted, distinct): its levels, or the weighted
    quantiles of its values (the smallest value whose share of the weight reaches q)."""
    weight = np.ones(len(values)) if weight is None else np.asarray(weight, np.float64)
    values = np.asarray(values, np.float64)[weight > 0]
    weight = weight[weight > 0]
    levels = np.unique(values)
    if len(levels) <= max_levels:
        return levels
    order = np.argsort(values, kind="stable")
    share = np.cumsum(weight[order]) / weight.sum()
    at = np.searchsorted(share, np.asarray(quantiles, np.float64) - 1e-12, side="left")
    return np.unique(values[order][np.clip(at, 0, len(values) - 1)])


def hats(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """(n, len(knots) - 2): the interior hat functions of ``knots`` at ``x``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros((len(x), max(len(knots) - 2, 0)))
    for k in range(1, len(knots) - 1):
        rise = (x - knots[k - 1]) / (knots[k] - knots[k - 1])
        fall = (knots[k + 1] - x) / (knots[k + 1] - knots[k])
        out[:, k - 1] = np.clip(np.minimum(rise, fall), 0.0, None)
    return out


def second_differences(n_hats: int) -> np.ndarray:
    """D with D @ b = second differences of the knot values (0, b_1, ..., b_n, 0)."""
    return (
        np.diag(np.full(n_hats, -2.0))
        + np.diag(np.ones(max(n_hats - 1, 0)), 1)
        + np.diag(np.ones(max(n_hats - 1, 0)), -1)
    )


class AdditiveScorer(ClassifierMixin, BaseEstimator):
    """Calibrated additive (GAM) logistic model on pair features; see the module doc.

    Parameters
    ----------
    C : inverse strength of the pull of the straight parts towards the scaled default weights.
    smoothness : strength of the pull of the shapes towards straight lines.
    shapes : False fits straight lines only (the linear model).
    prior_weights : the default weights (the straight parts' centre); None: zero.
    sign_constraints : per feature +1 (f(1) >= f(0)), -1 (<=) or 0 (free); None: all free.
    excluded_features : positions of features whose shape stays zero.
    max_levels : a feature with at most this many distinct values gets a knot at each.
    knot_quantiles : the knots of the other features, as quantiles of their training values.
    calibration_share : newest share of the rows the sigmoid calibration is fitted on (0: none).
    half_life_days : the calibration's time weights (see :func:`scoring.logistic.time_weights`).
    max_iter : L-BFGS iterations.
    feature_names : names of the columns (default: the engine's features when the width
        matches, else ``x0, x1, ...``).
    """

    def __init__(
        self,
        C: float = 1.0,
        smoothness: float = 10.0,
        shapes: bool = True,
        prior_weights: Sequence[float] | np.ndarray | None = None,
        sign_constraints: Sequence[int] | None = None,
        excluded_features: Sequence[int] | None = None,
        max_levels: int = 12,
        knot_quantiles: Sequence[float] = KNOT_QUANTILES,
        calibration_share: float = 0.3,
        half_life_days: float = 45.0,
        max_iter: int = 1000,
        feature_names: Sequence[str] | None = None,
    ):
        self.C = C
        self.smoothness = smoothness
        self.shapes = shapes
        self.prior_weights = prior_weights
        self.sign_constraints = sign_constraints
        self.excluded_features = excluded_features
        self.max_levels = max_levels
        self.knot_quantiles = knot_quantiles
        self.calibration_share = calibration_share
        self.half_life_days = half_life_days
        self.max_iter = max_iter
        self.feature_names = feature_names

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # --- fitting -------------------------------------------------------------------------

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, *, decided_on: Any = None
    ) -> AdditiveScorer:
        """Fit on labelled decisions; ``decided_on`` (dates, one per row) orders them for the
        calibration on the newest ones (without it, the rows' order is their age)."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        if self.C <= 0 or self.smoothness < 0:
            raise ValueError(
                f"C must be positive and smoothness >= 0, got {self.C}, {self.smoothness}"
            )
        target = type_of_target(y, input_name="y", raise_unknown=True)
        if target != "binary":
            raise ValueError(f"Only binary classification is supported; y is {target}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("AdditiveScorer needs labels of 2 classes; got 1 class")
        label = (y == self.classes_[1]).astype(np.float64)
        n, n_features = X.shape
        weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if weight.shape != (n,) or np.any(weight < 0) or not weight.sum() > 0:
            raise ValueError("sample_weight must be non-negative, one per row, not all zero")
        dates = None if decided_on is None else np.asarray(decided_on, dtype="datetime64[D]")
        if dates is not None and dates.shape != (n,):
            raise ValueError("decided_on must be one date per row")

        self.knots_ = [
            knots_of(X[:, j], self.max_levels, self.knot_quantiles, weight)
            if self.shapes
            else np.unique(X[weight > 0, j])[[0, -1]].astype(np.float64)
            for j in range(n_features)
        ]
        prior = self._prior(n_features)
        self.prior_scale_ = self._prior_scale(X, label, weight, prior)
        self.centre_ = self.prior_scale_ * prior
        base = self._fit_base(X, label, weight)
        slope, offset = self._calibrate(X, label, weight, dates, base)
        self.calibration_ = (slope, offset)
        self.calibrated_ = (slope, offset) != (1.0, 0.0)
        self.n_iter_ = np.array([base.iterations])
        self.coef_ = slope * base.coef[:n_features]
        self.shape_coef_ = [slope * b for b in self._split_hats(base.coef)]
        self.intercept_ = float(slope * base.intercept + offset)
        self.n_labelled_ = n
        self.n_positive_ = int(label.sum())
        self.feature_names_ = fitted_feature_names(self, n_features)
        return self

    def _prior(self, n_features: int) -> np.ndarray:
        if self.prior_weights is None:
            return np.zeros(n_features)
        prior = np.asarray(self.prior_weights, dtype=np.float64).reshape(-1)
        if prior.shape != (n_features,):
            raise ValueError(f"prior_weights has {len(prior)} weights for {n_features} features")
        return prior

    def _prior_scale(
        self, X: np.ndarray, label: np.ndarray, weight: np.ndarray, prior: np.ndarray
    ) -> float:
        """The non-negative factor that best turns the default weights into log-odds."""
        if not np.any(prior):
            return 0.0
        z = (X @ prior)[:, None]
        fit = fit_logistic(z, label, weight, np.zeros(1), np.zeros(1), bounds=[(0.0, None)])
        return float(fit.coef[0])

    def _design(self, X: np.ndarray) -> np.ndarray:
        columns = [X] + [hats(X[:, j], knots) for j, knots in enumerate(self.knots_)]
        return np.hstack(columns)

    def _split_hats(self, coef: np.ndarray) -> list[np.ndarray]:
        out, start = [], len(self.knots_)
        for knots in self.knots_:
            size = max(len(knots) - 2, 0)
            out.append(np.array(coef[start : start + size]))
            start += size
        return out

    def _penalty_and_bounds(self, n_features: int) -> tuple[np.ndarray, np.ndarray, Bounds]:
        sizes = [max(len(k) - 2, 0) for k in self.knots_]
        total = n_features + sum(sizes)
        penalty = np.zeros((total, total))
        penalty[:n_features, :n_features] = np.eye(n_features) / self.C
        centre = np.zeros(total)
        centre[:n_features] = self.centre_
        excluded = set(self.excluded_features or ())
        signs = self._signs(n_features)
        table = {1: (0.0, None), -1: (None, 0.0), 0: (None, None)}
        bounds: list[tuple[float | None, float | None]] = [
            (0.0, 0.0) if j in excluded else table[int(signs[j])] for j in range(n_features)
        ]
        start = n_features
        for j, size in enumerate(sizes):
            block = slice(start, start + size)
            D = second_differences(size)
            penalty[block, block] = self.smoothness * D.T @ D + RIDGE * np.eye(size)
            bounds += [(0.0, 0.0) if j in excluded else (None, None)] * size
            start += size
        return penalty, centre, bounds

    def _signs(self, n_features: int) -> np.ndarray:
        if self.sign_constraints is None:
            return np.zeros(n_features, dtype=int)
        signs = np.asarray(self.sign_constraints).reshape(-1)
        if signs.shape != (n_features,) or not np.isin(signs, (-1, 0, 1)).all():
            raise ValueError(f"sign_constraints must be {n_features} values in -1, 0, 1")
        return signs.astype(int)

    def _fit_base(self, X: np.ndarray, label: np.ndarray, weight: np.ndarray) -> Any:
        penalty, centre, bounds = self._penalty_and_bounds(X.shape[1])
        return fit_logistic(
            self._design(X), label, weight, penalty, centre, bounds=bounds, max_iter=self.max_iter
        )

    def _calibrate(
        self,
        X: np.ndarray,
        label: np.ndarray,
        weight: np.ndarray,
        dates: np.ndarray | None,
        base: LogisticFit,
    ) -> tuple[float, float]:
        """(slope, offset) for the full fit's logit: the slope of Platt's sigmoid on the
        out-of-time logits of the newest rows (how much a fit overstates its differences),
        then the offset that matches the full fit's probabilities to the newest rows (the
        recent acceptance rate); both time-weighted."""
        if self.calibration_share <= 0:
            return 1.0, 0.0
        newest = newest_rows(dates, len(label), self.calibration_share)
        older = ~newest
        for side in (newest, older):
            counts = np.bincount(label[side].astype(int), minlength=2)
            if counts.min() < MIN_CALIBRATION_CLASS:
                return 1.0, 0.0
        early = self._fit_base(X[older], label[older], weight[older])
        design = self._design(X[newest])
        aged = (
            weight[newest]
            if dates is None
            else weight[newest] * time_weights(dates[newest], self.half_life_days)
        )
        slope, _ = platt(design @ early.coef + early.intercept, label[newest], aged)
        full = slope * (design @ base.coef + base.intercept)
        shift = fit_logistic(
            full[:, None], label[newest], aged, np.zeros(1), np.ones(1), bounds=[(1.0, 1.0)]
        )
        return slope, shift.intercept

    # --- predictions -----------------------------------------------------------------------

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-odds of acceptance (exact, without the tables' grid)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        coef = np.concatenate([self.coef_, *self.shape_coef_])
        return np.asarray(self._design(X) @ coef + self.intercept_)

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        positive = self.decision_function(X) > 0
        return np.asarray(self.classes_[positive.astype(int)])

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """With only features: 100 x P(accept), float32 (through the tables). With ``y``:
        scikit-learn's mean accuracy."""
        if y is not None:
            return super().score(X, y, sample_weight=sample_weight)
        return self.tables().value(np.asarray(X, dtype=np.float32))

    # --- the compiled form -------------------------------------------------------------------

    def tables(self) -> AdditiveTables:
        """The compiled form (:mod:`scoring.tabulated`): exact hinges for shapes with few
        bends, lookup tables for the others."""
        check_is_fitted(self)
        values = [
            w * knots + np.concatenate([[0.0], b, [0.0]])[: len(knots)]
            for knots, w, b in zip(self.knots_, self.coef_, self.shape_coef_, strict=True)
        ]
        return AdditiveTables.from_shapes(self.intercept_, self.coef_, self.knots_, values)

    def shape_values(self) -> dict[str, dict[str, list[float]]]:
        """Each shape at its knots (log-odds, calibrated), for reports and model.json."""
        check_is_fitted(self)
        out = {}
        for name, knots, w, b in zip(
            self.feature_names_, self.knots_, self.coef_, self.shape_coef_, strict=True
        ):
            values = w * knots + np.concatenate([[0.0], b, [0.0]])[: len(knots)]
            out[name] = {
                "knots": [round(float(k), 4) for k in knots],
                "values": [round(float(v), 4) for v in values],
            }
        return out

    def describe(self) -> dict[str, Any]:
        check_is_fitted(self)
        kind = "additive (one shape per feature)" if self.shapes else "linear"
        return {
            "kind": "learned",
            "model": f"{kind} logistic model of acceptance, shrunk towards the default weights, "
            + (
                "sigmoid-calibrated on the newest decisions"
                if self.calibrated_
                else "not calibrated"
            ),
            "family": "additive" if self.shapes else "linear",
            "weights": {
                n: round(float(w), 6) for n, w in zip(self.feature_names_, self.coef_, strict=True)
            },
            "shaped_features": [
                n for n, b in zip(self.feature_names_, self.shape_coef_, strict=True) if np.any(b)
            ],
            "intercept": round(self.intercept_, 6),
            "labelled_pairs": self.n_labelled_,
            "positive_pairs": self.n_positive_,
            "prior_scale": round(self.prior_scale_, 6),
            "calibration": {
                "slope": round(self.calibration_[0], 6),
                "offset": round(self.calibration_[1], 6),
                "half_life_days": self.half_life_days,
                "newest_share": self.calibration_share,
            },
            "parameters": {"C": self.C, "smoothness": self.smoothness, "shapes": self.shapes},
        }
