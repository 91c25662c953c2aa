"""Penalised logistic regression, Platt scaling and time weights: the numerical core shared by
the score models (:mod:`scoring.additive`, :mod:`scoring.calibration`).

Every fit is L-BFGS-B on one thread (the problems are small: tiny BLAS calls only cost when
threaded), from a fixed start, so the same rows give the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

Bounds = Sequence[tuple[float | None, float | None]]


@dataclass(frozen=True)
class LogisticFit:
    coef: np.ndarray
    intercept: float
    iterations: int


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    weight: np.ndarray,
    penalty: np.ndarray,
    centre: np.ndarray,
    *,
    bounds: Bounds | None = None,
    max_iter: int = 1000,
) -> LogisticFit:
    """argmin  sum_i w_i logloss(y_i, X_i b + b0) + 1/2 (b - centre)' P (b - centre),
    the intercept ``b0`` unpenalised; ``penalty`` P is a (p, p) matrix or a (p,) diagonal."""
    n_coef = X.shape[1]
    matrix = np.diag(penalty) if np.ndim(penalty) == 1 else np.asarray(penalty)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        beta, intercept = theta[:n_coef], theta[n_coef]
        z = X @ beta + intercept
        loss = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)))
        residual = weight * (expit(z) - y)
        pulled = matrix @ (beta - centre)
        grad = np.empty(n_coef + 1)
        grad[:n_coef] = X.T @ residual + pulled
        grad[n_coef] = residual.sum()
        return loss + 0.5 * float((beta - centre) @ pulled), grad

    start = np.append(centre, 0.0).astype(np.float64)
    if bounds is not None:
        low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        start[:n_coef] = np.clip(start[:n_coef], low, high)
    with threadpool_limits(1, user_api="blas"):
        result = optimize.minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=None if bounds is None else [*bounds, (None, None)],
            options={"maxiter": max_iter, "gtol": 1e-8, "ftol": 1e-13},
        )
    return LogisticFit(result.x[:n_coef].copy(), float(result.x[n_coef]), int(result.nit))


def platt(
    logit: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None
) -> tuple[float, float]:
    """Platt's sigmoid ``p = sigmoid(slope * logit + offset)`` fitted by (weighted) maximum
    likelihood; the slope is kept >= 0, so a calibration never reverses an order."""
    weight = np.ones(len(y)) if weight is None else np.asarray(weight, np.float64)
    fit = fit_logistic(
        np.asarray(logit, np.float64).reshape(-1, 1),
        np.asarray(y, np.float64),
        weight,
        np.zeros(1),
        np.zeros(1),
        bounds=[(0.0, None)],
    )
    return float(fit.coef[0]), fit.intercept


def time_weights(decided_on: np.ndarray, half_life_days: float) -> np.ndarray:
    """``0.5 ** (age / half_life_days)``, age in days before the newest decision: a decision
    a half-life older than the newest weighs half as much in a calibration."""
    days = np.asarray(decided_on, dtype="datetime64[D]").astype(np.int64)
    if len(days) == 0:
        return np.zeros(0)
    age = (days.max() - days).astype(np.float64)
    return np.asarray(0.5 ** (age / half_life_days))


def newest_rows(decided_on: np.ndarray | None, n: int, share: float) -> np.ndarray:
    """A mask of the newest ``share`` of ``n`` rows (by date; rows of one date stay on one
    side, and without dates, the last rows in their order)."""
    mask = np.zeros(n, dtype=bool)
    if n == 0:
        return mask
    if decided_on is None:
        mask[n - max(1, round(share * n)) :] = True
        return mask
    days = np.asarray(decided_on, dtype="datetime64[D]")
    cutoff = np.sort(days)[min(n - 1, int((1 - share) * n))]
    return np.asarray(days >= cutoff)
