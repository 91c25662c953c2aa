"""The whole night on a hand-checked campaign: exact assignment, dates, quotas, SME share.

V1 (SME, DE) can only go to H1 (H2 is in DE too). V2 (cluster, IT) is virtual-only, and H1
takes physical visits only, so V2 can only go to H2. V3 (SME, IT) shares no language with
H1, so V3 can only go to H2 too, where it fits far better than V2 (same sector, same texts).
"""

from __future__ import annotations

import pandas as pd
import pytest

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT)


def campaign(tmp_path, quotas=None, policy=""):
    profiles = [
        visitor("V1", country="DE", languages="en;fr", available_from="2027-01-04"),
        visitor(
            "V2", org_type="cluster_organisation", country="IT", mode="virtual",
            sectors="J62", seek="cloud software marketplaces", languages="en",
        ),
        visitor("V3", country="IT", languages="it;de", sectors="C29", seek="battery testing"),
        host("H1", country="FR", languages="fr", available_from="2027-01-06", mode="physical"),
        host("H2", country="DE", languages="de;en", mode="either", sectors="C29", offer="battery testing"),
    ]  # fmt: skip
    return make_campaign(tmp_path, profiles, quotas=quotas, policy=policy)


def pairs(result) -> list[tuple[str, str]]:
    return sorted(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True))


def test_best_assignment_with_dates(tmp_path):
    result = run_night(campaign(tmp_path), OPTIONS)
    assert pairs(result) == [("V1", "H1"), ("V3", "H2")]
    v1 = result.proposals.set_index("visitor_id").loc["V1"]
    # H1 opens on Wednesday 6 January: the first Monday of the weekly grid is the 11th,
    # and a 3-working-day stay ends on Wednesday the 13th
    assert (v1["start"], v1["end"]) == (pd.Timestamp("2027-01-11"), pd.Timestamp("2027-01-13"))
    # France's whole 900 EUR for 3 working days: the IT tool's "Max Lump Sum: 830 €" for 3
    # working days in Belgium (seed 002); the public page's halving is the policy's choice
    assert v1["lump_sum_eur"] == 900.0
    total = result.kpis.set_index(["partnership", "category"]).loc[("P1", "total")]
    assert total["spend_eur"] == result.proposals["lump_sum_eur"].sum() > 900.0
    assert v1["mode"] == "physical" and v1["stay_days"] == 3
    assert result.solve.status.value == "optimal"
    assert result.violations == []


def test_a_quota_changes_the_assignment(tmp_path):
    quotas = [{"partnership": "P1", "category": "cluster", "target": 1}]
    result = run_night(campaign(tmp_path, quotas), OPTIONS)
    assert pairs(result) == [("V1", "H1"), ("V2", "H2")]
    assert result.proposals.set_index("visitor_id").loc["V2", "mode"] == "virtual"
    kpi = result.kpis.set_index(["partnership", "category"]).loc[("P1", "cluster")]
    assert (kpi["target"], kpi["proposed"], kpi["shortfall"]) == (1, 1, 0)


def test_an_unreachable_quota_is_reported_as_shortfall(tmp_path):
    quotas = [{"partnership": "P1", "category": "cluster", "target": 3}]
    result = run_night(campaign(tmp_path, quotas), OPTIONS)
    kpi = result.kpis.set_index(["partnership", "category"]).loc[("P1", "cluster")]
    assert (kpi["proposed"], kpi["shortfall"]) == (1, 2)
    # planned on the outcome: the one proposal is expected to bring p_accept of an exchange
    chance = float(result.proposals.set_index("visitor_id").loc["V2", "p_accept"])
    assert kpi["expected"] == round(chance, 2)
    assert kpi["still_needed"] == round(3 - chance, 2)
    assert sum(result.solve.shortfalls) == round(100 * (3 - chance))  # hundredths
    proposals_only = run_night(campaign(tmp_path / "b", quotas, 'plan_on = "proposals"\n'), OPTIONS)
    assert sum(proposals_only.solve.shortfalls) == 2


