"""What a score model learns from: a campaign's labelled decisions, as feature rows (no I/O:
a loaded Campaign in, arrays out).

* **Labels**: accepted and completed decisions are positives, rejected and cancelled ones
  negatives (:func:`labelled_pairs`); decisions on hold are not labels yet.
* **Only pairs the rules allowed at the time** (:func:`eligible_at_decision`): a decision is
  learned from only when its pair was eligible just before it was decided: the campaign's
  rules on the profiles, the visitor's physical visit as the history stood then, and no
  earlier rejection of the pair. The model is only ever asked about eligible pairs, and a
  pair the rules exclude says nothing about how eligible pairs are received.
* **No sampled negatives**: never-proposed eligible pairs are not used. They taught the
  proposers' habits (which pairs people chose to propose), not acceptance: on generated
  campaigns ``same_partnership`` learned +0.07 with them where the truth is -0.5 (-0.27
  without). Proposal propensity is not modelled: the model estimates P(accepted | proposed,
  features), which selection on the features does not bias, and the runs only ever need
  that probability of the pairs they propose.
* **Collinear languages**: when the policy requires a common language, every eligible pair
  shares one, so ``english_only`` is exactly ``1 - shared_language``: the two cannot be told
  apart (any split of the effect between them fits equally). Then ``english_only`` is left
  out of the fit (:func:`excluded_features`) and ``shared_language`` carries the language
  effect, and its reasons. Without the requirement, three states exist (another shared
  language, English only, none) and both are fitted, ``english_only`` with a free sign.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.domain.contract import BLOCKING_OUTCOMES, POSITIVE_OUTCOMES, Campaign
from scoring.eligibility import EligibilityContext, eligibility, eligibility_context
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.features import FEATURE_NAMES, FeatureInputs, compute_features
from scoring.pairs import pair_view
from scoring.tables import PairTables, SideTables
from scoring.text import TextSimilarity

log = logging.getLogger(__name__)

CHUNK_PAIRS = 200_000  # aligned pairs per feature computation


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


def _positions(ids: np.ndarray, wanted: pd.Series) -> np.ndarray:
    return pd.Series(np.arange(len(ids)), index=ids).reindex(wanted.to_numpy()).to_numpy()


def labelled_pairs(campaign: Campaign, encoded: EncodedCampaign) -> LabelledPairs:
    """The history's decisions of the campaign's profiles, each once: a row that repeats an
    earlier one exactly (an export written twice) is the same decision, not a second one (the
    scoring audit: 100 decisions written three times passed the 200 the model needs)."""
    history = campaign.history.drop_duplicates(keep="first")
    decided = history[history["outcome"].isin(POSITIVE_OUTCOMES + BLOCKING_OUTCOMES)]
    v = _positions(encoded.visitors.ids, decided["visitor_id"])
    h = _positions(encoded.hosts.ids, decided["host_id"])
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


def pair_features(
    scoring: ScoringContext, visitor: np.ndarray, host: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, F) float32, eligible now (n,) bool) of aligned pairs, in chunks."""
    features = np.empty((len(visitor), len(FEATURE_NAMES)), dtype=np.float32)
    eligible = np.empty(len(visitor), dtype=bool)
    encoded = scoring.encoded
    # each side's tables once per profile, gathered per pair (not unpacked again per pair)
    visitor_tables = SideTables.of(encoded.visitors, encoded.vocab)
    host_tables = SideTables.of(encoded.hosts, encoded.vocab)
    for start in range(0, len(visitor), CHUNK_PAIRS):
        part = slice(start, start + CHUNK_PAIRS)
        view = pair_view(encoded.visitors, encoded.hosts, visitor[part], host[part])
        elig = eligibility(view, scoring.context)
        tables = PairTables(
            visitor_tables.take(visitor[part]), host_tables.take(host[part]), dense=False
        )
        features[part] = compute_features(
            FeatureInputs(view, elig.overlap_days, scoring.text, encoded.vocab, tables=tables)
        )
        eligible[part] = elig.eligible
    return features, eligible


def _earlier(keys: np.ndarray, days: np.ndarray, event_keys: np.ndarray, event_days: np.ndarray):
    """For each (key, day): how many events of the same key happened before that day."""
    span = np.int64(1 << 32)
    events = np.sort(event_keys.astype(np.int64) * span + event_days.astype(np.int64))
    query = keys.astype(np.int64) * span
    return np.searchsorted(events, query + days.astype(np.int64), "left") - np.searchsorted(
        events, query, "left"
    )


