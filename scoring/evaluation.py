"""Honest held-out evaluation, and the choice of tonight's model by it.

* **Rolling time splits** (:func:`rolling_splits`): the newest ``folds x test_share`` of the
  decisions are cut into ``folds`` consecutive windows; each window is predicted by models
  trained only on the decisions before it (a date is never split). Every decision of the
  windows is predicted once, by a model that could have existed when it was made.
* **Eligible pairs only**: the rows are :func:`scoring.training.labelled_set`'s.
* **Nested hyper-parameters** (:func:`select`): inside a training window, each candidate
  setting is fitted on its older 70% and judged by log-loss on its newest 30%; the best is
  refitted on the whole window. The test window is never looked at to choose.
* **The same calibration for all**: the learned models and the default weights
  (:class:`scoring.calibration.CalibratedDefaults`) are each sigmoid-calibrated on the newest
  decisions of the training window before they are compared.
* **Metrics with intervals**: AUC, log-loss, Brier score and calibration error on the pooled
  windows, with 95% bootstrap intervals (visitors resampled) and paired intervals of the
  differences (:func:`scoring.metrics.bootstrap`).
* **The choice** (:func:`choose`): a learned model is used only when it beats the calibrated
  default weights beyond the interval: its log-loss (the upper end of the paired difference
  below zero), or its AUC (the lower end above zero) with a log-loss no worse (the paired
  difference's value at most zero: an order the defaults get wrong, which their calibration
  can only flatten); where both learned models do, the additive one only when its log-loss
  is lower than the linear one's beyond the interval too; otherwise the calibrated defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scoring.additive import AdditiveScorer
from scoring.calibration import HALF_LIFE_DAYS, NEWEST_SHARE, CalibratedDefaults, default_vector
from scoring.features import FEATURE_NAMES, SIGNS
from scoring.logistic import newest_rows
from scoring.metrics import Comparison, Interval, bootstrap, log_loss
from scoring.training import LabelledSet, excluded_features

LEARNED = ("additive", "linear")
DEFAULTS = "defaults"
ORACLE = "generating model"
Model = AdditiveScorer | CalibratedDefaults


@dataclass(frozen=True)
class TrainingSettings:
    """How models are learned, evaluated and chosen.

    The grids and the calibration's half-life were set on generated campaigns of seeds 7 and
    21-24 (and the second hidden model's 21-24), never on the benchmark's seeds."""

    additive_grid: tuple[Mapping[str, float], ...] = (
        {"smoothness": 1.0},
        {"smoothness": 10.0},
        {"smoothness": 100.0},
    )
    linear_grid: tuple[Mapping[str, float], ...] = ({"C": 0.3}, {"C": 3.0})
    C: float = 1.0  # the additive model's pull of its straight parts towards the defaults
    folds: int = 3  # rolling test windows
    test_share: float = 0.15  # share of the decisions in each test window
    inner_share: float = 0.3  # newest share of a training window that judges hyper-parameters
    newest_share: float = NEWEST_SHARE  # calibration on the newest decisions ...
    half_life_days: float = HALF_LIFE_DAYS  # ... weighted by age
    resamples: int = 1000  # bootstrap draws
    min_labels: int = 200  # a run learns only with this many labelled decisions ...
    min_per_class: int = 20  # ... and this many of each outcome
    min_test_per_class: int = 5  # each test window needs this many of each outcome


def too_few_to_learn(data: LabelledSet, settings: TrainingSettings) -> str:
    """Why a run does not try to learn from ``data`` ("" when it does): fewer than
    ``min_labels`` labelled decisions, or than ``min_per_class`` of an outcome (a run and
    ``cxmatch train``'s "run would use" say the same)."""
    counts = np.bincount(data.label.astype(int), minlength=2)
    if len(data) >= settings.min_labels and counts.min() >= settings.min_per_class:
        return ""
    return (
        f"{len(data)} labelled decisions on pairs eligible at the time ({counts[1]} "
        f"accepted), fewer than {settings.min_labels} (or fewer than "
        f"{settings.min_per_class} of an outcome) to learn from"
    )


def new_model(
    name: str, params: Mapping[str, float], settings: TrainingSettings, excluded: Sequence[int]
) -> Model:
    if name == DEFAULTS:
        return CalibratedDefaults(None, settings.newest_share, settings.half_life_days)
    common: dict[str, Any] = {  # params: a grid setting, e.g. {"smoothness": 10.0}
        "prior_weights": default_vector(),
        "sign_constraints": [SIGNS[name] for name in FEATURE_NAMES],
        "excluded_features": tuple(excluded),
        "calibration_share": settings.newest_share,
        "half_life_days": settings.half_life_days,
        "feature_names": FEATURE_NAMES,
    }
    common.update(params)
    if name == "additive":
        return AdditiveScorer(**{"C": settings.C, **common, "shapes": True})
    if name == "linear":
        return AdditiveScorer(**{**common, "shapes": False})
    raise ValueError(f"unknown model {name!r}")


def grid_of(name: str, settings: TrainingSettings) -> tuple[Mapping[str, float], ...]:
    return {
        "additive": settings.additive_grid,
        "linear": settings.linear_grid,
        DEFAULTS: ({},),
    }[name]


def _fit(model: Model, data: LabelledSet) -> Model:
    return model.fit(data.features, data.label, decided_on=data.decided_on)


def _classes(data: LabelledSet) -> int:
    return int(np.bincount(data.label.astype(int), minlength=2).min())


def select(
    name: str, data: LabelledSet, settings: TrainingSettings
) -> tuple[Mapping[str, float], dict[str, float]]:
    """The grid setting with the lowest log-loss on the newest ``inner_share`` of ``data``
    when fitted on the rest (ties and too few decisions: the first setting)."""
    grid = grid_of(name, settings)
    if len(grid) == 1:
        return grid[0], {}
    newest = newest_rows(data.decided_on, len(data), settings.inner_share)
    older, judge = data.subset(~newest), data.subset(newest)
    if _classes(older) < settings.min_test_per_class or _classes(judge) < 1:
        return grid[0], {}
    excluded = excluded_features(older)
    losses = {}
    for params in grid:
        model = _fit(new_model(name, params, settings, excluded), older)
        losses[_label(params)] = log_loss(judge.label, model.predict_proba(judge.features)[:, 1])
    best = min(range(len(grid)), key=lambda i: (losses[_label(grid[i])], i))
    return grid[best], {k: round(v, 5) for k, v in losses.items()}


def _label(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def fit_selected(
    name: str, data: LabelledSet, settings: TrainingSettings
) -> tuple[Model, Mapping[str, float]]:
    """The model of kind ``name`` with its nested-selected setting, fitted on all of ``data``."""
    params, _ = select(name, data, settings)
    return _fit(new_model(name, params, settings, excluded_features(data)), data), params


def rolling_splits(
    decided_on: np.ndarray, folds: int, test_share: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) masks: ``folds`` consecutive test windows over the newest decisions,
    each trained on every decision before it; rows of one date stay on one side."""
    days = np.asarray(decided_on, dtype="datetime64[D]")
    n = len(days)
    if n == 0:
        return []
    ordered = np.sort(days)
    starts = [ordered[min(n - 1, int(n * (1 - (folds - k) * test_share)))] for k in range(folds)]
    ends = [*starts[1:], ordered[-1] + np.timedelta64(1, "D")]
    out = []
    for start, end in zip(starts, ends, strict=True):
        test = (days >= start) & (days < end)
        if test.any():
            out.append((days < start, test))
    return out


@dataclass
class Evaluation:
    """Held-out predictions of each model, their metrics with intervals, and the choice."""

    comparison: Comparison
    folds: list[dict[str, Any]]
    chosen: str  # "additive", "linear" or "defaults"
    reason: str
    best_learned: str
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "protocol": "rolling time splits over labelled decisions on pairs eligible at the "
            "time; hyper-parameters chosen inside each training window; every model "
            "sigmoid-calibrated on the newest decisions of its training window; 95% bootstrap "
            "intervals over visitors",
            "folds": self.folds,
            "comparison": self.comparison.as_dict(),
            "chosen": self.chosen,
            "best_learned": self.best_learned,
            "reason": self.reason,
            "notes": self.notes,
        }


def evaluate(
    data: LabelledSet,
    settings: TrainingSettings | None = None,
    *,
    oracle: np.ndarray | None = None,
    seed: int = 0,
) -> Evaluation:
    """Predict each rolling test window with models trained before it; compare and choose.

    ``oracle`` (optional, one probability per row of ``data``) is the generating model's
    probability, compared alongside (benchmarks). Raises ValueError with too few decisions."""
    settings = settings or TrainingSettings()
    splits = rolling_splits(data.decided_on, settings.folds, settings.test_share)
    names = (*LEARNED, DEFAULTS)
    predicted: dict[str, list[np.ndarray]] = {name: [] for name in names}
    tested: list[np.ndarray] = []
    folds = []
    for train_mask, test_mask in splits:
        train, test = data.subset(train_mask), data.subset(test_mask)
        if _classes(train) < settings.min_per_class or _classes(test) < settings.min_test_per_class:
            continue
        fold: dict[str, Any] = {
            "train_decisions": len(train),
            "train_positive": train.positives,
            "test_from": str(test.decided_on.min()),
            "test_to": str(test.decided_on.max()),
            "test_decisions": len(test),
            "test_positive": test.positives,
            "settings": {},
        }
        for name in names:
            model, params = fit_selected(name, train, settings)
            predicted[name].append(model.predict_proba(test.features)[:, 1])
            fold["settings"][name] = _label(params)
        tested.append(np.flatnonzero(test_mask))
        folds.append(fold)
    if not folds:
        raise ValueError(
            f"too few decisions to evaluate: {len(data)} labelled decisions on eligible pairs "
            f"({data.positives} accepted); each test window needs "
            f"{settings.min_test_per_class} of each outcome and its training "
            f"{settings.min_per_class}"
        )
    rows = np.concatenate(tested)
    probabilities = {name: np.concatenate(parts) for name, parts in predicted.items()}
    if oracle is not None:
        probabilities[ORACLE] = np.asarray(oracle)[rows]
    pairs = [(name, DEFAULTS) for name in probabilities if name != DEFAULTS]
    pairs.append(("additive", "linear"))
    if oracle is not None:
        pairs += [(name, ORACLE) for name in names]
    comparison = bootstrap(
        data.label[rows], probabilities, data.visitor[rows], pairs,
        resamples=settings.resamples, seed=seed,
    )  # fmt: skip
    chosen, best, reason = choose(comparison)
    return Evaluation(comparison, folds, chosen, reason, best)


def choose(comparison: Comparison) -> tuple[str, str, str]:
    """(chosen, best learned, why): see the module doc. A learned model is used when its
    held-out log-loss beats the calibrated defaults' beyond the interval, or its AUC does
    with a log-loss no worse, whichever of the two it is; where both do, the additive one only if it beats the linear one beyond the
    interval too (an additive model that beats the defaults clearly while the linear one does
    not is used: the audit saw it left out for the defaults)."""
    additive_gain = comparison.difference("additive", "linear", "log_loss")
    preferred = "additive" if additive_gain.high < 0 else "linear"
    versus = {name: comparison.difference(name, DEFAULTS, "log_loss") for name in LEARNED}
    ranking = {name: auc_difference(comparison, name) for name in LEARNED}
    # by log-loss beyond the interval; or by AUC beyond it, the log-loss no worse (the scoring
    # audit: the defaults ranked a campaign's pairs backwards, AUC 0.37 [0.25, 0.50], the
    # learned model +0.25 [+0.06, +0.45] above them, log-loss -0.058 [-0.146, +0.032]: the
    # defaults' calibration flattens a wrong order, it cannot turn it round)
    by_loss = [name for name in LEARNED if versus[name].high < 0]
    by_auc = [
        name
        for name in LEARNED
        if name not in by_loss and _ranks_better(ranking[name]) and versus[name].value <= 0
    ]
    beating = [name for name in LEARNED if name in by_loss or name in by_auc]
    if not beating:
        return (
            DEFAULTS,
            preferred,
            (
                "calibrated default weights: neither learned model's held-out log-loss beats "
                f"theirs beyond the 95% interval (difference: linear {versus['linear']}, "
                f"additive {versus['additive']}), nor its AUC" + _auc_words(ranking)
            ),
        )
    if by_loss:
        beating = by_loss  # the proper score first: AUC only where log-loss decides nothing
    best = preferred if preferred in beating else beating[0]
    if len(beating) == 2:
        why_best = (
            f"the additive model's held-out log-loss is below the linear one's beyond the "
            f"interval (difference {additive_gain})"
            if best == "additive"
            else f"the additive model's held-out log-loss is not below the linear one's beyond "
            f"the interval (difference {additive_gain}): the simpler linear model"
        )
    else:
        other = next(name for name in LEARNED if name != best)
        why_best = (
            f"the {other} model's does not (difference {versus[other]})"
            if best in by_loss
            else f"the {other} model's does not (AUC difference {ranking[other]}, log-loss "
            f"difference {versus[other]})"
        )
    what = (
        f"its held-out log-loss beats the calibrated default weights' beyond the 95% interval "
        f"(difference {versus[best]})"
        if best in by_loss
        else f"its held-out AUC beats the calibrated default weights' beyond the 95% interval "
        f"(difference {ranking[best]}), its log-loss no worse (difference {versus[best]})"
    )
    return best, best, f"learned {best} model: {what}; {why_best}"


def auc_difference(comparison: Comparison, name: str) -> Interval | None:
    """The held-out AUC of ``name`` less the calibrated defaults', where it was compared."""
    return comparison.differences.get(f"{name} - {DEFAULTS}", {}).get("auc")


def _ranks_better(difference: Interval | None) -> bool:
    return difference is not None and difference.low > 0


def _auc_words(ranking: Mapping[str, Interval | None]) -> str:
    known = {name: value for name, value in ranking.items() if value is not None}
    if not known:
        return ""
    return " (difference: " + ", ".join(f"{n} {v}" for n, v in known.items()) + ")"
