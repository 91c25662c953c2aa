"""The feature inputs of a hand-written campaign's one pair (its first visitor and host)."""

from __future__ import annotations

import numpy as np

from engine.domain.contract import Campaign
from scoring.eligibility import eligibility, eligibility_context
from scoring.encoding import encode_campaign
from scoring.features import FeatureInputs
from scoring.pairs import pair_view
from scoring.text import TextSimilarity


def one_pair_inputs(campaign: Campaign) -> FeatureInputs:
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    view = pair_view(encoded.visitors, encoded.hosts, np.array([0]), np.array([0]))
    return FeatureInputs(view, eligibility(view, context).overlap_days, text, encoded.vocab)