def eligible_at_decision(scoring: ScoringContext, labels: LabelledPairs) -> np.ndarray:
    """Was each decided pair eligible just before its decision? The campaign's rules on the
    profiles, with the visitor's physical visits and the pair's rejections as of that day."""
    encoded, context, campaign = scoring.encoded, scoring.context, scoring.campaign
    view = pair_view(encoded.visitors, encoded.hosts, labels.visitor, labels.host)
    static = [
        eligibility(
            view,
            replace(
                context,
                physical_left=np.full(len(encoded.visitors), left),
                blocked=np.zeros((0, 2), np.int64),
                repeat_virtual=np.zeros((0, 2), np.int64),
            ),
        ).eligible
        for left in (False, True)
    ]
    history = campaign.history
    day = labels.decided_on.astype("datetime64[D]").astype(np.int64)

    def events(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        v = _positions(encoded.visitors.ids, rows["visitor_id"])
        h = _positions(encoded.hosts.ids, rows["host_id"])
        d = pd.to_datetime(rows["decided_on"]).to_numpy().astype("datetime64[D]").astype(np.int64)
        known = ~np.isnan(v) & ~np.isnan(h)
        return v[known].astype(np.int64), h[known].astype(np.int64), d[known]

    used_v, _, used_day = events(
        history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    )
    # one physical visit per visiting organisation: its profiles' visits before that day
    org = encoded.visitors.org_id
    visits = _earlier(org[labels.visitor], day, org[used_v], used_day)
    physical_left = visits < campaign.policy.physical_visits_per_visitor
    block_v, block_h, block_day = events(history[history["outcome"].isin(BLOCKING_OUTCOMES)])
    n_hosts = max(len(encoded.hosts), 1)
    rejected = _earlier(
        labels.visitor * n_hosts + labels.host, day, block_v * n_hosts + block_h, block_day
    )
    return np.where(physical_left, static[1], static[0]) & (rejected == 0)


@dataclass(frozen=True)
class LabelledSet:
    """The decisions a model learns from (eligible at the time), oldest first."""

    features: np.ndarray  # (n, F) float32
    label: np.ndarray  # (n,) int8
    decided_on: np.ndarray  # (n,) datetime64[D]
    visitor: np.ndarray  # (n,) visitor position: the bootstrap's groups
    host: np.ndarray  # (n,) host position
    dropped: int  # decisions on pairs the rules did not allow at the time
    require_common_language: bool = True

    def __len__(self) -> int:
        return len(self.label)

    @property
    def positives(self) -> int:
        return int(self.label.sum())

    def subset(self, rows: np.ndarray) -> LabelledSet:
        return LabelledSet(
            self.features[rows], self.label[rows], self.decided_on[rows], self.visitor[rows],
            self.host[rows], 0, self.require_common_language,
        )  # fmt: skip

    def digest(self) -> str:
        """sha256 of the rows: the training-data hash of a saved model."""
        h = hashlib.sha256()
        for array in (self.features, self.label, self.decided_on.astype(np.int64), self.visitor):
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()


def labelled_set(scoring: ScoringContext) -> LabelledSet:
    """Every labelled decision of the campaign whose pair was eligible at the time."""
    labels = labelled_pairs(scoring.campaign, scoring.encoded)
    allowed = eligible_at_decision(scoring, labels)
    kept = labels.subset(allowed)
    features, _ = pair_features(scoring, kept.visitor, kept.host)
    if len(labels) > len(kept):
        log.info("%d of %d decisions were on pairs not eligible at the time: left out",
                 len(labels) - len(kept), len(labels))  # fmt: skip
    return LabelledSet(
        features, kept.label, kept.decided_on, kept.visitor, kept.host,
        len(labels) - len(kept), scoring.context.require_common_language,
    )  # fmt: skip


def excluded_features(data: LabelledSet) -> tuple[int, ...]:
    """``english_only`` when it is ``1 - shared_language`` on every row (see module doc)."""
    english = FEATURE_NAMES.index("english_only")
    shared = FEATURE_NAMES.index("shared_language")
    if len(data) == 0:
        return (english,) if data.require_common_language else ()
    total = data.features[:, english] + data.features[:, shared]
    return (english,) if bool(np.all(total == 1)) else ()
