"""The second hidden acceptance model: same profiles and proposals as the generator's, new
outcomes, drawn deterministically from other features in other shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.synthetic.generator import generate_campaign
from engine.synthetic.hidden_model import sigmoid
from engine.synthetic.hidden_model_b import (
    HIDDEN_B_INTERCEPT,
    PairEncodingB,
    generate_campaign_b,
    hidden_b_probability,
)


def test_same_profiles_and_proposals_new_outcomes_deterministic():
    a = generate_campaign(300, 80, 5)
    b = generate_campaign_b(300, 80, 5)
    pd.testing.assert_frame_equal(a.profiles, b.profiles)
    pairs_a = set(zip(a.history["visitor_id"], a.history["host_id"], strict=True))
    pairs_b = set(zip(b.history["visitor_id"], b.history["host_id"], strict=True))
    assert pairs_b <= pairs_a and len(pairs_b) > 0.9 * len(pairs_a)
    assert not a.history["outcome"].reset_index(drop=True).equals(b.history["outcome"])
    pd.testing.assert_frame_equal(b.history, generate_campaign_b(300, 80, 5).history)
    # one physical accepted exchange per visitor, as the generator's rule says
    physical = b.history[b.history["outcome"].isin(["accepted", "completed"])
                         & (b.history["mode"] == "physical")]  # fmt: skip
    assert physical["visitor_id"].is_unique


def test_its_terms_have_the_documented_shapes():
    profiles = generate_campaign(200, 60, 6).profiles
    encoding = PairEncodingB(profiles)
    role = profiles["role"].to_numpy()
    v = np.repeat(np.flatnonzero(role == "visitor"), 60)
    h = np.tile(np.flatnonzero(role == "host"), 200)
    terms = encoding.terms(v, h)
    assert set(np.unique(terms["target_types"])) <= {-0.4, 0.0, 0.5}  # no wish is the worst
    assert set(np.unique(terms["same_partnership"])) == {0.0, 0.5}  # model A: -0.5
    assert terms["offer_seek"].max() <= 1.6  # saturates
    assert set(np.unique(terms["exchange_types"])) <= {0.0, 0.7}
    logit = HIDDEN_B_INTERCEPT + sum(terms.values())
    np.testing.assert_allclose(hidden_b_probability(profiles, v, h), sigmoid(logit))
