"""A model file saved before the floors (``tests/data/models/before-floors``) still loads and
scores every pair of a small campaign as the code that saved it did: the same eligibility,
features and reasons, and the same scores (to float32 rounding: the last bits of a BLAS sum
and of numpy's SIMD tanh may differ between CPUs). See the folder's README for how the files
were made."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io

from engine.load.campaign import load_campaign
from engine.output.model_files import MODEL_FILE, TRUSTED_TYPES, load_model
from scoring.eligibility import eligibility, eligibility_context
from scoring.encoding import encode_campaign
from scoring.features import FEATURE_NAMES, FeatureInputs, compute_features
from scoring.model import MatchScorer
from scoring.pairs import pair_view
from scoring.reason_names import reason_names
from scoring.reasons import reasons
from scoring.text import TextSimilarity

SAVED = Path(__file__).parents[1] / "data" / "models" / "before-floors"


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(SAVED / "scores.csv", dtype={"visitor_id": str, "host_id": str})


@pytest.fixture(scope="module")
def scored(expected):
    """Today's code on the recorded pairs: (scorer, eligible, features, scores, reasons)."""
    scorer = load_model(SAVED)
    campaign = load_campaign(SAVED / "campaign")
    encoded = encode_campaign(campaign)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    context = eligibility_context(campaign, encoded)
    visitor_pos = {v: i for i, v in enumerate(encoded.visitors.ids)}
    host_pos = {h: i for i, h in enumerate(encoded.hosts.ids)}
    v = np.array([visitor_pos[x] for x in expected["visitor_id"]], dtype=np.int64)
    h = np.array([host_pos[x] for x in expected["host_id"]], dtype=np.int64)
    view = pair_view(encoded.visitors, encoded.hosts, v, h)
    elig = eligibility(view, context)
    inputs = FeatureInputs(view, elig.overlap_days, text, encoded.vocab)
    features = compute_features(inputs)
    said = reasons(scorer.contributions(features), features, inputs, reason_names())
    return scorer, elig.eligible, features, scorer.score(features), said


def test_the_saved_file_names_only_trusted_types():
    assert set(skops.io.get_untrusted_types(file=SAVED / MODEL_FILE)) <= TRUSTED_TYPES


def test_a_model_saved_before_the_floors_still_loads(scored):
    scorer = scored[0]
    assert isinstance(scorer, MatchScorer)
    assert tuple(scorer.feature_names_) == FEATURE_NAMES
    assert scorer.n_features_in_ == len(FEATURE_NAMES)


def test_it_scores_pairs_as_the_code_that_saved_it(expected, scored):
    _scorer, eligible, features, scores, said = scored
    assert len(expected) == 48 and expected["eligible"].sum() > 0
    # since then an exchange is not proposed again (but a physical one after a virtual one):
    # the pairs with an exchange in the campaign's history are the only ones no longer eligible
    history = load_campaign(SAVED / "campaign").history
    done = history[history["outcome"].isin(["accepted", "completed"])]
    repeated = pd.MultiIndex.from_frame(expected[["visitor_id", "host_id"]]).isin(
        pd.MultiIndex.from_frame(done[["visitor_id", "host_id"]])
    )
    assert repeated.any()
    np.testing.assert_array_equal(eligible, expected["eligible"].to_numpy() & ~repeated)
    assert not eligible[repeated].any()
    recorded = expected[list(FEATURE_NAMES)].to_numpy(np.float32)
    np.testing.assert_array_equal(features, recorded)
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, expected["score"].to_numpy(np.float32), rtol=1e-6)
    assert said == expected["reasons"].tolist()


def test_a_run_scores_with_it_as_the_code_that_saved_it(expected, scored):
    """In a night the old model is compiled to tables: the same 100 x p_accept."""
    from scoring.linear import DescribedScorer

    scorer, _eligible, features, scores, _said = scored
    night = DescribedScorer(scorer)
    np.testing.assert_allclose(night.value(features), scores, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(night.p_accept(features), scores / 100, rtol=1e-5, atol=1e-6)
