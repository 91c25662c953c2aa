"""Learning the score from a campaign's history (no I/O: a loaded Campaign in, models and
reports as values out).

* **Labels**: accepted and completed decisions are positives, rejected and cancelled ones
  negatives (``labelled_pairs``).
* **Sampled negatives**: never-proposed *eligible* pairs of the same visitors, drawn at
  random, ``sampled_per_label`` per labelled pair, down-weighted in the fit and corrected
  for (see :mod:`scoring.model`).
* **Evaluation** (``evaluate``): decisions are split in time; the visitors decided on after
  the cut-off are the test visitors (grouped: none of their decisions is trained on), the
  older decisions of the other visitors train. On the test decisions: AUC, Brier score and
  calibration error; per test visitor with an accepted host, that host's rank among every
  host eligible for the visitor (plus the hosts decided on): hit@k and NDCG@k. The default
  weights get the same metrics, as the baseline.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import BLOCKING_OUTCOMES, POSITIVE_OUTCOMES, Campaign
from scoring.eligibility import EligibilityContext, eligibility, eligibility_context
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.features import (
    DEFAULT_WEIGHTS,
    FEATURE_NAMES,
    SIGNS,
    FeatureInputs,
    compute_features,
)
from scoring.linear import LinearScore
from scoring.metrics import KS, auc, brier, calibration_error, ranking
from scoring.model import MatchScorer
from scoring.pairs import pair_view
from scoring.text import TextSimilarity

log = logging.getLogger(__name__)

CHUNK_PAIRS = 200_000  # aligned pairs per feature computation


@dataclass(frozen=True)
class TrainingSettings:
    """How a model is trained from history.

    ``C`` and ``sampled_weight`` were chosen on generated campaigns (3000 x 800, seeds 7-9,
    and 1500 x 400): more weight on the sampled pairs ranks hosts better (hit@k) but blurs
    the acceptance model (AUC); 0.075 improves both over the default weights."""

    C: float = 0.3  # weight of the data loss against the pull 1/2 ||beta - centre||^2
    sampled_per_label: float = 2.0  # never-proposed eligible pairs drawn per labelled pair
    sampled_weight: float = 0.075  # weight of each drawn pair in the fit
    calibration_folds: int = 5
    min_labels: int = 200  # a run learns from history only with this many labelled decisions
    min_per_class: int = 20  # ... and this many of each outcome
    cold_start_below: int = 200  # fewer labelled decisions: a cold start (said in the report)
    test_fraction: float = 0.25  # share of the decisions (newest) held out by evaluate()


@dataclass(frozen=True)
class LabelledPairs:
    """History decisions whose visitor and host are in the campaign, oldest first."""

    visitor: np.ndarray  # position among the campaign's visitors
    host: np.ndarray  # position among the campaign's hosts
    label: np.ndarray  # 1 accepted/completed, 0 rejected/cancelled
    decided_on: np.ndarray  # datetime64[D]

    def __len__(self) -> int:
        return len(self.label)

    def subset(self, mask: np.ndarray) -> LabelledPairs:
        return LabelledPairs(
            self.visitor[mask], self.host[mask], self.label[mask], self.decided_on[mask]
        )


@dataclass(frozen=True)
class ScoringContext:
    """What features need beyond profile arrays: the encoding, the texts and eligibility."""

    campaign: Campaign
    encoded: EncodedCampaign
    text: TextSimilarity
    context: EligibilityContext

    @classmethod
    def of(
        cls,
        campaign: Campaign,
        encoded: EncodedCampaign | None = None,
        text: TextSimilarity | None = None,
    ) -> ScoringContext:
        encoded = encoded if encoded is not None else encode_campaign(campaign)
        if text is None:
            text = TextSimilarity.fit(
                encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
            )
        context = eligibility_context(campaign, encoded)
        return cls(campaign, encoded, text, context)


def labelled_pairs(campaign: Campaign, encoded: EncodedCampaign) -> LabelledPairs:
    history = campaign.history
    visitor_pos = pd.Series(np.arange(len(encoded.visitors)), index=encoded.visitors.ids)
    host_pos = pd.Series(np.arange(len(encoded.hosts)), index=encoded.hosts.ids)
    decided = history[history["outcome"].isin(POSITIVE_OUTCOMES + BLOCKING_OUTCOMES)]
    v = visitor_pos.reindex(decided["visitor_id"].to_numpy()).to_numpy()
    h = host_pos.reindex(decided["host_id"].to_numpy()).to_numpy()
    known = ~(np.isnan(v) | np.isnan(h))
    decided = decided[known]
    dates = pd.to_datetime(decided["decided_on"]).to_numpy().astype("datetime64[D]")
    order = np.argsort(dates, kind="stable")
    return LabelledPairs(
        visitor=v[known].astype(np.int64)[order],
        host=h[known].astype(np.int64)[order],
        label=decided["outcome"].isin(POSITIVE_OUTCOMES).to_numpy().astype(np.int8)[order],
        decided_on=dates[order],
    )


def enough_labels(labels: LabelledPairs, settings: TrainingSettings) -> bool:
    positives = int(labels.label.sum())
    negatives = len(labels) - positives
    return (
        len(labels) >= settings.min_labels and min(positives, negatives) >= settings.min_per_class
    )


def pair_features(
    scoring: ScoringContext, visitor: np.ndarray, host: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, F) float32, eligible (n,) bool) of aligned pairs, in chunks."""
    features = np.empty((len(visitor), len(FEATURE_NAMES)), dtype=np.float32)
    eligible = np.empty(len(visitor), dtype=bool)
    encoded = scoring.encoded
    for start in range(0, len(visitor), CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        view = pair_view(encoded.visitors, encoded.hosts, visitor[part], host[part])
        elig = eligibility(view, scoring.context)
        features[part] = compute_features(
            FeatureInputs(view, elig.overlap_days, scoring.text, encoded.vocab)
        )
        eligible[part] = elig.eligible
    return features, eligible


def sample_unproposed(
    scoring: ScoringContext,
    visitors: np.ndarray,
    n: int,
    exclude: LabelledPairs,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` distinct eligible pairs (visitor from ``visitors``, any host) that were
    never decided on, drawn uniformly."""
    n_hosts = len(scoring.encoded.hosts)
    if n <= 0 or len(visitors) == 0 or n_hosts == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    decided = set((exclude.visitor * n_hosts + exclude.host).tolist())
    found: list[np.ndarray] = []
    have = 0
    seen: set[int] = set()
    for _attempt in range(20):
        draw = max(2 * (n - have), 1000)
        v = rng.choice(visitors, size=draw)
        h = rng.integers(0, n_hosts, size=draw)
        keys = v * n_hosts + h
        _, first = np.unique(keys, return_index=True)
        first = np.sort(first)
        fresh = np.array([int(k) not in decided and int(k) not in seen for k in keys[first]])
        v, h, keys = v[first][fresh], h[first][fresh], keys[first][fresh]
        view = pair_view(scoring.encoded.visitors, scoring.encoded.hosts, v, h)
        ok = eligibility(view, scoring.context).eligible
        keys = keys[ok][: n - have]
        seen.update(keys.tolist())
        found.append(keys)
        have += len(keys)
        if have >= n:
            break
    keys = np.concatenate(found) if found else np.zeros(0, np.int64)
    return keys // n_hosts, keys % n_hosts


@dataclass(frozen=True)
class TrainingSet:
    features: np.ndarray  # (n, F) float32
    label: np.ndarray  # 0/1
    sampled: np.ndarray  # bool: a drawn never-proposed pair
    visitor: np.ndarray  # group of each row (visitor position)

    def digest(self) -> str:
        """sha256 of the rows: the training-data hash of a saved model."""
        h = hashlib.sha256()
        for array in (self.features, self.label, self.sampled, self.visitor):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()


def training_set(
    scoring: ScoringContext,
    labels: LabelledPairs,
    settings: TrainingSettings,
    rng: np.random.Generator,
    exclude: LabelledPairs | None = None,
) -> TrainingSet:
    """The labelled pairs plus never-proposed eligible pairs of the same visitors."""
    n_sampled = round(settings.sampled_per_label * len(labels))
    visitors = np.unique(labels.visitor)
    sv, sh = sample_unproposed(scoring, visitors, n_sampled, exclude or labels, rng)
    visitor = np.concatenate([labels.visitor, sv])
    host = np.concatenate([labels.host, sh])
    features, _eligible = pair_features(scoring, visitor, host)
    return TrainingSet(
        features=features,
        label=np.concatenate([labels.label, np.zeros(len(sv), np.int8)]),
        sampled=np.r_[np.zeros(len(labels), bool), np.ones(len(sv), bool)],
        visitor=visitor,
    )


def new_scorer(settings: TrainingSettings, random_state: int) -> MatchScorer:
    return MatchScorer(
        C=settings.C,
        prior_weights=[DEFAULT_WEIGHTS[name] for name in FEATURE_NAMES],
        sign_constraints=[SIGNS[name] for name in FEATURE_NAMES],
        sampled_weight=settings.sampled_weight,
        calibration_folds=settings.calibration_folds,
        cold_start_below=settings.cold_start_below,
        random_state=random_state,
        feature_names=FEATURE_NAMES,
    )


def fit(data: TrainingSet, settings: TrainingSettings, random_state: int) -> MatchScorer:
    return new_scorer(settings, random_state).fit(
        data.features, data.label, sampled=data.sampled, groups=data.visitor
    )


@dataclass(frozen=True)
class TrainedModel:
    scorer: MatchScorer
    training_hash: str
    labelled: int
    sampled: int


def train(
    scoring: ScoringContext, settings: TrainingSettings | None = None, random_state: int = 0
) -> TrainedModel:
    """A model fitted on every labelled decision of the campaign."""
    settings = settings or TrainingSettings()
    labels = labelled_pairs(scoring.campaign, scoring.encoded)
    data = training_set(scoring, labels, settings, np.random.default_rng(random_state))
    scorer = fit(data, settings, random_state)
    log.info("trained on %d decisions and %d sampled pairs", len(labels), int(data.sampled.sum()))
    return TrainedModel(scorer, data.digest(), len(labels), int(data.sampled.sum()))


def time_split(labels: LabelledPairs, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) masks: test = decisions on or after the cut-off date (the newest
    ``test_fraction``); train = older decisions of visitors with no test decision."""
    if len(labels) == 0:
        empty = np.zeros(0, bool)
        return empty, empty
    cutoff = np.sort(labels.decided_on)[int((1 - test_fraction) * (len(labels) - 1))]
    test = labels.decided_on >= cutoff
    test_visitors = np.unique(labels.visitor[test])
    train = ~test & ~np.isin(labels.visitor, test_visitors)
    return train, test


def _metrics(
    label: np.ndarray,
    probability: np.ndarray,
    group: np.ndarray,
    rank_score: np.ndarray,
    relevant: np.ndarray,
) -> dict[str, float]:
    out = {
        "auc": auc(label, probability),
        "brier": brier(label, probability),
        "calibration_error": calibration_error(label, probability),
    }
    out.update(ranking(group, rank_score, relevant, KS))
    return {k: round(v, 4) for k, v in out.items()}


@dataclass
class Evaluation:
    """The report of ``evaluate``: split sizes and the metrics of both models."""

    split: dict[str, Any]
    learned: dict[str, float]
    default: dict[str, float]
    scorer: MatchScorer
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("scorer")
        out["model"] = self.scorer.describe()
        return out


def evaluate(
    scoring: ScoringContext, settings: TrainingSettings | None = None, random_state: int = 0
) -> Evaluation:
    """Train on the older decisions, test on the newer ones; the default weights alongside."""
    settings = settings or TrainingSettings()
    campaign, encoded = scoring.campaign, scoring.encoded
    labels = labelled_pairs(campaign, encoded)
    train_mask, test_mask = time_split(labels, settings.test_fraction)
    train_labels, test_labels = labels.subset(train_mask), labels.subset(test_mask)
    if len(np.unique(train_labels.label)) < 2 or len(np.unique(test_labels.label)) < 2:
        raise ValueError(
            f"too few decisions to evaluate: {len(train_labels)} to train and "
            f"{len(test_labels)} to test, each needs accepted and rejected ones"
        )
    rng = np.random.default_rng(random_state)
    data = training_set(scoring, train_labels, settings, rng, exclude=labels)
    scorer = fit(data, settings, random_state)
    default = LinearScore()

    # the test decisions: discrimination and calibration
    test_features, _ = pair_features(scoring, test_labels.visitor, test_labels.host)
    learned_p = scorer.score(test_features) / 100.0
    default_p = default.score(test_features) / 100.0

    # ranking: each test visitor's hosts, eligible as of the training period
    past = campaign.history.iloc[:0]
    if len(campaign.history):
        cutoff = pd.Timestamp(test_labels.decided_on.min())
        past = campaign.history[pd.to_datetime(campaign.history["decided_on"]) < cutoff]
    as_before = ScoringContext(
        campaign,
        encoded,
        scoring.text,
        eligibility_context(campaign.replace(history=past), encoded),
    )
    ranked_visitors = np.unique(test_labels.visitor[test_labels.label == 1])
    n_hosts = len(encoded.hosts)
    visitor = np.repeat(ranked_visitors, n_hosts)
    host = np.tile(np.arange(n_hosts), len(ranked_visitors))
    features, eligible = pair_features(as_before, visitor, host)
    positive = test_labels.label == 1
    accepted = set((test_labels.visitor[positive] * n_hosts + test_labels.host[positive]).tolist())
    decided = set((test_labels.visitor * n_hosts + test_labels.host).tolist())
    keys = visitor * n_hosts + host
    relevant = np.fromiter((int(k) in accepted for k in keys), bool, len(keys))
    shown = eligible | np.fromiter((int(k) in decided for k in keys), bool, len(keys))
    group, relevant, features = visitor[shown], relevant[shown], features[shown]

    learned = _metrics(test_labels.label, learned_p, group, scorer.score(features), relevant)
    baseline = _metrics(test_labels.label, default_p, group, default.score(features), relevant)
    notes = []
    if len(train_labels) < settings.cold_start_below:
        notes.append(
            f"cold start: {len(train_labels)} labelled decisions to learn from "
            f"(< {settings.cold_start_below}); the weights stay close to the default weights"
        )
    split = {
        "cutoff": str(test_labels.decided_on.min()),
        "train_decisions": len(train_labels),
        "train_positive": int(train_labels.label.sum()),
        "sampled_pairs": int(data.sampled.sum()),
        "test_decisions": len(test_labels),
        "test_positive": int(test_labels.label.sum()),
        "dropped_decisions": int(len(labels) - len(train_labels) - len(test_labels)),
        "ranked_visitors": int(len(ranked_visitors)),
        "hosts_per_ranked_visitor": round(len(group) / max(len(ranked_visitors), 1), 1),
    }
    return Evaluation(split=split, learned=learned, default=baseline, scorer=scorer, notes=notes)
