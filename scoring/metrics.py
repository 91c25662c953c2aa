"""Metrics of an acceptance model on held-out decisions, with bootstrap intervals.

* **AUC**: does the model rank accepted pairs above rejected ones (0.5 = chance);
* **log-loss**: mean ``-log`` of the probability given to what happened (lower is better;
  the criterion that chooses a model, :mod:`scoring.evaluation`);
* **Brier score**: mean squared error of the probabilities;
* **calibration error** (ECE): ``|mean probability - share accepted|`` over 10 equal-width
  probability bins, weighted by the decisions in each bin.

:func:`bootstrap` gives each metric of several models on the same decisions a 95% interval,
and each model's difference to a reference model a *paired* interval: every resample draws
visitors with replacement (a visitor's decisions stay together) and scores every model on the
same draw, so the common noise of the test set cancels in the differences.

No ranking metric (hit@k, NDCG@k per visitor): on generated campaigns the generating model
itself scored the *lowest* hit@5, because the accepted pairs it ranks were chosen by past
proposers; a ranking metric measured that habit, not acceptance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.metrics import roc_auc_score

METRICS = ("auc", "log_loss", "brier", "calibration_error")
HIGHER_IS_BETTER = {"auc": True, "log_loss": False, "brier": False, "calibration_error": False}
BINS = 10
EPS = 1e-6  # probabilities are clipped to [EPS, 1 - EPS] for the log-loss


def auc(label: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (nan when only one class is present)."""
    label = np.asarray(label)
    if len(np.unique(label)) < 2:
        return float("nan")
    return float(roc_auc_score(label, score))


