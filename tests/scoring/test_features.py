"""Pair features on hand-made pairs with known values; dense blocks agree with aligned pairs;
the block loop's candidate selection is exact; reasons name the pair's specifics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.domain.contract import EXCHANGE_TYPES, ORG_TYPES
from engine.load.campaign import load_campaign
from engine.synthetic.generator import generate_campaign, write_campaign
from scoring.candidates import build_candidates
from scoring.eligibility import eligibility, eligibility_context
from scoring.encoding import encode_campaign
from scoring.features import FEATURE_NAMES, REGISTRY, FeatureInputs, compute_features
from scoring.linear import LinearScore
from scoring.pairs import block_view, pair_view
from scoring.reason_names import reason_names
from scoring.reason_phrases import EXCHANGE_TYPE_WORDS, ORG_TYPE_PLURALS
from scoring.reasons import reasons
from scoring.text import TextSimilarity
from tests.factory import host, make_campaign, visitor
from tests.scoring.one_pair import one_pair_inputs


def features_of(campaign) -> tuple[pd.DataFrame, object]:
    """Every visitor x host pair's features, indexed by (visitor_id, host_id)."""
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    view = block_view(encoded.visitors, encoded.hosts, 0, len(encoded.visitors))
    elig = eligibility(view, context)
    inputs = FeatureInputs(view, elig.overlap_days, text, encoded.vocab)
    values = compute_features(inputs).reshape(-1, len(FEATURE_NAMES))
    index = pd.MultiIndex.from_product([encoded.visitors.ids, encoded.hosts.ids])
    return pd.DataFrame(values, index=index, columns=list(FEATURE_NAMES)), encoded


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    profiles = [
        visitor(
            "V1", sectors="C29;M72", target_sectors="C29", languages="de;en",
            target_org_types="technology_centre", target_countries="FR",
            exchange_types="learning_skills;pitch_training", min_days=3, max_days=5,
            available_from="2027-01-04", available_to="2027-01-29", mode="physical",
            partnership="P1",
        ),
        visitor(
            "V2", org_type="cluster_organisation", sectors="J62", languages="en",
            target_org_types="fab_lab", target_countries="IT", mode="either",
            exchange_types="learning_skills", min_days=5, max_days=10, partnership="P2",
        ),
        host(
            "H1", sectors="C29", languages="de;fr;en", target_org_types="sme",
            target_countries="DE", target_sectors="C29", exchange_types="learning_skills",
            min_days=3, max_days=5, available_from="2027-01-11", available_to="2027-03-31",
            mode="physical", partnership="P1",
        ),
        host(
            "H2", country="IT", sectors="C25", languages="it;en", target_sectors="M72",
            exchange_types="pitch_training;group_event", min_days=3, max_days=10,
            mode="either", partnership="P2",
        ),
    ]  # fmt: skip
    campaign = make_campaign(tmp_path_factory.mktemp("hand") / "c", profiles)
    return features_of(campaign)


