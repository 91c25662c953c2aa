"""Metrics of a score model: discrimination, calibration and ranking per visitor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

KS = (1, 3, 5)


def auc(label: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (nan when only one class is present)."""
    label = np.asarray(label)
    if len(np.unique(label)) < 2:
        return float("nan")
    return float(roc_auc_score(label, score))


def brier(label: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    return float(brier_score_loss(np.asarray(label), np.clip(probability, 0.0, 1.0)))


def calibration_error(label: np.ndarray, probability: np.ndarray, bins: int = 10) -> float:
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


def ranking(
    group: np.ndarray, score: np.ndarray, relevant: np.ndarray, ks: Sequence[int] = KS
) -> dict[str, float]:
    """hit@k and NDCG@k averaged over the groups (visitors) that have a relevant row.

    Rows are one group's candidates (e.g. hosts for a visitor), ranked by descending score,
    ties by position. hit@k: a relevant row is among the k first. NDCG@k: binary relevance,
    DCG = sum over the k first of rel / log2(rank + 1), over the best possible DCG."""
    group = np.asarray(group)
    score = np.asarray(score, dtype=np.float64)
    relevant = np.asarray(relevant, dtype=bool)
    order = np.lexsort((np.arange(len(group)), -score, group))
    group, relevant = group[order], relevant[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([])
    lengths = np.diff(np.r_[starts, len(group)]).astype(int)
    rank = np.arange(len(group)) - np.repeat(starts, lengths)  # 0-based
    group_index = np.repeat(np.arange(len(starts)), lengths)
    n_relevant = np.bincount(group_index, relevant, minlength=len(starts))
    scored = n_relevant > 0
    out: dict[str, float] = {"visitors": float(scored.sum())}
    gain = relevant / np.log2(rank + 2.0)
    for k in ks:
        top = rank < k
        hits = np.bincount(group_index, relevant & top, minlength=len(starts)) > 0
        dcg = np.bincount(group_index, np.where(top, gain, 0.0), minlength=len(starts))
        ideal_n = np.minimum(n_relevant, k).astype(int)
        ideal = np.cumsum(np.r_[0.0, 1.0 / np.log2(np.arange(k) + 2.0)])[ideal_n]
        with np.errstate(invalid="ignore", divide="ignore"):
            ndcg = np.where(scored, dcg / np.where(ideal > 0, ideal, 1.0), 0.0)
        denominator = max(int(scored.sum()), 1)
        out[f"hit@{k}"] = float(hits[scored].sum() / denominator)
        out[f"ndcg@{k}"] = float(ndcg[scored].sum() / denominator)
    return out
