"""Decode: the solver's chosen pairs and open slots as proposals with dates, groups, lump
sums, scores, bands and reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.domain.bands import band
from engine.domain.contract import Campaign, org_category
from engine.night.groups import assign_slots, dated_columns
from engine.night.slots import Slots
from scoring.encoding import EncodedCampaign
from scoring.features import FeatureInputs, compute_features
from scoring.linear import PairScorer
from scoring.pairs import pair_view
from scoring.reason_names import reason_names
from scoring.reasons import reasons
from scoring.text import TextSimilarity
from solvers.result import SolveResult


def proposals_of(
    candidates: pd.DataFrame,
    solve: SolveResult,
    slots: Slots,
    campaign: Campaign,
    encoded: EncodedCampaign,
    text: TextSimilarity,
    scorer: PairScorer,
) -> pd.DataFrame:
    visitors = campaign.visitors.reset_index(drop=True)
    hosts = campaign.hosts.reset_index(drop=True)
    index = np.flatnonzero(solve.selected)
    chosen = candidates.iloc[index].reset_index(drop=True)
    if solve.open_slots is None:
        raise ValueError("the solve of a problem with a slot layer returned no open slots")
    joins = (
        assign_slots(index, solve.open_slots, slots)
        if solve.pair_slot is None
        else solve.pair_slot[index]
    )
    dated = dated_columns(chosen, joins, slots, encoded, campaign)
    v = chosen["visitor"].to_numpy(np.int64)
    h = chosen["host"].to_numpy(np.int64)
    v_rows, h_rows = visitors.iloc[v], hosts.iloc[h]
    view = pair_view(encoded.visitors, encoded.hosts, v, h)
    inputs = FeatureInputs(
        view=view,
        overlap_days=chosen["overlap_days"].to_numpy(np.int32),
        text=text,
        vocab=encoded.vocab,
    )
    features = compute_features(inputs)
    p_accept = chosen["score"].to_numpy(np.float64) / 100  # the value is 100 x p_accept
    scores = scorer.display_score(p_accept).round(2)
    proposals = pd.DataFrame(
        {
            "visitor_id": v_rows["profile_id"].to_numpy(),
            "host_id": h_rows["profile_id"].to_numpy(),
            "group_id": dated["group_id"].to_numpy(),
            "start": dated["start"].to_numpy(),
            "end": dated["end"].to_numpy(),
            "stay_days": dated["stay_days"].to_numpy(),
            "mode": dated["mode"].to_numpy(),
            "group_language": dated["group_language"].to_numpy(),
            "lump_sum_eur": dated["lump_sum_eur"].to_numpy(),
            "score": scores,
            "p_accept": p_accept.round(4),
            "band": band(scores),
            "category": [org_category(t) for t in v_rows["org_type"]],
            "visitor_partnership": v_rows["partnership"].to_numpy(),
            "host_partnership": h_rows["partnership"].to_numpy(),
            "visitor_country": v_rows["country"].to_numpy(),
            "host_country": h_rows["country"].to_numpy(),
            "reasons": reasons(scorer.contributions(features), features, inputs, reason_names()),
        }
    )
    return proposals.sort_values(["host_id", "visitor_id"], kind="stable").reset_index(drop=True)
