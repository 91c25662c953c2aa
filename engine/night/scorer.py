"""Tonight's score model: a loaded one, explicit weights, learned tonight, or the defaults;
then tonight's reference for the percentile score.

Without ``run --model``, a night with enough labelled decisions (on pairs eligible at the
time: :func:`scoring.training.labelled_set`) evaluates the learned models against the
calibrated default weights on rolling time splits (:func:`scoring.evaluation.evaluate`) and
uses a learned model only when it beats the calibrated defaults beyond the 95% interval (by
its held-out log-loss, or by its AUC with a log-loss no worse); otherwise the calibrated defaults (or, with too few decisions to calibrate
even them, the defaults' score read as a chance). Every model is calibrated on the newest
decisions, time-weighted; a loaded model is recalibrated on the campaign's. The manifest's
``scorer`` says which model ran, why, and the held-out figures behind the choice.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from engine.domain.contract import Campaign
from engine.night.options import RunOptions
from scoring.calibration import MIN_CLASS, CalibratedDefaults, recalibrated
from scoring.eligibility import EligibilityContext
from scoring.encoding import EncodedCampaign
from scoring.evaluation import (
    DEFAULTS,
    LEARNED,
    Evaluation,
    TrainingSettings,
    auc_difference,
    evaluate,
    fit_selected,
    too_few_to_learn,
)
from scoring.features import FEATURE_NAMES
from scoring.linear import DescribedScorer, LinearScore, PairScorer
from scoring.reference import eligible_sample
from scoring.text import TextSimilarity
from scoring.training import LabelledSet, ScoringContext, labelled_set

log = logging.getLogger(__name__)


def choose_scorer(
    campaign: Campaign,
    options: RunOptions,
    encoded: EncodedCampaign | None = None,
    text: TextSimilarity | None = None,
    tonight: EligibilityContext | None = None,
) -> PairScorer:
    """The score model of tonight's run, with tonight's percentile reference: pairs eligible
    under ``tonight``'s eligibility (its earliest start, the log's answered pairs; the model
    learns from decisions as eligible when they were made). Its describe() says which model,
    and why."""
    scoring = ScoringContext.of(campaign, encoded, text)
    scorer = _model(scoring, options)
    if not isinstance(scorer, DescribedScorer):
        return scorer
    # (the time audit: without the night's lead time, the reference held pairs no longer
    # eligible, and a late night's pairs all scored 0.00)
    night = scoring if tonight is None else replace(scoring, context=tonight)
    sample = eligible_sample(night, seed=options.seed)
    return scorer.with_reference(scorer.p_accept(sample))


def _model(scoring: ScoringContext, options: RunOptions) -> PairScorer:
    settings = TrainingSettings()
    data = labelled_set(scoring)
    given = options.scorer
    if isinstance(given, DescribedScorer):  # run --model: recalibrated on this campaign
        model = recalibrated(given.scorer, data.features, data.label, data.decided_on)
        if model is given.scorer:  # not recalibrated: said, not left to guess (the audit)
            kept = {"applied": False, "why": _kept(data)}
            log.warning("--model: %s", kept["why"])
            return DescribedScorer(model, {**given.note, "recalibration": kept})
        return DescribedScorer(model, given.note)
    if given is not None:
        return given
    if options.weights:
        weights = [options.weights.get(name, 0.0) for name in FEATURE_NAMES]
        return _defaults(data, LinearScore(options.weights), weights, "explicit weights")
    why = too_few_to_learn(data, settings)
    if why:
        return _defaults(data, LinearScore(), None, "default weights", why)
    try:
        evaluation = evaluate(data, settings, seed=options.seed)
    except ValueError as too_few:
        return _defaults(data, LinearScore(), None, "default weights", str(too_few))
    if evaluation.chosen in LEARNED:
        model, params = fit_selected(evaluation.chosen, data, settings)
        note = {
            "source": f"trained tonight on the campaign's {len(data)} labelled decisions on "
            f"eligible pairs ({data.positives} accepted)",
            "choice": evaluation.reason,
            "held_out": held_out_summary(evaluation),
            "hyper_parameters": dict(params),
            "training_data_sha256": data.digest(),
        }
        return DescribedScorer(model, note)
    defaults = _defaults(data, LinearScore(), None, "default weights", evaluation.reason)
    return DescribedScorer(
        defaults.scorer, {**defaults.note, "held_out": held_out_summary(evaluation)}
    )


def _kept(data: LabelledSet) -> str:
    return (
        f"not recalibrated: the model file's scores kept as they are ({len(data)} labelled "
        f"decisions on eligible pairs, {data.positives} accepted; recalibrating needs "
        f"{MIN_CLASS} of each outcome, and a model of log-odds)"
    )


def _defaults(
    data: LabelledSet,
    linear: LinearScore,
    weights: list[float] | None,
    what: str,
    why: str | None = None,
) -> DescribedScorer:
    """The weights sigmoid-calibrated on the newest decisions, or read as a chance."""
    choice = {} if why is None else {"choice": why}
    try:
        if not len(data):  # said in words (scikit-learn's own message names array shapes)
            raise ValueError("no labelled decisions to calibrate on")
        if len(set(data.label.tolist())) < 2:  # the model's own message names its class
            kind = "accepted" if bool(data.label[0]) else "rejected"
            raise ValueError(
                f"its one labelled decision is {kind}"
                if len(data) == 1
                else f"its {len(data)} labelled decisions are all {kind}"
            )
        model = CalibratedDefaults(weights).fit(
            data.features, data.label, decided_on=data.decided_on
        )
    except ValueError as few:
        return DescribedScorer(
            linear,
            {
                "source": f"{what}, not calibrated: their 0-100 score read as the chance of "
                f"acceptance ({few})",
                **choice,
            },
        )
    return DescribedScorer(
        model,
        {
            "source": f"{what}, sigmoid-calibrated on the newest of {len(data)} labelled decisions",
            **choice,
        },
    )


def held_out_summary(evaluation: Evaluation) -> dict[str, Any]:
    """The figures behind the choice, for the manifest: every compared model's log-loss and
    AUC with intervals, and each learned model's log-loss against the defaults' (the choice's
    words cite both learned models: the scoring audit found only the best one here)."""
    comparison = evaluation.comparison
    out: dict[str, Any] = {
        "decisions": comparison.decisions,
        "folds": len(evaluation.folds),
        "log_loss": {},
        "auc": {},
        "log_loss_difference": {},
    }
    learned = [evaluation.best_learned] + sorted(
        name for name in comparison.metrics if name not in (evaluation.best_learned, DEFAULTS)
    )
    for name in (*learned, DEFAULTS):
        for metric in ("log_loss", "auc"):
            out[metric][name] = comparison.metrics[name][metric].as_dict()
    for name in learned:
        difference = comparison.difference(name, DEFAULTS, "log_loss")
        out["log_loss_difference"][f"{name} - {DEFAULTS}"] = difference.as_dict()
        ranking = auc_difference(comparison, name)
        if ranking is not None:  # what a choice by AUC rests on
            out.setdefault("auc_difference", {})[f"{name} - {DEFAULTS}"] = ranking.as_dict()
    return out
