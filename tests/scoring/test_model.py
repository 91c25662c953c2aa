"""MatchScorer: a scikit-learn estimator that recovers known weights, corrects for sampled
negatives, shrinks towards its prior with few labels, and serves the engine as a PairScorer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from sklearn.utils.estimator_checks import parametrize_with_checks

from scoring.features import FEATURE_NAMES
from scoring.linear import LinearScore
from scoring.metrics import calibration_error
from scoring.model import MatchScorer

TRUE_COEF = np.array([2.0, -1.0, 0.5, 0.0])
TRUE_INTERCEPT = -1.0


@parametrize_with_checks([MatchScorer(random_state=0)])
def test_scikit_learn_conventions(estimator, check):
    check(estimator)


def logistic_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, len(TRUE_COEF)))
    y = (rng.random(n) < expit(X @ TRUE_COEF + TRUE_INTERCEPT)).astype(int)
    return X, y


def test_recovers_the_weights_that_made_the_labels():
    X, y = logistic_data(40_000, 1)
    model = MatchScorer(C=100.0, calibration_folds=0).fit(X, y)
    np.testing.assert_allclose(model.coef_, TRUE_COEF, atol=0.12)
    assert model.intercept_ == pytest.approx(TRUE_INTERCEPT, abs=0.1)


def test_calibrated_probabilities_match_observed_rates():
    X, y = logistic_data(20_000, 2)
    model = MatchScorer(random_state=0).fit(X, y)
    X_new, y_new = logistic_data(20_000, 3)
    p = model.predict_proba(X_new)[:, 1]
    assert calibration_error(y_new, p) < 0.02
    assert model.calibrated_


def test_prior_correction_undoes_the_sampled_negatives():
    X, y = logistic_data(30_000, 4)
    rng = np.random.default_rng(5)
    negatives = np.flatnonzero(y == 0)
    extra = rng.choice(negatives, size=2 * len(negatives))  # case-control: more negatives
    X_all = np.vstack([X, X[extra]])
    y_all = np.r_[y, np.zeros(len(extra), int)]
    sampled = np.r_[np.zeros(len(y), bool), np.ones(len(extra), bool)]
    plain = MatchScorer(C=100.0, calibration_folds=0).fit(X, y)
    corrected = MatchScorer(C=100.0, sampled_weight=0.5, calibration_folds=0).fit(
        X_all, y_all, sampled=sampled
    )
    # the extra negatives weigh as much as the labelled ones: odds / 2, corrected by log 2
    assert corrected.prior_correction_ == pytest.approx(np.log(2.0), abs=1e-9)
    np.testing.assert_allclose(corrected.coef_, plain.coef_, atol=0.15)
    assert corrected.intercept_ == pytest.approx(plain.intercept_, abs=0.1)
    p = corrected.predict_proba(X)[:, 1]
    assert p.mean() == pytest.approx(y.mean(), abs=0.02)


def test_few_labels_stay_near_the_scaled_prior_many_labels_follow_the_data():
    prior = np.array([1.0, 1.0, 1.0, 1.0])  # wrong about features 1 and 3
    few_X, few_y = logistic_data(60, 6)
    many_X, many_y = logistic_data(30_000, 7)
    few = MatchScorer(C=0.3, prior_weights=prior, calibration_folds=0).fit(few_X, few_y)
    many = MatchScorer(C=0.3, prior_weights=prior, calibration_folds=0).fit(many_X, many_y)
    centre = few.prior_scale_ * prior
    distance = np.linalg.norm(few.coef_ - centre)
    assert distance < np.linalg.norm(many.coef_ - many.centre_)
    assert distance < 0.5 * np.linalg.norm(TRUE_COEF - centre)  # pulled most of the way
    np.testing.assert_allclose(many.coef_, TRUE_COEF, atol=0.25)
    assert few.describe()["cold_start"] and not many.describe()["cold_start"]


def test_sign_constraints_hold():
    X, y = logistic_data(5_000, 8)
    model = MatchScorer(sign_constraints=[1, 1, 0, 0], calibration_folds=0).fit(X, y)
    assert model.coef_[1] == pytest.approx(0.0, abs=1e-9)  # truly negative, held at 0
    assert model.coef_[0] > 1.0


def test_sampled_rows_must_be_negatives():
    X, y = logistic_data(200, 9)
    with pytest.raises(ValueError, match="negatives"):
        MatchScorer().fit(X, y, sampled=y == 1)


def test_pair_scorer_protocol_on_feature_major_blocks():
    rng = np.random.default_rng(10)
    n_features = len(FEATURE_NAMES)
    X = rng.random((3000, n_features))
    y = (rng.random(3000) < expit(X[:, 0] * 3 - 2)).astype(int)
    model = MatchScorer(random_state=0).fit(X, y)
    planes = rng.random((n_features, 4, 5)).astype(np.float32)  # compute_features' layout
    block = np.moveaxis(planes, 0, -1)
    scores = model.score(block)
    assert scores.shape == (4, 5) and scores.dtype == np.float32
    flat = block.reshape(-1, n_features)
    np.testing.assert_allclose(
        scores.reshape(-1), 100 * model.predict_proba(flat)[:, 1], rtol=1e-4, atol=1e-3
    )
    contributions = model.contributions(flat)
    assert contributions.shape == flat.shape
    raised = flat[:, 0] > 0.5  # the first feature's neutral value is 0.5; its weight > 0
    assert (contributions[raised, 0] > 0).all() and (contributions[~raised, 0] < 0).all()
    described = model.describe()
    assert described["kind"] == "learned" and set(described["weights"]) == set(FEATURE_NAMES)
    assert model.score(X, y) == pytest.approx((model.predict(X) == y).mean())  # sklearn's


def test_linear_score_reads_both_layouts_alike():
    rng = np.random.default_rng(11)
    planes = rng.random((len(FEATURE_NAMES), 3, 7)).astype(np.float32)
    block = np.moveaxis(planes, 0, -1)
    copy = np.ascontiguousarray(block)
    scorer = LinearScore()
    np.testing.assert_allclose(scorer.score(block), scorer.score(copy), rtol=1e-5)
    assert ((scorer.score(copy) >= 0) & (scorer.score(copy) <= 100)).all()
