"""Pairs carried over from earlier nights (on hold, pending) back among tonight's candidates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring.eligibility import EligibilityContext, eligibility
from scoring.encoding import EncodedCampaign
from scoring.features import FeatureInputs, compute_features
from scoring.pairs import pair_view
from scoring.text import TextSimilarity


def carry_candidates(
    sticky: pd.DataFrame,
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Callable[[np.ndarray], np.ndarray],
    candidates: pd.DataFrame,
) -> pd.DataFrame:
    """Candidates plus the ``sticky`` pairs (``visitor_id, host_id``: on hold or pending)
    that are still eligible."""
    visitor_pos = {v: i for i, v in enumerate(encoded.visitors.ids)}
    host_pos = {h: i for i, h in enumerate(encoded.hosts.ids)}
    sticky = sticky.drop_duplicates()
    present = set(zip(candidates["visitor"].tolist(), candidates["host"].tolist(), strict=True))
    wanted = [
        (visitor_pos[v], host_pos[h])
        for v, h in zip(sticky["visitor_id"], sticky["host_id"], strict=True)
        if v in visitor_pos and h in host_pos
    ]
    missing = sorted({pair for pair in wanted if pair not in present})
    if missing:
        candidates = pd.concat([candidates, _score_pairs(missing, encoded, text, context, score)])
    return candidates.sort_values(["visitor", "host"], kind="stable").reset_index(drop=True)


def _score_pairs(
    pairs: list[tuple[int, int]],
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Callable[[np.ndarray], np.ndarray],
) -> pd.DataFrame:
    v = np.array([p[0] for p in pairs], dtype=np.int64)
    h = np.array([p[1] for p in pairs], dtype=np.int64)
    view = pair_view(encoded.visitors, encoded.hosts, v, h)
    elig = eligibility(view, context)
    features = compute_features(
        FeatureInputs(view=view, overlap_days=elig.overlap_days, text=text, vocab=encoded.vocab)
    )
    ok = elig.eligible
    return pd.DataFrame(
        {
            "visitor": v[ok].astype(np.int32),
            "host": h[ok].astype(np.int32),
            "score": np.asarray(score(features), dtype=np.float32)[ok],
            "physical": elig.physical[ok],
            "virtual": elig.virtual[ok],
            "stay_days": elig.stay_days[ok],
            "overlap_days": elig.overlap_days[ok],
        }
    )
