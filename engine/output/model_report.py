"""The model report of ``cxmatch train``: held-out metrics with intervals, the choice, and the
saved model's shapes, as JSON (``report.json``) and as text (``report.txt``, printed)."""

from __future__ import annotations

from typing import Any

from engine.domain.contract import Campaign
from scoring.additive import AdditiveScorer
from scoring.evaluation import DEFAULTS, Evaluation, TrainingSettings, too_few_to_learn
from scoring.features import REGISTRY
from scoring.metrics import METRICS
from scoring.training import LabelledSet

COLD_START_BELOW = 200  # fewer labelled decisions: say the model stays near the defaults
LABELS = {
    "auc": "AUC",
    "log_loss": "log-loss",
    "brier": "Brier score",
    "calibration_error": "calibration error",
}


def model_report(
    model: AdditiveScorer, data: LabelledSet, campaign: Campaign, evaluation: Evaluation | None
) -> dict[str, Any]:
    described = model.describe()
    report: dict[str, Any] = {
        "campaign": campaign.name,
        "model": described,
        "shapes": model.shape_values(),
        "training_data": {
            "labelled_decisions": len(data),
            "accepted": data.positives,
            "left_out_not_eligible_then": data.dropped,
        },
        "evaluation": None if evaluation is None else evaluation.as_dict(),
        "notes": [],
    }
    too_few = too_few_to_learn(data, TrainingSettings())
    if evaluation is None:
        report["notes"].append("no held-out evaluation: too few decisions to split in time")
        report["run_would_use"] = "the calibrated default weights (no held-out evidence)"
    else:
        report["run_would_use"] = evaluation.reason
        report["notes"].extend(evaluation.notes)
    if too_few:  # a run does not try to learn: what it uses, in its words (the README audit)
        report["run_would_use"] = f"the calibrated default weights: {too_few}"
    if len(data) < COLD_START_BELOW:
        report["notes"].append(
            f"cold start: the saved model learned from {len(data)} labelled decisions only; "
            "its straight parts stay close to the (scaled) default weights"
        )
    return report


def _evaluation_lines(evaluation: dict[str, Any]) -> list[str]:
    comparison = evaluation["comparison"]
    folds = evaluation["folds"]
    lines = [
        "Held-out test: rolling time splits over the labelled decisions on pairs eligible at "
        "the time; each window predicted by models trained on the decisions before it "
        "(hyper-parameters chosen inside the training window), every model sigmoid-calibrated "
        "on the newest decisions of its training window.",
    ]
    for fold in folds:
        lines.append(
            f"  window {fold['test_from']}..{fold['test_to']}: {fold['test_decisions']} decisions "
            f"({fold['test_positive']} accepted), trained on {fold['train_decisions']} "
            f"({fold['train_positive']} accepted); settings {fold['settings']}"
        )
    lines += [
        f"Pooled: {comparison['decisions']} decisions ({comparison['positives']} accepted); "
        f"95% intervals from {comparison['resamples']} bootstrap draws of visitors.",
        "",
        f"{'metric':<19}" + "".join(f"{name:>27}" for name in comparison["metrics"]),
    ]
    for metric in METRICS:
        row = f"{LABELS[metric]:<19}"
        for values in comparison["metrics"].values():
            i = values[metric]
            row += f"{i['value']:>9.4f} [{i['low']:.4f}, {i['high']:.4f}]"
        lines.append(row)
    lines += ["", "Paired differences (95% interval):"]
    for pair, values in comparison["differences"].items():
        parts = [
            f"{LABELS[m]} {values[m]['value']:+.4f} [{values[m]['low']:+.4f}, "
            f"{values[m]['high']:+.4f}]"
            for m in ("auc", "log_loss")
        ]
        lines.append(f"  {pair:<22} " + "; ".join(parts))
    lines += [
        f"({DEFAULTS}: the hand-set weights, sigmoid-calibrated the same way; the calibration "
        "error's bootstrap interval is biased upwards, as the error itself is for few decisions)",
        "",
    ]
    return lines


def format_report(report: dict[str, Any]) -> str:
    """The model report as plain text (what `cxmatch train` prints)."""
    model = report["model"]
    lines = [f"Model report: {report['campaign']}", ""]
    if report["evaluation"] is not None:
        lines += _evaluation_lines(report["evaluation"])
    lines += [f"run would use: {report['run_would_use']}", ""]
    data = report["training_data"]
    lines += [
        f"Saved model: {model['model']}; trained on all {data['labelled_decisions']} labelled "
        f"decisions on eligible pairs ({data['accepted']} accepted; "
        f"{data['left_out_not_eligible_then']} decisions on pairs the rules did not allow then "
        "left out). No sampled never-proposed pairs.",
        f"logit = intercept + sum of each feature's shape; intercept {model['intercept']:+.3f}, "
        f"calibration slope {model['calibration']['slope']:.3f} on the newest decisions "
        f"(half-life {model['calibration']['half_life_days']:g} days).",
        "",
        f"{'feature':<18}{'slope':>8}  {'sign':<5} shape at its knots (log-odds)",
    ]
    shapes = report["shapes"]
    for feature in REGISTRY:
        shape = shapes[feature.name]
        knots = " ".join(
            f"{k:g}:{v:+.2f}" for k, v in zip(shape["knots"], shape["values"], strict=True)
        )
        sign = {1: ">= 0", -1: "<= 0", 0: "free"}[feature.sign]
        lines.append(
            f"{feature.name:<18}{model['weights'][feature.name]:>+8.3f}  {sign:<5} {knots}"
        )
    if report["notes"]:
        lines.append("")
        lines += [f"Note: {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"
