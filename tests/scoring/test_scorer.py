"""Two numbers per pair: p_accept (calibrated) and the 0-100 score (percentile among tonight's
eligible pairs); the calibrated defaults; recalibration of a loaded model; the reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from engine.domain.bands import band
from scoring.calibration import CalibratedDefaults, default_vector, newest_platt, recalibrated
from scoring.features import FEATURE_NAMES, NEUTRAL_VALUES
from scoring.linear import DescribedScorer, LinearScore
from scoring.logistic import time_weights
from scoring.reference import eligible_sample
from scoring.tabulated import AdditiveTables
from scoring.training import ScoringContext
from tests.factory import host, make_campaign, visitor

F = len(FEATURE_NAMES)


def features(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, F)).astype(np.float32)


def test_the_score_is_the_percentile_of_p_accept_and_its_bands_are_fifths():
    tables = AdditiveTables.linear(-2.0, np.full(F, 0.2))
    scorer = DescribedScorer(_Fixed(tables), {"source": "test"})
    reference = scorer.p_accept(features(10_000, 0))
    tonight = scorer.with_reference(reference)
    p = np.sort(reference)
    score = tonight.display_score(p)
    assert np.all(np.diff(score) >= 0)  # a likelier pair never scores lower
    np.testing.assert_allclose(score, 100 * (np.arange(len(p)) + 0.5) / len(p), atol=0.02)
    shares = {name: np.mean(band(score) == name) for name in ("red", "orange", "green")}
    assert shares == pytest.approx({"red": 0.6, "orange": 0.2, "green": 0.2}, abs=0.001)
    # ties count half; without a reference the score is 100 x p_accept
    tied = DescribedScorer(_Fixed(tables), reference=np.array([0.1, 0.2, 0.2, 0.4]))
    assert tied.display_score(np.array([0.2, 0.05, 0.5])).tolist() == [50.0, 0.0, 100.0]
    assert scorer.display_score(np.array([0.25])) == pytest.approx([25.0])
    # an equal chance back from the solver's value (float32 100 x p) still ties (the audit:
    # four pairs of one chance scored 100, green, where the percentile says 50, red)
    exact = np.float32(0.28767124)
    ulp = np.nextafter(exact, np.float32(1)) - exact  # the solver's value rounds its own way
    equal = DescribedScorer(_Fixed(tables), reference=np.full(4, exact))
    back = np.array([exact - ulp, exact, exact + ulp, exact + 2 * ulp], np.float32)
    assert equal.display_score(back).tolist() == [50.0] * 4
    described = tonight.describe()
    assert described["percentile_reference_pairs"] == 10_000 and described["calibrated"]


def test_value_p_accept_and_contributions_agree():
    tables = AdditiveTables.linear(-1.0, np.linspace(-1, 2, F))
    scorer = DescribedScorer(_Fixed(tables))
    x = features(200, 1)
    np.testing.assert_allclose(scorer.value(x), 100 * scorer.p_accept(x), rtol=1e-6)
    np.testing.assert_allclose(scorer.p_accept(x), expit(x @ tables.weights - 1.0), atol=1e-6)
    contributions = scorer.contributions(x)
    slope = 100 * scorer.p_accept(x) * (1 - scorer.p_accept(x))
    np.testing.assert_allclose(
        contributions, (x - NEUTRAL_VALUES) * tables.weights * slope[:, None], rtol=1e-4, atol=1e-5
    )


def test_the_hand_set_score_read_as_a_chance_is_the_uncalibrated_cold_start():
    linear = LinearScore()
    scorer = DescribedScorer(linear)
    x = features(100, 2)
    np.testing.assert_allclose(scorer.value(x), linear.score(x), atol=1e-3)
    np.testing.assert_allclose(scorer.contributions(x), linear.contributions(x), atol=1e-4)
    assert not scorer.describe()["calibrated"]


def test_calibrated_defaults_recover_a_sigmoid_of_the_default_sum():
    x = features(20_000, 3).astype(np.float64)
    z = x @ default_vector()
    y = (np.random.default_rng(4).random(len(z)) < expit(0.6 * z - 5.0)).astype(int)
    model = CalibratedDefaults().fit(x, y)
    slope, offset = model.calibration_
    assert slope == pytest.approx(0.6, abs=0.08) and offset == pytest.approx(-5.0, abs=0.6)
    np.testing.assert_allclose(
        model.tables().probability(x.astype(np.float32)), model.predict_proba(x)[:, 1], atol=1e-5
    )
    with pytest.raises(ValueError, match="decisions of each outcome"):
        CalibratedDefaults().fit(x[:8], np.array([0, 1] * 4))


def test_decisions_that_show_no_order_keep_the_model_s_order_at_their_rate():
    """The audit: 16 decisions gave a calibration slope of 0: every pair the same chance,
    every score 50, every band red. With no order in the decisions the model's order stays,
    with hardly any spread, at the decisions' acceptance rate."""
    x = features(16, 8).astype(np.float64)
    z = x @ default_vector()
    y = (z < np.median(z)).astype(int)  # accepted exactly where the defaults score low
    model = CalibratedDefaults().fit(x, y)
    slope, _ = model.calibration_
    p = model.predict_proba(x)[:, 1]
    assert slope > 0 and len(np.unique(p)) == len(p)
    assert (np.argsort(p) == np.argsort(z)).all()  # the defaults' order
    assert p.mean() == pytest.approx(y.mean(), abs=0.01) and np.ptp(p) < 0.3


