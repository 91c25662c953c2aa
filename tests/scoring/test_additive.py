"""AdditiveScorer: a scikit-learn estimator that recovers known shapes (levels, thresholds,
"no wish" outside met/unmet), nests the linear model, keeps only the chord's sign, calibrates
on the newest decisions, and compiles to lookup tables that score as it does."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from scoring.additive import AdditiveScorer, hats, knots_of
from scoring.tabulated import AdditiveTables

LEVELS = np.array([0.0, 0.5, 1.0])


@parametrize_with_checks(
    [AdditiveScorer(calibration_share=0.0)],
    expected_failed_checks=lambda _estimator: {
        "check_sample_weight_equivalence_on_dense_data": "weights and repeated rows give the "
        "same problem (knots included), but L-BFGS stops some 1e-7 apart (relative)"
    },
)
def test_scikit_learn_conventions(estimator, check):
    check(estimator)


def shaped_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x0 a preference (0 / 0.5 / 1) whose 'no wish' (0.5) is the worst; x1 a continuous
    feature with a threshold at 0.4; x2 binary. Returns X, y and the true logit."""
    rng = np.random.default_rng(seed)
    x0 = rng.choice(LEVELS, size=n)
    x1 = rng.random(n)
    x2 = rng.integers(0, 2, n).astype(float)
    logit = -0.5 + np.select([x0 == 1, x0 == 0.5], [0.8, -0.7], 0.0) + 1.2 * (x1 > 0.4) + 0.6 * x2
    y = (rng.random(n) < expit(logit)).astype(int)
    return np.column_stack([x0, x1, x2]), y, logit


def test_knots_are_the_levels_or_the_quantiles():
    np.testing.assert_array_equal(knots_of(np.array([1.0, 0.5, 0.0, 0.5]), 12, (0, 0.5, 1)), LEVELS)
    values = np.linspace(0, 1, 101)
    np.testing.assert_allclose(knots_of(values, 12, (0, 0.5, 1)), [0.0, 0.5, 1.0])
    basis = hats(np.array([0.0, 0.25, 0.5, 1.0]), LEVELS)
    np.testing.assert_allclose(basis[:, 0], [0.0, 0.5, 1.0, 0.0])


def test_recovers_shapes_no_straight_line_can():
    X, y, logit = shaped_data(40_000, 1)
    model = AdditiveScorer(smoothness=0.1, calibration_share=0.0).fit(X, y)
    linear = AdditiveScorer(shapes=False, calibration_share=0.0).fit(X, y)
    X_new, _, truth = shaped_data(20_000, 2)
    error = np.abs(model.decision_function(X_new) - truth)
    assert np.mean(error) < 0.12
    assert np.mean(error) < 0.5 * np.mean(np.abs(linear.decision_function(X_new) - truth))
    shape = model.shape_values()["x0"]
    values = dict(zip(shape["knots"], shape["values"], strict=True))
    assert values[0.5] < values[0.0] < values[1.0]  # "no wish" is not between met and unmet


def test_without_shapes_it_is_the_linear_logistic_regression():
    rng = np.random.default_rng(3)
    X = rng.random((20_000, 3))
    y = (rng.random(20_000) < expit(X @ [2.0, -1.0, 0.5] - 1.0)).astype(int)
    ours = AdditiveScorer(shapes=False, C=1e6, calibration_share=0.0).fit(X, y)
    theirs = LogisticRegression(C=1e6, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_[0], atol=1e-3)
    assert ours.intercept_ == pytest.approx(theirs.intercept_[0], abs=1e-3)
    assert not any(np.any(b) for b in ours.shape_coef_)


def test_a_large_smoothness_gives_straight_lines():
    X, y, _ = shaped_data(5_000, 4)
    stiff = AdditiveScorer(smoothness=1e7, calibration_share=0.0).fit(X, y)
    straight = AdditiveScorer(shapes=False, calibration_share=0.0).fit(X, y)
    assert max(np.abs(b).max(initial=0) for b in stiff.shape_coef_) < 1e-3
    np.testing.assert_allclose(stiff.coef_, straight.coef_, atol=0.02)


def test_a_sign_bounds_the_chord_and_leaves_the_shape_between_free():
    X, y, _ = shaped_data(20_000, 5)
    flipped = X.copy()
    flipped[:, 0] = 1 - X[:, 0]  # now met (1) is worse than unmet (0)
    model = AdditiveScorer(sign_constraints=[1, 0, 0], calibration_share=0.0).fit(flipped, y)
    assert model.coef_[0] == pytest.approx(0.0, abs=1e-9)  # f(1) - f(0) held at 0
    values = model.shape_values()["x0"]["values"]
    assert values[1] < values[0] - 0.5  # the dip at 0.5 is still learned


def test_excluded_features_keep_a_zero_shape():
    X, y, _ = shaped_data(5_000, 6)
    model = AdditiveScorer(excluded_features=(0,), calibration_share=0.0).fit(X, y)
    assert model.coef_[0] == 0 and not np.any(model.shape_coef_[0])


