"""Learning from history: decisions on pairs eligible at the time, no sampled negatives, the
collinear language features, the choice of tonight's model by held-out log-loss, model files,
and `cxmatch train` / `cxmatch run --model` end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.night.options import RunOptions
from engine.night.scorer import choose_scorer
from engine.output.model_files import ModelInvalid, load_model, save_model
from engine.synthetic.generator import generate_campaign, write_campaign
from scoring.evaluation import TrainingSettings, choose, evaluate, fit_selected
from scoring.features import FEATURE_NAMES
from scoring.metrics import Comparison, Interval
from scoring.training import (
    ScoringContext,
    eligible_at_decision,
    excluded_features,
    labelled_pairs,
    labelled_set,
)
from tests.factory import host, make_campaign, visitor

runner = CliRunner()


@pytest.fixture(scope="module")
def campaign_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("learn") / "c1500"
    write_campaign(generate_campaign(1500, 400, 7), folder)
    return folder


@pytest.fixture(scope="module")
def scoring(campaign_folder) -> ScoringContext:
    return ScoringContext.of(load_campaign(campaign_folder))


@pytest.fixture(scope="module")
def data(scoring):
    return labelled_set(scoring)


def test_only_decisions_on_pairs_eligible_at_the_time_are_learned_from(scoring, data):
    labels = labelled_pairs(scoring.campaign, scoring.encoded)
    allowed = eligible_at_decision(scoring, labels)
    assert len(data) == allowed.sum() and data.dropped == len(labels) - allowed.sum()
    assert 0 < data.dropped < len(labels)
    assert np.all(np.diff(data.decided_on.astype(np.int64)) >= 0)  # oldest first
    # every kept decision is a real decision: no sampled never-proposed pairs
    decided = set(zip(labels.visitor.tolist(), labels.host.tolist(), strict=True))
    assert set(zip(data.visitor.tolist(), data.host.tolist(), strict=True)) <= decided


def test_a_physical_visit_used_before_the_decision_makes_a_physical_only_pair_ineligible(tmp_path):
    profiles = [
        visitor("V", mode="physical"),
        host("H1", mode="physical"),
        host("H2", mode="physical", country="IT"),
        host("H3", mode="either", country="ES"),
    ]
    history = [
        {"visitor_id": "V", "host_id": "H1", "decided_on": "2026-01-10", "outcome": "accepted",
         "mode": "physical"},
        {"visitor_id": "V", "host_id": "H2", "decided_on": "2026-02-10", "outcome": "rejected",
         "mode": "physical"},
        {"visitor_id": "V", "host_id": "H3", "decided_on": "2026-01-05", "outcome": "rejected",
         "mode": "physical"},
    ]  # fmt: skip
    campaign = make_campaign(tmp_path, profiles, history)
    scoring = ScoringContext.of(campaign)
    labels = labelled_pairs(campaign, scoring.encoded)
    allowed = dict(
        zip(
            scoring.encoded.hosts.ids[labels.host].tolist(),
            eligible_at_decision(scoring, labels).tolist(),
            strict=True,
        )
    )
    # H3 was decided before the visit was used, H1 is the visit itself; H2 came after it
    assert allowed == {"H3": True, "H1": True, "H2": False}


def test_english_only_is_left_out_where_it_is_one_minus_shared_language(data):
    english = FEATURE_NAMES.index("english_only")
    shared = FEATURE_NAMES.index("shared_language")
    assert data.require_common_language
    np.testing.assert_array_equal(data.features[:, english] + data.features[:, shared], 1.0)
    assert excluded_features(data) == (english,)
    model, _ = fit_selected("additive", data, TrainingSettings())
    assert model.coef_[english] == 0 and not np.any(model.shape_coef_[english])
    free = data.subset(np.arange(len(data)))
    free.features[0, english] = 0.0  # a pair with no common language: three states exist
    free.features[0, shared] = 0.0
    assert excluded_features(free) == ()


@pytest.fixture(scope="module")
def evaluation(data):
    return evaluate(data, TrainingSettings(resamples=300), seed=0)


def test_the_learned_models_beat_the_calibrated_defaults_on_held_out_decisions(evaluation):
    comparison = evaluation.comparison
    assert len(evaluation.folds) == 3
    for name in ("additive", "linear"):
        assert comparison.metrics[name]["auc"].value > comparison.metrics["defaults"]["auc"].value
        assert comparison.difference(name, "defaults", "log_loss").value < 0
    chosen_gain = comparison.difference(evaluation.best_learned, "defaults", "log_loss")
    assert (evaluation.chosen == evaluation.best_learned) == (chosen_gain.high < 0)
    assert evaluation.chosen in evaluation.reason or "default" in evaluation.reason


def test_each_test_window_is_predicted_by_models_trained_before_it(evaluation):
    for fold in evaluation.folds:
        assert fold["test_decisions"] > 0 and fold["train_decisions"] > 0
    starts = [np.datetime64(fold["test_from"]) for fold in evaluation.folds]
    ends = [np.datetime64(fold["test_to"]) for fold in evaluation.folds]
    assert all(end < start for end, start in zip(ends[:-1], starts[1:], strict=True))
    sizes = [fold["train_decisions"] for fold in evaluation.folds]
    assert sizes == sorted(sizes) and len(set(sizes)) == 3


def test_the_same_data_and_seed_give_the_same_model_and_evaluation(data, evaluation):
    again = evaluate(data, TrainingSettings(resamples=300), seed=0)
    assert again.as_dict() == evaluation.as_dict()
    first, _ = fit_selected("additive", data, TrainingSettings())
    second, _ = fit_selected("additive", data, TrainingSettings())
    np.testing.assert_array_equal(first.coef_, second.coef_)
    assert first.intercept_ == second.intercept_


def test_too_few_decisions_to_evaluate_say_so(data):
    with pytest.raises(ValueError, match="too few decisions"):
        evaluate(data.subset(np.arange(60)), TrainingSettings(resamples=50))


def test_model_files_round_trip(scoring, data, tmp_path):
    model, _ = fit_selected("additive", data, TrainingSettings())
    save_model(tmp_path / "model", model, data, scoring.campaign, None)
    loaded = load_model(tmp_path / "model")
    features = np.random.default_rng(0).random((50, len(FEATURE_NAMES))).astype(np.float32)
    np.testing.assert_array_equal(loaded.tables().value(features), model.tables().value(features))
    sidecar = json.loads((tmp_path / "model" / "model.json").read_text())
    assert sidecar["format"] == "cxmatch-model/2" and sidecar["family"] == "additive"
    assert sidecar["weights"] == model.describe()["weights"]
    assert sidecar["training_data"]["sha256"] == data.digest()
    assert sidecar["excluded_features"] == ["english_only"]
    assert sidecar["signs"]["english_only"]["sign"] == 0
    assert {"skops", "scikit-learn", "numpy"} <= set(sidecar["versions"])
    assert not list((tmp_path / "model").glob("*.pkl"))


def test_a_model_of_other_features_is_refused(tmp_path):
    import skops.io

    from scoring.additive import AdditiveScorer

    X = np.random.default_rng(0).random((100, 3))
    other = AdditiveScorer(calibration_share=0).fit(X, (X[:, 0] > 0.5).astype(int))
    skops.io.dump(other, tmp_path / "model.skops")
    with pytest.raises(ModelInvalid, match="retrain"):
        load_model(tmp_path / "model.skops")


def test_a_run_without_enough_decisions_uses_the_defaults_and_says_why(tmp_path):
    few = make_campaign(tmp_path, [visitor("V"), host("H")])
    described = choose_scorer(few, RunOptions()).describe()
    assert described["kind"] == "default weights" and not described["calibrated"]
    assert "fewer than" in described["choice"]


def test_a_run_chooses_by_held_out_log_loss_and_says_why(scoring):
    scorer = choose_scorer(scoring.campaign, RunOptions(seed=3))
    described = scorer.describe()
    held_out = described["held_out"]
    # every model the choice's words cite, the best learned one first (the scoring audit: the
    # manifest held the best learned model's figures only)
    assert set(held_out["log_loss"]) == set(held_out["auc"]) == {"additive", "linear", "defaults"}
    differences = list(held_out["log_loss_difference"].items())
    assert sorted(pair for pair, _ in differences) == ["additive - defaults", "linear - defaults"]
    for name in ("additive", "linear"):
        figure = held_out["log_loss_difference"][f"{name} - defaults"]
        assert figure["low"] <= figure["value"] <= figure["high"]
    pair, difference = differences[0]
    if described["kind"] == "learned":
        assert "trained tonight" in described["source"] and difference["high"] < 0
    else:
        assert described["kind"] == "default weights" and difference["high"] >= 0
    assert "beyond the 95% interval" in described["choice"] and described["calibrated"]
    again = choose_scorer(scoring.campaign, RunOptions(seed=3)).describe()
    assert again["weights"] == described["weights"]  # reproducible


def test_train_command_then_run_with_the_model(campaign_folder, tmp_path):
    model = tmp_path / "model"
    result = runner.invoke(app, ["train", str(campaign_folder), "--out", str(model)])
    assert result.exit_code == exitcodes.OK, result.output
    for line in ("AUC", "log-loss", "Brier score", "calibration error", "same_sector",
                 "rolling time splits", "run would use"):  # fmt: skip
        assert line in result.output
    assert "hit@" not in result.output  # no ranking metric (see scoring.metrics)
    assert sorted(p.name for p in model.iterdir()) == [
        "model.json",
        "model.skops",
        "report.json",
        "report.txt",
    ]
    report = json.loads((model / "report.json").read_text())
    metrics = report["evaluation"]["comparison"]["metrics"]
    assert set(metrics) == {"additive", "linear", "defaults"}
    assert metrics["additive"]["log_loss"]["low"] <= metrics["additive"]["log_loss"]["value"]

    again = runner.invoke(app, ["train", str(campaign_folder), "--out", str(model)])
    assert again.exit_code == exitcodes.OUTPUT_EXISTS

    small = tmp_path / "small"
    write_campaign(generate_campaign(60, 15, 3), small)
    run = runner.invoke(
        app, ["run", str(small), "--out", str(tmp_path / "run"), "--model", str(model),
              "--time-limit", "5"],
    )  # fmt: skip
    assert run.exit_code == exitcodes.OK, run.output
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["scorer"]["kind"] == "learned"
    assert manifest["scorer"]["source"].startswith("model file")
    assert manifest["scorer"]["recalibration"]["decisions"] > 0
    # the scoring audit: on a campaign without decisions the file's calibration was kept, unsaid
    make_campaign(tmp_path / "bare", [visitor("V"), host("H")])
    run = runner.invoke(
        app, ["run", str(tmp_path / "bare"), "--out", str(tmp_path / "run2"), "--model",
              str(model), "--time-limit", "5"],
    )  # fmt: skip
    assert run.exit_code == exitcodes.OK, run.output
    manifest = json.loads((tmp_path / "run2" / "manifest.json").read_text())
    kept = manifest["scorer"]["recalibration"]
    assert kept["applied"] is False
    assert kept["why"].startswith("not recalibrated: the model file's scores kept as they are (0")


def test_train_refuses_a_campaign_without_decisions(tmp_path):
    make_campaign(tmp_path / "c", [visitor("V"), host("H")])
    result = runner.invoke(app, ["train", str(tmp_path / "c"), "--out", str(tmp_path / "m")])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert not (tmp_path / "m").exists()


def test_train_on_few_decisions_says_cold_start(tmp_path):
    write_campaign(generate_campaign(120, 30, 4), tmp_path / "c")
    result = runner.invoke(app, ["train", str(tmp_path / "c"), "--out", str(tmp_path / "m")])
    assert result.exit_code == exitcodes.OK, result.output
    assert "cold start" in result.output
    report = json.loads((tmp_path / "m" / "report.json").read_text())
    assert any("cold start" in note for note in report["notes"])


def _compared(
    additive: tuple[float, float],
    linear: tuple[float, float],
    gain: tuple[float, float],
    auc: tuple[tuple[float, float], tuple[float, float]] = ((-0.05, 0.05), (-0.05, 0.05)),
):
    def interval(low_high: tuple[float, float]) -> Interval:
        return Interval(sum(low_high) / 2, *low_high)

    differences = {
        "additive - defaults": {"log_loss": interval(additive), "auc": interval(auc[0])},
        "linear - defaults": {"log_loss": interval(linear), "auc": interval(auc[1])},
        "additive - linear": {"log_loss": interval(gain)},
    }
    return Comparison({}, differences, decisions=700, positives=300, resamples=300)


def test_a_learned_model_beating_the_defaults_is_used_though_the_other_does_not():
    """The audit: the additive model beat the defaults beyond the interval (-0.32..-0.16),
    the linear one did not (-0.25..+0.01), the additive one not the linear one beyond it
    (-0.27..0.00): the defaults were chosen, their pairs' p_accept 0.78 where none was
    ever accepted."""
    chosen, best, reason = choose(_compared((-0.32, -0.16), (-0.25, 0.01), (-0.27, 0.0)))
    assert (chosen, best) == ("additive", "additive")
    assert "the linear model's does not" in reason
    chosen, _, _ = choose(_compared((-0.25, 0.01), (-0.32, -0.16), (-0.1, 0.05)))
    assert chosen == "linear"
    # both beat the defaults: the additive one only when it beats the linear one too
    assert choose(_compared((-0.3, -0.2), (-0.2, -0.1), (-0.15, 0.01)))[0] == "linear"
    assert choose(_compared((-0.3, -0.2), (-0.2, -0.1), (-0.15, -0.01)))[0] == "additive"
    # neither: the defaults, and both differences said
    chosen, best, reason = choose(_compared((-0.1, 0.02), (-0.1, 0.03), (-0.05, 0.01)))
    assert (chosen, best) == ("defaults", "linear")
    assert "linear -0.0350" in reason and "additive -0.0400" in reason


def test_a_learned_model_ranking_better_than_backward_defaults_is_used():
    """The scoring audit: the defaults ranked a campaign's pairs backwards (AUC 0.37), the
    learned models' AUC was above theirs beyond the interval (+0.06..+0.45), their log-loss
    lower but not beyond it (-0.146..+0.032): the defaults' order was kept, same-sector pairs
    on top where this history refused most of them. A better order with a log-loss no worse
    is used; one bought with a worse log-loss is not."""
    better_order = ((0.06, 0.45), (0.05, 0.40))
    chosen, best, reason = choose(
        _compared((-0.146, 0.032), (-0.14, 0.03), (-0.01, 0.01), better_order)
    )
    assert (chosen, best) == ("linear", "linear")
    assert "AUC beats" in reason and "log-loss no worse" in reason
    only_additive = ((0.06, 0.45), (-0.02, 0.30))
    assert choose(_compared((-0.146, 0.032), (-0.14, 0.03), (-0.01, 0.01), only_additive))[0] == (
        "additive"
    )
    # the same order bought with a worse log-loss: the defaults, and the AUC said
    chosen, _, reason = choose(_compared((-0.03, 0.08), (-0.03, 0.07), (-0.01, 0.01), better_order))
    assert chosen == "defaults" and "nor its AUC" in reason
    # log-loss beyond the interval still decides first: the one that beats it that way
    by_loss = choose(_compared((-0.3, -0.1), (-0.1, 0.02), (-0.2, 0.01), ((-0.1, 0.1), (0.1, 0.3))))
    assert by_loss[0] == "additive"


def test_a_history_written_twice_is_the_same_decisions(campaign_folder, scoring, data, tmp_path):
    """The scoring audit: history rows repeated exactly (an export written twice) were learned
    from as more decisions (100 decisions three times passed the 200 a model needs); each
    counts once, the same model learns from them, and loading says so with the rows."""
    twice = tmp_path / "twice"
    shutil.copytree(campaign_folder, twice)
    history = pd.read_csv(twice / "history.csv", dtype=str, keep_default_na=False)
    pd.concat([history, history.iloc[:3]]).to_csv(twice / "history.csv", index=False)
    campaign = load_campaign(twice)
    again = labelled_set(ScoringContext.of(campaign))
    assert len(again) == len(data) and again.digest() == data.digest()
    n = len(history)
    rows = f"rows {n + 1}, {n + 2}, {n + 3}"
    assert any(f"3 rows repeat an earlier row exactly ({rows})" in w for w in campaign.warnings)
    assert not any("repeat" in warning for warning in scoring.campaign.warnings)


def test_train_says_what_loading_warned_and_counts_a_repeated_row_once(tmp_path):
    """The scoring audit: ``validate`` warned of rows repeating earlier ones, ``train`` said
    nothing (``run`` does); and the undated exchanges were counted with the repeats (480 for
    240)."""
    accepted = {"visitor_id": "V", "host_id": "H", "decided_on": "2026-01-10",
                "outcome": "accepted", "mode": "physical"}  # fmt: skip
    make_campaign(tmp_path / "c", [visitor("V"), host("H")], [accepted, accepted])
    result = runner.invoke(app, ["train", str(tmp_path / "c"), "--out", str(tmp_path / "m")])
    assert result.exit_code == exitcodes.BAD_INPUT  # one decision: nothing to learn
    assert "1 rows repeat an earlier row exactly (rows 2)" in result.output
    assert "1 accepted or completed exchanges have no start/end dates (rows 1)" in result.output
    assert not (tmp_path / "m").exists()


def test_train_says_what_run_uses_below_its_learning_gate(scoring, data, evaluation):
    """The README audit: with 169 labelled decisions `train` printed the held-out verdict as
    what "run would use", while a run does not try to learn below 200 decisions."""
    from engine.output.model_report import model_report

    few = data.subset(np.arange(150))
    model, _ = fit_selected("additive", data, TrainingSettings())
    report = model_report(model, few, scoring.campaign, evaluation)
    assert report["run_would_use"].startswith("the calibrated default weights: 150 labelled")
    assert "fewer than 200" in report["run_would_use"]
    enough = model_report(model, data, scoring.campaign, evaluation)
    assert enough["run_would_use"] == evaluation.reason