@pytest.mark.parametrize(
    ("pair", "feature", "expected"),
    [
        (("V1", "H1"), "same_sector", 1.0),  # both C29
        (("V1", "H2"), "same_sector", 0.0),  # C29/M72 vs C25
        (("V1", "H1"), "sector_v2h", 1.0),  # V1 targets C29, H1 works in C29
        (("V1", "H2"), "sector_v2h", 0.0),  # V1 targets C29, H2 is C25
        (("V2", "H1"), "sector_v2h", 0.5),  # V2 states no target sector
        (("V1", "H2"), "sector_h2v", 1.0),  # H2 targets M72, V1 works in M72
        (("V2", "H1"), "sector_h2v", 0.0),  # H1 targets C29, V2 is J62
        (("V1", "H2"), "same_section", 1.0),  # C29 and C25 are both section C
        (("V2", "H2"), "same_section", 0.0),  # J vs C
        (("V2", "H2"), "section_h2v", 0.0),  # H2 targets section M, V2 is J
        (("V1", "H2"), "section_v2h", 1.0),  # V1 targets C29 -> section C, H2 is C25
        (("V1", "H1"), "org_type_v2h", 1.0),  # V1 wants technology centres, H1 is one
        (("V2", "H1"), "org_type_v2h", 0.0),  # V2 wants fab labs
        (("V1", "H2"), "org_type_h2v", 0.5),  # H2 states no target type
        (("V1", "H1"), "org_type_h2v", 1.0),  # H1 wants SMEs, V1 is one
        (("V2", "H1"), "org_type_h2v", 0.0),  # V2 is a cluster organisation
        (("V1", "H1"), "country_v2h", 1.0),  # V1 targets FR
        (("V2", "H1"), "country_v2h", 0.0),  # V2 targets IT
        (("V1", "H1"), "country_h2v", 1.0),  # H1 targets DE
        (("V1", "H2"), "country_h2v", 0.5),
        (("V1", "H1"), "exchange_types", 0.5),  # V1 wants 2 types, H1 offers 1 of them
        (("V2", "H1"), "exchange_types", 1.0),
        (("V2", "H2"), "exchange_types", 0.0),
        (("V1", "H1"), "shared_language", 1.0),  # German
        (("V2", "H1"), "shared_language", 0.0),
        (("V2", "H1"), "english_only", 1.0),
        (("V1", "H1"), "english_only", 0.0),
        # V1 4-29 Jan and H1 from 11 Jan share 15 working days; longest stay both take: 5
        (("V1", "H1"), "availability", 1.0),
        (("V1", "H1"), "duration", 1.0),  # 3-5 and 3-5
        (("V2", "H1"), "duration", 1 / 8),  # 5-10 vs 3-5: {5} over 3..10
        (("V1", "H2"), "duration", 3 / 8),  # 3-5 vs 3-10
        (("V1", "H1"), "mode", 1.0),  # both physical only
        (("V2", "H2"), "mode", 0.5),  # both flexible
        (("V1", "H1"), "same_partnership", 1.0),
        (("V1", "H2"), "same_partnership", 0.0),
    ],
)
def test_known_feature_values(hand_made, pair, feature, expected):
    table, _ = hand_made
    assert table.loc[pair, feature] == pytest.approx(expected, abs=1e-6)


def test_availability_counts_working_days(tmp_path):
    profiles = [
        visitor("V", available_from="2027-01-04", available_to="2027-01-08", max_days=10),
        host("H", available_from="2027-01-06", available_to="2027-02-26", max_days=20),
    ]
    table, _ = features_of(make_campaign(tmp_path, profiles))
    # Wed 6 - Fri 8 January: 3 working days, the longest stay both take is 10
    assert table.loc[("V", "H"), "availability"] == pytest.approx(0.3)


def test_text_similarity_follows_the_words(tmp_path):
    profiles = [
        visitor("V", seek="battery recycling pilot lines", offer="drone certification"),
        host("H1", offer="battery recycling pilot lines", seek="drone certification"),
        host("H2", offer="textile dyeing", seek="wine tourism"),
    ]
    table, _ = features_of(make_campaign(tmp_path, profiles))
    assert table.loc[("V", "H1"), "text_seek_offer"] == pytest.approx(1.0, abs=1e-5)
    assert table.loc[("V", "H1"), "text_offer_seek"] == pytest.approx(1.0, abs=1e-5)
    assert table.loc[("V", "H2"), "text_seek_offer"] == 0.0


def test_every_feature_is_documented_and_bounded(hand_made):
    table, _ = hand_made
    assert len(REGISTRY) >= 12
    assert all(feature.meaning for feature in REGISTRY)
    assert ((table >= 0) & (table <= 1)).all().all()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated") / "c"
    write_campaign(generate_campaign(150, 60, 5), folder)
    campaign = load_campaign(folder)
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    return campaign, encoded, context, text


