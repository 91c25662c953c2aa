"""The checker catches each group, lump-sum and budget violation on hand-made proposals."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.check.groups import check_groups
from tests.factory import host, make_campaign, visitor

# Belgium's threshold in the bundled table is 830 EUR
START, END3, END5 = "2027-01-04", "2027-01-06", "2027-01-08"  # Monday; 3 and 5 working days


@pytest.fixture()
def campaign(tmp_path):
    profiles = [
        visitor("V1", languages="en;de", org_id="ORG-A"),
        visitor("V2", languages="en", org_id="ORG-B"),
        visitor("V3", languages="de", org_id="ORG-A", partnership="P2"),
        host("H1", country="BE", languages="en;de", capacity=3),
    ]
    # the programme's public page's halving under 5 working days (the default pays the whole)
    policy = "short_stay_rate = 0.5\n[budgets]\nP1 = 1200\n"
    return make_campaign(tmp_path, profiles, policy=policy)


def proposal(visitor_id, group="H1-G1", end=END3, mode="physical", lump=415.0):
    return {
        "visitor_id": visitor_id, "host_id": "H1", "group_id": group, "start": START,
        "end": end, "mode": mode, "lump_sum_eur": lump,
    }  # fmt: skip


def rules(campaign, rows):
    return sorted((v.rule, v.visitor_id) for v in check_groups(campaign, pd.DataFrame(rows)))


def test_a_valid_group_passes(campaign):
    assert rules(campaign, [proposal("V1"), proposal("V2")]) == []


def test_no_common_group_language(campaign):
    # V2 speaks only English, V3 only German: the host speaks both, the group shares none
    assert rules(campaign, [proposal("V2"), proposal("V3", lump=415.0)]) == [
        ("group_language", None)
    ]


def test_two_visitors_of_one_organisation(campaign):
    found = rules(campaign, [proposal("V1"), proposal("V3")])
    assert ("group_org", "V3") in found


def test_more_groups_than_the_policy_allows(campaign):
    assert rules(campaign, [proposal("V1"), proposal("V2", group="H1-G2")]) == [
        ("max_groups", None)
    ]


@pytest.mark.parametrize(
    ("end", "mode", "lump", "ok"),
    [
        (END3, "physical", 415.0, True),  # 3 days: half of 830
        (END5, "physical", 830.0, True),
        (END5, "physical", 415.0, False),
        (END3, "virtual", 0.0, True),
        (END3, "virtual", 415.0, False),
    ],
)
def test_lump_sum_follows_the_table(campaign, end, mode, lump, ok):
    found = rules(campaign, [proposal("V1", end=end, mode=mode, lump=lump)])
    assert (found == []) is ok
    if not ok:
        assert found == [("lump_sum", "V1")]


@pytest.mark.parametrize(("lump", "ok"), [(830.0, True), (415.0, False)])
def test_a_short_stay_gets_the_whole_threshold_by_default(tmp_path, lump, ok):
    """Seed 002: "Planned stay duration: 3 working days, Max Lump Sum: 830 €, Host country:
    Belgium"."""
    profiles = [visitor("V1"), host("H1", country="BE")]
    campaign = make_campaign(tmp_path, profiles)
    found = rules(campaign, [proposal("V1", end=END3, lump=lump)])
    assert found == ([] if ok else [("lump_sum", "V1")])


def test_budget_cap_per_partnership(campaign):
    # V1 and V2 are P1: 830 + 830 > 1200
    found = rules(
        campaign, [proposal("V1", end=END5, lump=830.0), proposal("V2", end=END5, lump=830.0)]
    )
    assert found == [("budget", None)]


def test_lump_sum_table_overrides(tmp_path):
    profiles = [visitor("V1"), host("H1", country="BE")]
    campaign = make_campaign(tmp_path, profiles, policy="[lump_sums]\nBE = 1000\n")
    assert rules(campaign, [proposal("V1", end=END5, lump=1000.0)]) == []
    assert rules(campaign, [proposal("V1", end=END5, lump=830.0)]) == [("lump_sum", "V1")]