def log_loss(label: np.ndarray, probability: np.ndarray) -> float:
    p = np.clip(np.asarray(probability, dtype=np.float64), EPS, 1 - EPS)
    y = np.asarray(label, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def brier(label: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    return float(np.mean((p - np.asarray(label, dtype=np.float64)) ** 2))


def calibration_error(label: np.ndarray, probability: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: |mean probability - share of positives| over ``bins``
    equal-width probability bins, weighted by the rows in each bin."""
    label = np.asarray(label, dtype=np.float64)
    probability = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    if len(label) == 0:
        return float("nan")
    which = np.minimum((probability * bins).astype(int), bins - 1)
    predicted = np.bincount(which, probability, minlength=bins)
    observed = np.bincount(which, label, minlength=bins)
    return float(np.abs(predicted - observed).sum() / len(label))


def point_metrics(label: np.ndarray, probability: np.ndarray) -> dict[str, float]:
    return {
        "auc": auc(label, probability),
        "log_loss": log_loss(label, probability),
        "brier": brier(label, probability),
        "calibration_error": calibration_error(label, probability),
    }


# --- the same metrics for many resamples at once (rows weighted by their draw counts) -----


def _weighted_metrics(
    weights: np.ndarray, label: np.ndarray, probability: np.ndarray
) -> dict[str, np.ndarray]:
    """Each metric for each row of ``weights`` (resamples x decisions)."""
    y = label.astype(np.float64)
    p = np.clip(probability.astype(np.float64), EPS, 1 - EPS)
    total = weights.sum(axis=1)
    out = {
        "log_loss": weights @ -(y * np.log(p) + (1 - y) * np.log1p(-p)) / total,
        "brier": weights @ (p - y) ** 2 / total,
    }
    raw = np.clip(probability.astype(np.float64), 0.0, 1.0)
    which = np.minimum((raw * BINS).astype(int), BINS - 1)
    bins = sparse.csr_matrix((np.ones(len(y)), (np.arange(len(y)), which)), (len(y), BINS))
    predicted = np.asarray(weights @ bins.multiply(raw[:, None]).tocsr())
    observed = np.asarray(weights @ bins.multiply(y[:, None]).tocsr())
    out["calibration_error"] = np.abs(predicted - observed).sum(axis=1) / total
    # AUC: positives' weight x (negatives' weight below + half the tied ones), per resample
    _, level = np.unique(p, return_inverse=True)
    n_levels = int(level.max()) + 1 if len(level) else 0
    one_hot = sparse.csr_matrix((np.ones(len(y)), (np.arange(len(y)), level)), (len(y), n_levels))
    positive = np.asarray((weights * y) @ one_hot)
    negative = np.asarray((weights * (1 - y)) @ one_hot)
    below = np.cumsum(negative, axis=1) - negative
    pairs = positive.sum(axis=1) * negative.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["auc"] = (positive * (below + 0.5 * negative)).sum(axis=1) / pairs
    return out


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95% bootstrap interval."""

    value: float
    low: float
    high: float

    def as_dict(self, digits: int = 4) -> dict[str, float]:
        return {
            "value": round(self.value, digits),
            "low": round(self.low, digits),
            "high": round(self.high, digits),
        }

    def __str__(self) -> str:
        return f"{self.value:.4f} [{self.low:.4f}, {self.high:.4f}]"


@dataclass(frozen=True)
class Comparison:
    """Metrics of several models on the same decisions, ``metrics[model][metric]``, and paired
    differences ``differences["model - reference"][metric]``."""

    metrics: Mapping[str, Mapping[str, Interval]]
    differences: Mapping[str, Mapping[str, Interval]]
    decisions: int
    positives: int
    resamples: int

    def difference(self, model: str, reference: str, metric: str) -> Interval:
        return self.differences[f"{model} - {reference}"][metric]

    def as_dict(self) -> dict[str, object]:
        return {
            "decisions": self.decisions,
            "positives": self.positives,
            "resamples": self.resamples,
            "metrics": {
                model: {name: i.as_dict() for name, i in values.items()}
                for model, values in self.metrics.items()
            },
            "differences": {
                pair: {name: i.as_dict() for name, i in values.items()}
                for pair, values in self.differences.items()
            },
        }


def bootstrap(
    label: np.ndarray,
    probabilities: Mapping[str, np.ndarray],
    groups: np.ndarray,
    pairs: Sequence[tuple[str, str]] = (),
    *,
    resamples: int = 1000,
    seed: int = 0,
    chunk: int = 200,
) -> Comparison:
    """Point metrics of each model and 95% percentile intervals over ``resamples`` draws of
    the ``groups`` (e.g. visitors) with replacement, and for each (model, reference) in
    ``pairs`` the paired difference model - reference. Deterministic in ``seed``."""
    label = np.asarray(label)
    for pair in pairs:
        unknown = set(pair) - set(probabilities)
        if unknown:
            raise ValueError(f"{sorted(unknown)} are not among the models")
    _, group = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(group.max()) + 1 if len(group) else 0
    rng = np.random.default_rng(seed)
    draws: dict[str, dict[str, list[np.ndarray]]] = {
        m: {k: [] for k in METRICS} for m in probabilities
    }
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        counts = rng.multinomial(n_groups, np.full(n_groups, 1 / n_groups), size=size)
        weights = counts[:, group].astype(np.float64)
        for model, probability in probabilities.items():
            for name, values in _weighted_metrics(weights, label, np.asarray(probability)).items():
                draws[model][name].append(values)
    stacked = {m: {k: np.concatenate(v) for k, v in d.items()} for m, d in draws.items()}

    def interval(point: float, values: np.ndarray) -> Interval:
        low, high = np.nanpercentile(values, [2.5, 97.5]) if len(values) else (np.nan, np.nan)
        return Interval(float(point), float(low), float(high))

    points = {m: point_metrics(label, np.asarray(p)) for m, p in probabilities.items()}
    metrics = {
        m: {k: interval(points[m][k], stacked[m][k]) for k in METRICS} for m in probabilities
    }
    differences = {
        f"{m} - {r}": {
            k: interval(points[m][k] - points[r][k], stacked[m][k] - stacked[r][k]) for k in METRICS
        }
        for m, r in pairs
    }
    return Comparison(metrics, differences, len(label), int(np.sum(label)), resamples)
