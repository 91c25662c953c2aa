"""Candidate pairs: eligibility, features and scores over blocks of visitors, then pruning.

Every visitor-host pair is looked at once, a block of visitors against all hosts at a time
(memory stays bounded by ``block_pairs``). A pair is kept as a candidate for the solver when
it is eligible and among the ``top_k`` best hosts of its visitor or among the best visitors
of its host (``max(top_k, 4 x capacity)``); when the campaign has at most ``keep_all_below``
eligible pairs, all of them are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.eligibility import EligibilityContext, eligibility
from scoring.encoding import EncodedCampaign
from scoring.features import FeatureInputs, compute_features
from scoring.pairs import block_view
from scoring.text import TextSimilarity

log = logging.getLogger(__name__)

Scorer = Callable[[np.ndarray], np.ndarray]  # features (..., n_features) -> scores 0-100


@dataclass(frozen=True)
class CandidateStats:
    pairs_seen: int
    eligible: int
    kept: int


def build_candidates(
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Scorer,
    *,
    top_k: int = 25,
    keep_all_below: int = 200_000,
    block_pairs: int = 2_000_000,
) -> tuple[pd.DataFrame, CandidateStats]:
    """Columns: visitor (position), host (position), score, physical, stay_days, overlap_days."""
    visitors, hosts = encoded.visitors, encoded.hosts
    n_visitors, n_hosts = len(visitors), len(hosts)
    empty = pd.DataFrame(
        {
            "visitor": np.array([], dtype=np.int32),
            "host": np.array([], dtype=np.int32),
            "score": np.array([], dtype=np.float32),
            "physical": np.array([], dtype=bool),
            "stay_days": np.array([], dtype=np.int16),
            "overlap_days": np.array([], dtype=np.int32),
        }
    )
    if n_visitors == 0 or n_hosts == 0:
        return empty, CandidateStats(n_visitors * n_hosts, 0, 0)

    block = max(1, block_pairs // n_hosts)
    host_keep = np.maximum(top_k, 4 * hosts.capacity)
    parts: list[pd.DataFrame] = []
    eligible_total = 0
    for start in range(0, n_visitors, block):
        stop = min(start + block, n_visitors)
        view = block_view(visitors, hosts, start, stop)
        elig = eligibility(view, context)
        features = compute_features(
            FeatureInputs(view=view, overlap_days=elig.overlap_days, text=text, vocab=encoded.vocab)
        )
        scores = score(features).astype(np.float32)
        del features
        scores[~elig.eligible] = -1.0
        eligible_total += int(elig.eligible.sum())
        keep = _top_per_row(scores, top_k) | _top_per_column(scores, host_keep)
        keep &= elig.eligible
        rows, cols = np.nonzero(keep)
        parts.append(
            pd.DataFrame(
                {
                    "visitor": (rows + start).astype(np.int32),
                    "host": cols.astype(np.int32),
                    "score": scores[rows, cols],
                    "physical": elig.physical[rows, cols],
                    "stay_days": elig.stay_days[rows, cols],
                    "overlap_days": elig.overlap_days[rows, cols],
                }
            )
        )
        log.debug("block %d-%d: %d eligible", start, stop, int(elig.eligible.sum()))
    table = pd.concat(parts, ignore_index=True) if parts else empty
    if eligible_total > keep_all_below:
        table = _prune_hosts(table, host_keep, top_k)
    table = table.sort_values(["visitor", "host"], kind="stable").reset_index(drop=True)
    return table, CandidateStats(n_visitors * n_hosts, eligible_total, len(table))


def _top_per_row(scores: np.ndarray, k: int) -> np.ndarray:
    """(b, h) bool: the k best entries of each row (all of them if a row has at most k)."""
    if scores.shape[1] <= k:
        return np.ones_like(scores, dtype=bool)
    kth = np.partition(scores, -k, axis=1)[:, -k][:, None]
    return scores >= kth


def _top_per_column(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(b, h) bool: for host j, its k[j] best visitors within this block."""
    b = scores.shape[0]
    order = np.argsort(-scores, axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(b)[:, None], axis=0)
    return ranks < np.minimum(k, b)[None, :]


def _prune_hosts(table: pd.DataFrame, host_keep: np.ndarray, top_k: int) -> pd.DataFrame:
    """Across blocks: keep a pair if it is in its visitor's top k or its host's top host_keep."""
    by_visitor = table.groupby("visitor")["score"].rank(method="first", ascending=False)
    by_host = table.groupby("host")["score"].rank(method="first", ascending=False)
    limit = host_keep[table["host"].to_numpy()]
    return table[(by_visitor <= top_k).to_numpy() | (by_host.to_numpy() <= limit)]
