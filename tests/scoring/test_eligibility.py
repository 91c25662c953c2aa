"""Eligibility on hand-made pairs: each rule excludes exactly the pairs it should."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.eligibility import eligibility, eligibility_context
from scoring.encoding import encode_campaign
from scoring.pairs import block_view, pair_view
from tests.factory import host, make_campaign, visitor


def eligible_matrix(campaign):
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    view = block_view(encoded.visitors, encoded.hosts, 0, len(encoded.visitors))
    return eligibility(view, context), encoded, context


@pytest.mark.parametrize(
    ("visitor_fields", "host_fields", "expected"),
    [
        ({}, {}, True),
        ({"country": "FR"}, {}, False),  # same country
        ({"status": "draft"}, {}, False),
        ({}, {"validated": "false"}, False),
        ({"mode": "virtual"}, {"mode": "physical"}, False),
        ({"mode": "either"}, {"mode": "virtual"}, True),
        ({"languages": "de"}, {"languages": "fr"}, False),  # no common language
        ({"min_days": 10, "max_days": 12}, {"min_days": 3, "max_days": 5}, False),  # durations
        ({"available_from": "2027-01-04", "available_to": "2027-01-05"}, {}, False),  # 2 days
        ({"available_from": "2027-01-04", "available_to": "2027-01-06"}, {}, True),  # 3 days
        ({"available_from": "2027-01-08", "available_to": "2027-01-12"}, {}, True),  # Fri-Tue
        ({"available_from": "2027-01-09", "available_to": "2027-01-12"}, {}, False),  # Sat-Tue
        ({}, {"available_from": "2027-07-01", "available_to": "2027-08-01"}, False),
    ],
)
def test_each_rule(tmp_path, visitor_fields, host_fields, expected):
    campaign = make_campaign(tmp_path, [visitor("V", **visitor_fields), host("H", **host_fields)])
    result, _, _ = eligible_matrix(campaign)
    assert bool(result.eligible[0, 0]) is expected


def test_language_rule_follows_policy(tmp_path):
    profiles = [visitor("V", languages="de"), host("H", languages="fr")]
    campaign = make_campaign(tmp_path, profiles, policy="require_common_language = false\n")
    assert eligible_matrix(campaign)[0].eligible[0, 0]


def test_rejected_and_cancelled_pairs_are_blocked(tmp_path):
    profiles = [visitor("V1"), visitor("V2"), visitor("V3"), host("H1", capacity=3)]
    history = [
        {
            "visitor_id": "V1",
            "host_id": "H1",
            "decided_on": "2026-05-01",
            "outcome": "rejected",
            "mode": "physical",
        },
        {
            "visitor_id": "V2",
            "host_id": "H1",
            "decided_on": "2026-05-01",
            "outcome": "cancelled",
            "mode": "physical",
        },
    ]
    result, _, _ = eligible_matrix(make_campaign(tmp_path, profiles, history))
    assert result.eligible[:, 0].tolist() == [False, False, True]


def test_used_physical_visit_leaves_only_virtual(tmp_path):
    profiles = [
        visitor("V1", mode="either"),
        visitor("V2", mode="physical"),
        host("H1", mode="either", capacity=2),
        host("H0", mode="either", country="IT"),
    ]
    history = [
        {
            "visitor_id": "V1",
            "host_id": "H0",
            "decided_on": "2026-05-01",
            "outcome": "completed",
            "mode": "physical",
        },
        {
            "visitor_id": "V2",
            "host_id": "H0",
            "decided_on": "2026-05-01",
            "outcome": "accepted",
            "mode": "physical",
        },
    ]
    result, encoded, _ = eligible_matrix(make_campaign(tmp_path, profiles, history))
    h1 = list(encoded.hosts.ids).index("H1")
    assert result.eligible[:, h1].tolist() == [True, False]
    assert not result.physical[0, h1]  # V1 may still do a virtual exchange


def test_pair_view_agrees_with_block_view(tmp_path):
    profiles = [visitor(f"V{i}", country=c) for i, c in enumerate(["DE", "FR", "IT"])]
    profiles += [
        host(f"H{i}", country=c, mode=m)
        for i, (c, m) in enumerate([("FR", "either"), ("DE", "virtual")])
    ]
    campaign = make_campaign(tmp_path, profiles)
    block, encoded, context = eligible_matrix(campaign)
    v, h = np.meshgrid(np.arange(3), np.arange(2), indexing="ij")
    pairs = eligibility(pair_view(encoded.visitors, encoded.hosts, v.ravel(), h.ravel()), context)
    assert pairs.eligible.tolist() == block.eligible.ravel().tolist()
    assert pairs.stay_days.tolist() == block.stay_days.ravel().tolist()