def test_a_few_perfectly_separated_decisions_are_never_read_as_certain():
    """The audit: after one import of 7 decisions the newest were perfectly separated; the
    calibration's slope went to 3 and p_accept to 1.0000 and 0.0008. Platt's targets
    ((N+ + 1) / (N+ + 2), 1 / (N- + 2)) keep a few decisions from reading as certain."""
    x = features(10, 9).astype(np.float64)
    z = x @ default_vector()
    y = (z >= np.median(z)).astype(int)  # the five highest accepted, the rest refused
    p = CalibratedDefaults(newest_share=1.0).fit(x, y).predict_proba(x)[:, 1]
    assert (np.argsort(p) == np.argsort(z)).all()
    assert p.min() > 0.02 and p.max() < 0.98


def test_time_weights_halve_every_half_life():
    days = np.array(["2027-01-01", "2026-11-17", "2027-01-01"], dtype="datetime64[D]")
    np.testing.assert_allclose(time_weights(days, 45.0), [1.0, 0.5, 1.0])


def test_a_loaded_model_is_recalibrated_on_the_newest_decisions():
    tables = AdditiveTables.linear(0.0, np.full(F, 0.3))
    x = features(6000, 5)
    days = np.sort(np.random.default_rng(6).integers(0, 200, len(x))).astype("datetime64[D]")
    truth = expit(tables.total(x) - 1.5)  # the campaign accepts less than the model thinks
    y = (np.random.default_rng(7).random(len(x)) < truth).astype(int)
    moved = recalibrated(_Fixed(tables), x, y, days)
    newest = days >= np.sort(days)[int(0.7 * len(days))]
    assert moved.tables().probability(x[newest]).mean() == pytest.approx(y[newest].mean(), abs=0.03)
    assert moved.describe()["recalibration"]["decisions"] == len(x)
    assert newest_platt(tables.total(x[:6]), np.array([0, 1, 0, 1, 0, 0]), None) is None
    uncalibrated = recalibrated(LinearScore(), x, y, days)
    assert isinstance(uncalibrated, LinearScore)  # a chance read off the score is left alone


def test_the_reference_is_every_eligible_pair_of_a_small_campaign(tmp_path):
    profiles = [visitor("V1"), visitor("V2", country="IT"), host("H1"), host("H2", country="IT")]
    scoring = ScoringContext.of(make_campaign(tmp_path, profiles))
    sample = eligible_sample(scoring)
    assert sample.shape == (3, F)  # V2-H2 share a country: not eligible
    assert np.array_equal(eligible_sample(scoring, seed=1), sample)


class _Fixed:
    """A fitted model given by its tables."""

    def __init__(self, tables: AdditiveTables) -> None:
        self._tables = tables

    def tables(self) -> AdditiveTables:
        return self._tables

    def describe(self) -> dict:
        return {"kind": "learned"}