def test_dense_blocks_and_aligned_pairs_agree(generated):
    _campaign, encoded, context, text = generated
    view = block_view(encoded.visitors, encoded.hosts, 20, 90)
    dense = compute_features(
        FeatureInputs(view, eligibility(view, context).overlap_days, text, encoded.vocab)
    )
    rng = np.random.default_rng(0)
    v, h = rng.integers(20, 90, 400), rng.integers(0, len(encoded.hosts), 400)
    pairs = pair_view(encoded.visitors, encoded.hosts, v, h)
    aligned = compute_features(
        FeatureInputs(pairs, eligibility(pairs, context).overlap_days, text, encoded.vocab)
    )
    np.testing.assert_allclose(aligned, dense[v - 20, h], atol=1e-6)


def exact_selection(encoded, text, context, score, top_k):
    """The rule by brute force: every eligible pair scored, then pandas ranks."""
    everything, stats = build_candidates(encoded, text, context, score, keep_all_below=10**12)
    assert len(everything) == stats.eligible
    host_keep = np.maximum(top_k, 4 * encoded.hosts.capacity)
    by_visitor = everything.groupby("visitor")["score"].rank(method="first", ascending=False)
    by_host = everything.groupby("host")["score"].rank(method="first", ascending=False)
    keep = (by_visitor <= top_k) | (by_host <= host_keep[everything["host"].to_numpy()])
    return everything[keep.to_numpy()].reset_index(drop=True)


@pytest.mark.parametrize(("block_pairs", "threads"), [(600, 1), (600, 2), (10**7, 1)])
def test_candidate_selection_is_exact_for_any_block_size(generated, block_pairs, threads):
    _campaign, encoded, context, text = generated
    score = LinearScore().score
    expected = exact_selection(encoded, text, context, score, top_k=5)
    got, stats = build_candidates(
        encoded, text, context, score, top_k=5, block_pairs=block_pairs, threads=threads
    )
    assert stats.kept == len(got) < stats.eligible  # pruning did prune
    pd.testing.assert_frame_equal(got, expected)


def test_reasons_name_the_specifics(tmp_path):
    profiles = [
        visitor("V", sectors="C29", languages="en;pl", exchange_types="learning_skills"),
        host("H", sectors="C29", languages="en;fr", target_org_types="sme", offer="x"),
    ]
    campaign = make_campaign(tmp_path, profiles)
    inputs = one_pair_inputs(campaign)
    features = compute_features(inputs)
    scorer = LinearScore({"same_sector": 3.0, "org_type_h2v": 2.0, "english_only": -1.0})
    [said] = reasons(scorer.contributions(features), features, inputs, reason_names())
    assert said == (
        "same sector (C29 Manufacture of motor vehicles, trailers and semi-trailers);"
        " host wants SMEs"
        " | but: only shared language: English"
    )


def test_reason_words_cover_every_org_type_and_exchange_type():
    assert set(ORG_TYPE_PLURALS) == set(ORG_TYPES)
    assert set(EXCHANGE_TYPE_WORDS) == set(EXCHANGE_TYPES)


@pytest.mark.parametrize(
    ("visitor_languages", "said"),
    [("it", "no shared language"), ("en;it", "no shared language besides English")],
)
def test_a_pair_without_english_is_not_said_to_share_it(tmp_path, visitor_languages, said):
    """The README audit: a pair that shares no language at all (the policy allowing it) was
    told "no shared language besides English", as if English were shared."""
    profiles = [
        visitor("V", sectors="C29", languages=visitor_languages),
        host("H", sectors="C29", languages="en;fr" if "en" in visitor_languages else "fr"),
    ]
    policy = "require_common_language = false\ngroup_common_language = false\n"
    campaign = make_campaign(tmp_path, profiles, policy=policy)
    inputs = one_pair_inputs(campaign)
    features = compute_features(inputs)
    scorer = LinearScore({"same_sector": 3.0, "shared_language": 2.0})
    [reason] = reasons(scorer.contributions(features), features, inputs, reason_names())
    assert reason.endswith(f" | but: {said}")