@pytest.mark.parametrize(("share", "expected"), [(0.5, 2), (1.0, 2), (0.0, 2)])
def test_sme_share_holds(tmp_path, share, expected):
    quotas = [{"partnership": "P1", "category": "cluster", "target": 1}]
    result = run_night(campaign(tmp_path, quotas, f"min_sme_share = {share}\n"), OPTIONS)
    smes = (result.proposals["category"] == "sme").sum()
    assert len(result.proposals) == expected
    assert smes >= share * len(result.proposals)
    if share == 1.0:  # the cluster quota must give way: only SMEs may be proposed
        assert pairs(result) == [("V1", "H1"), ("V3", "H2")]


def test_no_contact_data_and_reasons_in_proposals(tmp_path):
    result = run_night(campaign(tmp_path), OPTIONS)
    assert not {"contact_email", "contact_phone", "contact_name"} & set(result.proposals.columns)
    assert result.proposals["reasons"].str.len().gt(0).all()
    assert set(result.proposals["band"]) <= {"red", "orange", "green"}


def test_the_group_takes_the_second_best_week(tmp_path):
    """H1 can receive two visitors but runs one group. Week 1 (4 January) is the host's and
    V1's first week, the natural pick for V1 alone; V2 can only come from 11 January. The
    only single group that brings both is the second week, 11 January."""
    profiles = [
        visitor("V1", available_from="2027-01-04", available_to="2027-01-15"),
        visitor("V2", country="IT", available_from="2027-01-11", available_to="2027-01-22",
                seek="something else entirely"),
        host("H1", capacity=2, available_from="2027-01-04", available_to="2027-01-29"),
    ]  # fmt: skip
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert pairs(result) == [("V1", "H1"), ("V2", "H1")]
    assert result.proposals["start"].unique().tolist() == [pd.Timestamp("2027-01-11")]
    assert result.proposals["group_id"].nunique() == 1
    assert result.violations == []
    # allow two groups: each visitor may then also come in a week of its own
    two = make_campaign(tmp_path / "two", profiles, policy="max_groups_per_host = 2\n")
    assert len(run_night(two, OPTIONS).proposals) == 2


def test_a_budget_cap_holds(tmp_path):
    # a 3-day physical stay costs 800-900 EUR: a 1,000 EUR budget pays V1's trip to H1, so
    # H2 goes to V2, whose virtual exchange costs nothing, instead of V3's physical one
    result = run_night(campaign(tmp_path, policy="[budgets]\nP1 = 1000\n"), OPTIONS)
    assert pairs(result) == [("V1", "H1"), ("V2", "H2")]
    assert result.proposals["lump_sum_eur"].sum() <= 1000
    assert result.violations == []


def test_two_visitors_of_one_organisation_never_share_a_group(tmp_path):
    profiles = [
        visitor("V1", org_id="ORG-A"),
        visitor("V2", org_id="ORG-A", country="IT", seek="battery testing"),
        visitor("V3", country="IT"),
        host("H1", capacity=3),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    members = set(result.proposals["visitor_id"])
    assert len(members & {"V1", "V2"}) == 1 and "V3" in members
    assert result.violations == []


@pytest.mark.parametrize(
    ("mode", "policy"),
    [("virtual", ""), ("physical", "physical_visits_per_visitor = 2\n")],
    ids=["virtual", "two physical visits"],
)
def test_an_organisation_s_visitors_go_to_different_hosts_not_one_group(tmp_path, mode, policy):
    """Two profiles of one organisation that may both be proposed (virtual, or physical with
    two visits allowed): never in one group at H1 (room for three), but both proposed when a
    second host can take one, even though H1 suits both best (the audit's campaign: a
    filter once kept only the organisation's best visitor at every host, and V2 lost H2)."""
    profiles = [
        visitor("V1", org_id="ORG-A", mode=mode, seek="battery testing"),
        visitor("V2", org_id="ORG-A", mode=mode, country="IT", seek="battery testing"),
        host("H1", capacity=3, mode="either", offer="battery testing"),
    ]
    alone = run_night(make_campaign(tmp_path / "one", profiles, policy=policy), OPTIONS)
    assert len(set(alone.proposals["visitor_id"])) == 1
    assert alone.violations == []
    profiles.append(host("H2", country="NL", mode="either", offer="cloud software"))
    both = run_night(make_campaign(tmp_path / "two", profiles, policy=policy), OPTIONS)
    assert pairs(both) in ([("V1", "H1"), ("V2", "H2")], [("V1", "H2"), ("V2", "H1")])
    assert set(both.proposals["mode"]) == {mode}
    assert both.violations == []
