"""Held-out metrics and their bootstrap intervals, checked against plain formulas."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from scoring.metrics import _weighted_metrics, bootstrap, calibration_error, point_metrics


def sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    y = (rng.random(n) < p).astype(int)
    noisy = np.clip(p + rng.normal(0, 0.25, n), 0.01, 0.99)
    return y, p, noisy


def test_point_metrics_are_the_usual_ones():
    y, p, _ = sample(2000, 0)
    found = point_metrics(y, p)
    assert found["auc"] == pytest.approx(roc_auc_score(y, p))
    assert found["log_loss"] == pytest.approx(log_loss(y, p))
    assert found["brier"] == pytest.approx(brier_score_loss(y, p))
    # ECE: bin [0.5, 0.6) holds 0.51 and 0.59, one positive; bin [0, 0.1) holds 0.05, negative
    ece = calibration_error(np.array([1, 0, 0]), np.array([0.51, 0.59, 0.05]))
    assert ece == pytest.approx((abs(1.1 - 1) + 0.05) / 3)


def test_weighted_metrics_with_counts_equal_repeated_rows_ties_included():
    y, p, _ = sample(300, 1)
    p = np.round(p, 1)  # many ties
    counts = np.random.default_rng(2).integers(0, 4, len(y))
    repeated = np.repeat(np.arange(len(y)), counts)
    weighted = _weighted_metrics(counts[None, :].astype(float), y, p)
    plain = point_metrics(y[repeated], p[repeated])
    for name, values in weighted.items():
        assert values[0] == pytest.approx(plain[name], rel=1e-9), name


def test_bootstrap_intervals_and_paired_differences():
    y, p, noisy = sample(3000, 3)
    groups = np.arange(len(y)) // 2
    comparison = bootstrap(y, {"truth": p, "noisy": noisy}, groups, [("noisy", "truth")],
                           resamples=400, seed=0)  # fmt: skip
    for name in ("truth", "noisy"):
        for metric in ("auc", "log_loss", "brier"):
            i = comparison.metrics[name][metric]
            assert i.low <= i.value <= i.high
    worse = comparison.difference("noisy", "truth", "log_loss")
    assert worse.low > 0  # the noisy probabilities are worse beyond the interval
    plain = comparison.metrics["noisy"]["log_loss"]
    assert worse.high - worse.low < plain.high - plain.low  # pairing removes shared noise
    again = bootstrap(y, {"truth": p, "noisy": noisy}, groups, [("noisy", "truth")],
                      resamples=400, seed=0)  # fmt: skip
    assert again.as_dict() == comparison.as_dict()
    with pytest.raises(ValueError, match="not among"):
        bootstrap(y, {"truth": p}, groups, [("noisy", "truth")])
