"""The first learned score (kept so that model files saved with it still load and score the
same; new models are :class:`scoring.additive.AdditiveScorer`): P(a proposed pair is
accepted), from the pair features.

:class:`MatchScorer` is a scikit-learn estimator (``__init__`` stores parameters, ``fit``
returns ``self``, learned attributes end in ``_``) and a :class:`scoring.linear.PairScorer`
(``score(features)`` is 0-100, ``contributions``, ``describe``), so the engine uses it like
the default weights. It is fitted in four steps:

1. **Centre.** The default weights, scaled by a factor fitted on the data (a one-parameter
   logistic regression on the default score), are the centre the weights are shrunk towards.
2. **L2 logistic regression** of the labels on the features: minimise
   ``C * sum_i w_i * logloss_i + 1/2 * ||beta - centre||^2`` (L-BFGS). The loss is a sum, so
   the data outweigh the centre as labels accumulate; with few labels (a *cold start*) the
   weights stay near the scaled defaults.
3. **Prior correction.** Rows flagged ``sampled`` are never-proposed eligible pairs used as
   extra negatives, down-weighted by ``sampled_weight``. They make the fitted odds of
   acceptance too low by the factor ``W_neg / (W_neg + W_sampled)`` (labelled negatives'
   weight over all negatives' weight); the intercept is corrected by its logarithm (King and
   Zeng's prior correction), so probabilities refer to *proposed* pairs again.
4. **Sigmoid calibration** (Platt): ``p = sigmoid(a * z + c)`` with ``a, c`` fitted on
   out-of-fold logits of the labelled rows (folds grouped by ``groups``, e.g. visitor).

Everything is linear in the end: ``logit = features @ coef_ + intercept_``, and
``score = 100 * sigmoid(logit)``, a calibrated acceptance chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from scoring.features import NEUTRAL_VALUES, fitted_feature_names
from scoring.planes import weighted_sum
from scoring.tabulated import AdditiveTables


def _fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    C: float,
    centre: np.ndarray,
    *,
    max_iter: int,
    bounds: Sequence[tuple[float | None, float | None]] | None = None,
) -> tuple[np.ndarray, float, int]:
    """argmin C * sum w * logloss(y, X b + b0) + 1/2 ||b - centre||^2 (b0 unpenalised);
    returns (b, b0, L-BFGS iterations)."""
    n_features = X.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, intercept = theta[:n_features], theta[n_features]
        z = X @ beta + intercept
        loss = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)))
        residual = weight * (expit(z) - y)
        diff = beta - centre
        value = C * loss + 0.5 * float(diff @ diff)
        grad = np.empty(n_features + 1)
        grad[:n_features] = C * (X.T @ residual) + diff
        grad[n_features] = C * residual.sum()
        return value, grad

    start = np.append(centre, 0.0)
    if bounds is not None:
        low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        start[:n_features] = np.clip(start[:n_features], low, high)
    with threadpool_limits(1, user_api="blas"):  # tiny BLAS calls: threads only cost here
        result = optimize.minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=None if bounds is None else [*bounds, (None, None)],
            options={"maxiter": max_iter, "gtol": 1e-8},
        )
    return result.x[:n_features], float(result.x[n_features]), int(result.nit)


class MatchScorer(ClassifierMixin, BaseEstimator):
    """Calibrated L2 logistic regression on pair features; score = 100 x P(accepted).

    Parameters
    ----------
    C : inverse strength of the pull towards the centre (see the module doc).
    prior_weights : the centre's direction, one weight per feature (the default weights);
        None centres on zero (plain ridge).
    sign_constraints : per feature, +1 (weight >= 0), -1 (<= 0) or 0 (free); None: all free.
        A feature known to help (or hurt) keeps its sign, so noise cannot make, e.g., a
        wide availability overlap lower a score.
    sampled_weight : weight of each ``sampled`` (never-proposed) negative row.
    calibration_folds : folds for the out-of-fold logits of the sigmoid calibration; it is
        skipped (``calibrated_`` False) when a class has fewer labelled rows than 2 x folds.
    cold_start_below : fewer labelled rows than this is a cold start (said in describe()).
    max_iter : L-BFGS iterations.
    random_state : seed of the fold assignment.
    feature_names : names of the columns, for describe(); default: the engine's features
        when the width matches, else ``x0, x1, ...`` (or the DataFrame's columns).
    """

    def __init__(
        self,
        C: float = 1.0,
        prior_weights: Sequence[float] | np.ndarray | None = None,
        sign_constraints: Sequence[int] | None = None,
        sampled_weight: float = 0.2,
        calibration_folds: int = 5,
        cold_start_below: int = 200,
        max_iter: int = 500,
        random_state: int | None = None,
        feature_names: Sequence[str] | None = None,
    ):
        self.C = C
        self.prior_weights = prior_weights
        self.sign_constraints = sign_constraints
        self.sampled_weight = sampled_weight
        self.calibration_folds = calibration_folds
        self.cold_start_below = cold_start_below
        self.max_iter = max_iter
        self.random_state = random_state
        self.feature_names = feature_names

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # --- fitting -------------------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        sampled: Any = None,
        groups: Any = None,
    ) -> MatchScorer:
        """Fit on labelled rows (and ``sampled`` never-proposed rows, which must be negative).

        ``groups`` (e.g. visitor ids) keeps each group in one calibration fold."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        if self.C <= 0:
            raise ValueError(f"C must be positive, got {self.C}")
        target = type_of_target(y, input_name="y", raise_unknown=True)
        if target != "binary":
            raise ValueError(f"Only binary classification is supported; y is {target}")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("MatchScorer needs labels of 2 classes; got 1 class")
        label = (y == self.classes_[1]).astype(np.float64)
        n = len(label)
        weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if weight.shape != (n,) or np.any(weight < 0) or not weight.sum() > 0:
            raise ValueError("sample_weight must be non-negative, one per row, not all zero")
        is_sampled = np.zeros(n, bool) if sampled is None else np.asarray(sampled, bool)
        if is_sampled.shape != (n,):
            raise ValueError("sampled must be one flag per row")
        if np.any(label[is_sampled] == 1):
            raise ValueError("sampled (never-proposed) rows must be negatives")
        weight = np.where(is_sampled, weight * self.sampled_weight, weight)

        prior = self._prior_direction(X.shape[1])
        self.prior_scale_ = self._fit_prior_scale(X, label, weight, prior)
        self.centre_ = self.prior_scale_ * prior
        self.bounds_ = self._bounds(X.shape[1])
        self.base_coef_, base_intercept, iterations = _fit_logistic(
            X, label, weight, self.C, self.centre_, max_iter=self.max_iter, bounds=self.bounds_
        )
        self.n_iter_ = np.array([iterations])
        self.prior_correction_ = _prior_correction(label, weight, is_sampled)
        self.base_intercept_ = base_intercept + self.prior_correction_

        labelled = ~is_sampled
        self.n_labelled_ = int(labelled.sum())
        self.n_sampled_ = int(is_sampled.sum())
        self.n_positive_ = int(label[labelled].sum())
        slope, offset = self._calibrate(X, label, weight, is_sampled, groups)
        self.calibration_ = (slope, offset)
        self.calibrated_ = (slope, offset) != (1.0, 0.0)
        self.coef_ = slope * self.base_coef_
        self.intercept_ = float(slope * self.base_intercept_ + offset)
        self.feature_names_ = fitted_feature_names(self, X.shape[1])
        return self

    def _bounds(self, n_features: int) -> list[tuple[float | None, float | None]] | None:
        if self.sign_constraints is None:
            return None
        signs = np.asarray(self.sign_constraints).reshape(-1)
        if signs.shape != (n_features,) or not np.isin(signs, (-1, 0, 1)).all():
            raise ValueError(f"sign_constraints must be {n_features} values in -1, 0, 1")
        table: dict[int, tuple[float | None, float | None]] = {
            1: (0.0, None),
            -1: (None, 0.0),
            0: (None, None),
        }
        return [table[int(sign)] for sign in signs]

    def _prior_direction(self, n_features: int) -> np.ndarray:
        if self.prior_weights is None:
            return np.zeros(n_features)
        prior = np.asarray(self.prior_weights, dtype=np.float64).reshape(-1)
        if prior.shape != (n_features,):
            raise ValueError(f"prior_weights has {len(prior)} weights for {n_features} features")
        return prior

    def _fit_prior_scale(
        self, X: np.ndarray, label: np.ndarray, weight: np.ndarray, prior: np.ndarray
    ) -> float:
        """The non-negative factor that best turns the default weights into log-odds."""
        if not np.any(prior):
            return 0.0
        z = (X @ prior)[:, None]
        scale, _, _ = _fit_logistic(
            z, label, weight, 1e6, np.zeros(1), max_iter=self.max_iter, bounds=[(0.0, None)]
        )
        return float(scale[0])

    def _calibrate(
        self,
        X: np.ndarray,
        label: np.ndarray,
        weight: np.ndarray,
        is_sampled: np.ndarray,
        groups: Any,
    ) -> tuple[float, float]:
        """Platt's sigmoid on out-of-fold corrected logits of the labelled rows."""
        folds = self.calibration_folds
        labelled = ~is_sampled
        counts = np.bincount(label[labelled].astype(int), minlength=2)
        if folds < 2 or counts.min() < 2 * folds:
            return 1.0, 0.0
        fold = _fold_of_rows(len(label), folds, groups, self.random_state)
        out_of_fold = np.empty(len(label))
        for k in range(folds):
            held = fold == k
            train = ~held
            if len(np.unique(label[train & labelled])) < 2:
                return 1.0, 0.0
            coef, intercept, _ = _fit_logistic(
                X[train],
                label[train],
                weight[train],
                self.C,
                self.centre_,
                max_iter=self.max_iter,
                bounds=self.bounds_,
            )
            intercept += _prior_correction(label[train], weight[train], is_sampled[train])
            out_of_fold[held] = X[held] @ coef + intercept
        rows = labelled
        slope, offset, _ = _fit_logistic(
            out_of_fold[rows][:, None],
            label[rows],
            weight[rows],
            1e6,
            np.zeros(1),
            max_iter=self.max_iter,
            bounds=[(0.0, None)],  # a calibration keeps the order of the scores
        )
        return float(slope[0]), offset

    # --- scikit-learn predictions ----------------------------------------------------------

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-odds of acceptance."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_ + self.intercept_)

    def predict_proba(self, X: Any) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        positive = self.decision_function(X) > 0
        return np.asarray(self.classes_[positive.astype(int)])

    # --- the engine's PairScorer -----------------------------------------------------------

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> Any:
        """With only features (last axis = features, any leading shape): scores 0-100, i.e.
        100 x calibrated P(accepted), float32. With ``y``: scikit-learn's mean accuracy."""
        if y is not None:
            return super().score(X, y, sample_weight=sample_weight)
        check_is_fitted(self)
        # 100 * sigmoid(z) = 50 + 50 * tanh(z / 2): numpy's tanh is vectorised, expit is not
        half = weighted_sum(X, (0.5 * self.coef_).astype(np.float32))
        half += np.float32(0.5 * self.intercept_)
        np.tanh(half, out=half)
        half *= np.float32(50)
        half += np.float32(50)
        return half

    def tables(self) -> AdditiveTables:
        """The compiled form the engine scores with (a linear model: no lookups)."""
        check_is_fitted(self)
        return AdditiveTables.linear(self.intercept_, self.coef_)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """Per-feature change of the score (points, linearised at the pair's score) from
        each feature's neutral value."""
        check_is_fitted(self)
        features = np.asarray(features, dtype=np.float32)
        p = self.score(features)[..., None] / np.float32(100)
        neutral = NEUTRAL_VALUES if features.shape[-1] == len(NEUTRAL_VALUES) else np.float32(0.5)
        slope = np.float32(100) * p * (1 - p)
        return (features - neutral) * self.coef_.astype(np.float32) * slope

    def describe(self) -> dict[str, Any]:
        check_is_fitted(self)
        return {
            "kind": "learned",
            "model": "L2 logistic regression shrunk towards the default weights, "
            + ("sigmoid-calibrated" if self.calibrated_ else "not calibrated (too few labels)"),
            "weights": {
                n: round(float(w), 6) for n, w in zip(self.feature_names_, self.coef_, strict=True)
            },
            "intercept": round(self.intercept_, 6),
            "labelled_pairs": self.n_labelled_,
            "positive_pairs": self.n_positive_,
            "sampled_pairs": self.n_sampled_,
            "cold_start": self.n_labelled_ < self.cold_start_below,
            "prior_scale": round(self.prior_scale_, 6),
            "prior_correction": round(self.prior_correction_, 6),
            "calibration": {
                "slope": round(self.calibration_[0], 6),
                "offset": round(self.calibration_[1], 6),
            },
            "parameters": {
                "C": self.C,
                "sampled_weight": self.sampled_weight,
                "calibration_folds": self.calibration_folds,
                "random_state": self.random_state,
            },
        }


def _prior_correction(label: np.ndarray, weight: np.ndarray, is_sampled: np.ndarray) -> float:
    """log((W_neg + W_sampled) / W_neg): added to the intercept fitted with sampled negatives."""
    negative = float(weight[(label == 0) & ~is_sampled].sum())
    sampled = float(weight[is_sampled].sum())
    if sampled == 0 or negative == 0:
        return 0.0
    return float(np.log((negative + sampled) / negative))


def _fold_of_rows(n: int, folds: int, groups: Any, random_state: int | None) -> np.ndarray:
    """Fold of each row: whole groups go to one fold (shuffled with the seed)."""
    rng = np.random.default_rng(random_state)
    if groups is None:
        return rng.permutation(n) % folds
    _, group_index = np.unique(np.asarray(groups), return_inverse=True)
    group_fold = rng.permutation(group_index.max() + 1) % folds
    return np.asarray(group_fold[group_index])