def test_the_calibration_follows_the_newest_decisions():
    """Acceptance rose in the newest third: the calibrated model predicts the new rate."""
    X, _, logit = shaped_data(30_000, 7)
    rng = np.random.default_rng(8)
    days = np.sort(rng.integers(0, 365, len(logit))).astype("datetime64[D]")
    newest = days >= np.datetime64(240, "D")
    y = (rng.random(len(logit)) < expit(logit + 1.0 * newest)).astype(int)
    plain = AdditiveScorer(calibration_share=0.0).fit(X, y, decided_on=days)
    recent = AdditiveScorer(half_life_days=20.0).fit(X, y, decided_on=days)
    last = days >= np.datetime64(300, "D")
    observed = y[last].mean()
    assert abs(recent.predict_proba(X[last])[:, 1].mean() - observed) < 0.02
    assert plain.predict_proba(X[last])[:, 1].mean() < observed - 0.05
    assert recent.calibrated_ and recent.describe()["calibration"]["half_life_days"] == 20.0


def test_tables_score_as_the_model_does():
    X, y, _ = shaped_data(10_000, 9)
    model = AdditiveScorer(smoothness=1.0).fit(X, y)
    tables = model.tables()
    # the preference (one bend, at 0.5) is exact with a hinge, the continuous feature reads a
    # table, the binary one is a straight line: neither
    assert tables.hinge_feature.tolist() == [0] and tables.shaped == (1,)
    rng = np.random.default_rng(10)
    X_new = np.column_stack([rng.choice(LEVELS, 5000), rng.random(5000), rng.integers(0, 2, 5000)])
    exact = model.decision_function(X_new)
    slope = tables.grid_error()
    np.testing.assert_allclose(tables.total(X_new), exact, atol=slope + 1e-4)
    on_levels = X_new[:, 1] == X_new[:, 1]  # the preference's levels are exact
    levels_only = X_new.copy()
    levels_only[:, 1] = 0.5
    np.testing.assert_allclose(
        tables.total(levels_only[on_levels]), model.decision_function(levels_only), atol=1e-5
    )
    np.testing.assert_allclose(
        tables.value(X_new), 100 * model.predict_proba(X_new)[:, 1], atol=slope * 25 + 1e-3
    )
    terms = tables.terms(X_new.astype(np.float32))
    np.testing.assert_allclose(terms.sum(axis=1) + tables.intercept, tables.total(X_new), atol=1e-4)


def test_tables_read_feature_major_blocks_as_contiguous_ones():
    X, y, _ = shaped_data(5_000, 11)
    tables = AdditiveScorer().fit(X, y).tables()
    planes = np.random.default_rng(12).random((3, 4, 6)).astype(np.float32)
    block = np.moveaxis(planes, 0, -1)  # compute_features' layout: a view, feature-major
    np.testing.assert_allclose(
        tables.value(block), tables.value(np.ascontiguousarray(block)), rtol=1e-6
    )
    assert tables.value(block).dtype == np.float32 and tables.value(block).shape == (4, 6)


def test_a_knot_repeated_compiles_as_the_knot_once():
    """A feature that hardly varied in training may repeat a knot (the audit: a model from
    ``cxmatch train`` with availability knots [1.0, 1.0] scored every pair NaN under ``run
    --model``: 0 / 0 slopes, no candidate, 0 proposals)."""
    x = np.linspace(0, 1, 101, dtype=np.float32)[:, None]
    repeated = AdditiveTables.from_shapes(0.25, np.array([0.7]), [[1.0, 1.0]], [[0.05, 0.05]])
    once = AdditiveTables.from_shapes(0.25, np.array([0.7]), [[1.0]], [[0.05]])
    assert np.isfinite(repeated.total(x)).all()
    np.testing.assert_allclose(repeated.total(x), once.total(x), atol=1e-6)
    np.testing.assert_allclose(once.total(x), 0.25 + 0.05 + 0.7 * (x[:, 0] - 1), atol=1e-6)
    inner = AdditiveTables.from_shapes(
        0.0, np.array([0.0]), [[0.0, 0.5, 0.5, 1.0]], [[0.0, 1.0, 1.0, 0.0]]
    )
    np.testing.assert_allclose(inner.total(x), np.interp(x[:, 0], [0, 0.5, 1], [0, 1, 0]),
                               atol=1e-5)  # fmt: skip


@pytest.mark.parametrize("knots", [[0.0, 0.5, 1.0], [0.0, 1 / 3, 0.5, 2 / 3, 1.0],
                                   [0.0, 0.02, 0.05, 0.1, 0.3, 0.6, 0.8]])  # fmt: skip
def test_piecewise_linear_shapes_compile_exactly_or_within_the_grid(knots):
    knots = np.array(knots)
    rng = np.random.default_rng(len(knots))
    values = rng.normal(0, 1, len(knots))
    slope = 0.7  # beyond the outer knots
    tables = AdditiveTables.from_shapes(0.25, np.array([slope]), [knots], [values])
    x = np.r_[knots, rng.random(2000)].astype(np.float32)
    beyond = np.where(
        x > knots[-1], values[-1] + slope * (x - knots[-1]), np.interp(x, knots, values)
    )
    expected = 0.25 + beyond
    hinged = len(tables.hinge_coef) > 0
    tolerance = 1e-5 if hinged else tables.grid_error() + 1e-5
    assert tables.grid_error() < 0.02
    np.testing.assert_allclose(tables.total(x[:, None]), expected, atol=tolerance)
    assert hinged == (len(knots) <= 5) and (tables.shaped == ()) == hinged
    np.testing.assert_allclose(
        tables.terms(x[:, None])[:, 0] + tables.intercept, tables.total(x[:, None]), atol=1e-5
    )
