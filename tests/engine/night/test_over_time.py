"""The campaign over time, as the night's model keeps it (the checker's side is in
tests/engine/check): a night's date and lead time, a host that receives group after group,
one physical visit per visiting organisation, a virtual exchange before a physical one, and
budgets for the whole campaign."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from engine.domain.problems import CampaignInvalid
from engine.night.carryover import LOCK_COLUMNS, Carryover
from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT)


def accepted(visitor_id: str, host_id: str, start: str, end: str, mode: str = "physical"):
    return {"visitor_id": visitor_id, "host_id": host_id, "decided_on": "2026-11-02",
            "outcome": "accepted", "mode": mode, "start": start, "end": end}  # fmt: skip


def test_no_proposal_starts_before_the_night_plus_the_lead_time(tmp_path):
    profiles = [visitor(f"V{i}", available_from="2026-12-01") for i in range(4)]
    profiles += [host("H1", capacity=4, available_from="2026-12-01")]
    campaign = make_campaign(tmp_path, profiles, policy="lead_days = 14\n")
    night = date(2027, 1, 13)  # a Wednesday: the first Monday after 27 January is 1 February
    result = run_night(campaign, RunOptions(time_limit_s=10, workers=1, as_of=night))
    assert len(result.proposals) == 4 and result.violations == []
    assert (result.proposals["start"] >= pd.Timestamp("2027-01-27")).all()
    assert set(result.proposals["start"]) == {pd.Timestamp("2027-02-01")}
    assert result.calendar["as_of"] == "2027-01-13"


def test_a_host_receives_group_after_group(tmp_path):
    """H1 takes one visitor at once and has accepted V9 for the week of 11 January: V1, who
    could come that week or the next, gets the next one."""
    profiles = [
        visitor("V1", available_from="2027-01-11", available_to="2027-01-22"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=1, available_from="2027-01-04", available_to="2027-01-29"),
    ]
    history = [accepted("V9", "H1", "2027-01-11", "2027-01-15")]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    (start,) = result.proposals["start"]
    assert start == pd.Timestamp("2027-01-18")


def test_a_host_s_days_after_an_accepted_exchange_are_offered_mid_week(tmp_path):
    """The audit: H1 (one place, 1 to 12 February) has accepted V9 from Wednesday 3 to Tuesday
    9 February; both Mondays are taken, but Wednesday 10 to Friday 12 is free and suits V1's
    three days. It was proposed nothing ("no place left on the dates they share")."""
    profiles = [
        visitor("V1", min_days=3, max_days=5),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=1, available_from="2027-02-01", available_to="2027-02-12"),
    ]
    history = [accepted("V9", "H1", "2027-02-03", "2027-02-09")]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    (start,), (end,) = result.proposals["start"], result.proposals["end"]
    assert (start, end) == (pd.Timestamp("2027-02-10"), pd.Timestamp("2027-02-12"))


def test_a_visitor_s_days_after_its_own_exchange_are_offered_mid_week(tmp_path):
    """V1 is in an accepted virtual exchange until Tuesday 9 February, and available to the
    12th: its three days from Wednesday 10 at H1 are found (no Monday suits it)."""
    profiles = [
        visitor(
            "V1",
            min_days=3,
            max_days=5,
            available_from="2027-02-01",
            available_to="2027-02-12",
            mode="both",
        ),  # fmt: skip
        host("H1", capacity=2, available_from="2027-02-01", available_to="2027-02-26"),
        host("H2", country="IT", mode="virtual"),
    ]
    history = [accepted("V1", "H2", "2027-02-01", "2027-02-09", mode="virtual")]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    row = result.proposals.set_index("host_id").loc["H1"]
    assert (row["start"], row["end"]) == (pd.Timestamp("2027-02-10"), pd.Timestamp("2027-02-12"))


def test_an_accepted_exchange_without_dates_occupies_nothing(tmp_path):
    profiles = [
        visitor("V1", available_from="2027-01-11", available_to="2027-01-15"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=1),
    ]
    history = [accepted("V9", "H1", "", "")]
    campaign = make_campaign(tmp_path, profiles, history)
    assert campaign.warnings and "occupy no host capacity" in campaign.warnings[0]
    assert run_night(campaign, OPTIONS).proposals["visitor_id"].tolist() == ["V1"]


def test_two_profiles_of_one_organisation_never_both_go_physical(tmp_path):
    profiles = [
        visitor("V1", org_id="ORG"), visitor("V2", org_id="ORG", country="IT"),
        host("H1", capacity=2), host("H2", country="AT", capacity=2),
    ]  # fmt: skip
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert result.violations == []
    assert (result.proposals["mode"] == "physical").sum() == 1


def test_an_organisation_whose_visit_is_used_gets_no_physical_proposal(tmp_path):
    profiles = [
        visitor("V1", org_id="ORG", mode="either"), visitor("V2", org_id="ORG", country="IT"),
        host("H1", mode="either"), host("H2", country="AT", mode="either"),
    ]  # fmt: skip
    history = [accepted("V2", "H2", "2026-11-02", "2026-11-06")]  # V2's physical visit
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    assert result.proposals["visitor_id"].tolist() == ["V1"]
    assert result.proposals["mode"].tolist() == ["virtual"]
    # a new programme generation gives the organisation its visit back
    fresh = make_campaign(
        tmp_path / "b", profiles, history, policy="generation_start = 2027-01-01\n"
    )
    again = run_night(fresh, OPTIONS)
    assert again.violations == [] and "physical" in set(again.proposals["mode"])


def test_a_visitor_with_an_accepted_virtual_exchange_gets_a_physical_proposal(tmp_path):
    profiles = [visitor("V1", mode="either"), host("H1", mode="either"), host("H2", mode="either")]
    campaign = make_campaign(tmp_path, profiles)
    locked = pd.DataFrame(
        [{"visitor_id": "V1", "host_id": "H2", "mode": "virtual",
          "start": pd.Timestamp("2027-01-04"), "end": pd.Timestamp("2027-01-06"), "score": 50.0,
          "decided_on": "2026-12-01"}],
        columns=list(LOCK_COLUMNS),
    )  # fmt: skip
    empty = pd.DataFrame(columns=["visitor_id", "host_id"])
    decisions = pd.DataFrame(columns=["visitor_id", "host_id", "decision", "decided_on", "run_id"])
    carry = Carryover(locked, empty, empty, decisions)
    options = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT, carryover=carry)
    result = run_night(campaign, options)
    assert result.violations == []
    assert result.proposals[["visitor_id", "mode"]].values.tolist() == [["V1", "physical"]]


def test_a_budget_counts_what_the_accepted_exchanges_cost(tmp_path):
    """P1 budgets 1,500 EUR; its accepted exchange in France cost 900 (3 working days, the
    country's threshold): 600 are left, so of two visitors asking for 5-day French stays (900
    each) none can go physically, where 1,500 alone would have paid for one."""
    profiles = [
        visitor("V1", min_days=5), visitor("V2", min_days=5, country="IT"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=2, max_days=10),
    ]  # fmt: skip
    history = [accepted("V9", "H1", "2026-11-02", "2026-11-04")]
    budget = "[budgets]\nP1 = 1500\n"
    spent = run_night(make_campaign(tmp_path, profiles, history, policy=budget), OPTIONS)
    assert spent.violations == [] and spent.proposals.empty
    total = spent.kpis.set_index(["partnership", "category"]).loc[("P1", "total")]
    assert (total["spent_before_eur"], total["budget_eur"], total["budget_left_eur"]) == (
        900.0,
        1500.0,
        600.0,
    )
    fresh = run_night(make_campaign(tmp_path / "b", profiles, policy=budget), OPTIONS)
    assert len(fresh.proposals) == 1 and fresh.proposals["lump_sum_eur"].tolist() == [900.0]


def test_an_exchange_in_history_is_not_proposed_again_but_as_physical_after_virtual(tmp_path):
    """The IT tool's history holds V1's virtual exchange with H1 (the audit saw it proposed
    again, the same pair, virtually): V1 may go to another host, or to H1 physically; never to
    H1 virtually again. V2's physical exchange with H1 is not repeated in any mode."""
    profiles = [
        visitor("V1", mode="virtual", sectors="C29", seek="battery testing"),
        visitor("V2", country="IT", mode="either", org_id="ORG-2"),
        host("H1", mode="either", capacity=2, sectors="C29", offer="battery testing"),
        host("H2", country="AT", mode="either", capacity=2, offer="cloud software"),
    ]
    history = [
        accepted("V1", "H1", "2026-11-02", "2026-11-04", mode="virtual"),
        accepted("V2", "H1", "2026-11-09", "2026-11-11"),
    ]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    pairs = set(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True))
    assert pairs == {("V1", "H2"), ("V2", "H2")}  # H1 suits V1 best, and V2 as well
    profiles[0]["mode"] = "either"  # V1 may now go physically: to H1, its best host
    again = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert again.violations == []
    v1 = again.proposals.set_index("visitor_id").loc["V1"]
    assert (v1["host_id"], v1["mode"]) == ("H1", "physical")


def test_history_s_exchanges_count_in_the_sme_share_as_the_log_s_do(tmp_path):
    """The audit: two SME exchanges of the generation in history.csv did not count in the SME
    share (the log's did): two non-SMEs tonight were left out. With them: 2 of 4, half."""
    profiles = [
        visitor("S1", country="IT", status="draft"),
        visitor("S2", country="ES", status="draft"),
        visitor("V1", org_type="cluster_organisation"),
        visitor("V2", org_type="technology_centre", country="IT"),
        host("H1", capacity=2),
        host("H9", country="AT", capacity=2),
    ]
    history = [accepted("S1", "H9", "2027-01-11", "2027-01-13")]
    history += [accepted("S2", "H9", "2027-01-11", "2027-01-13")]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    assert sorted(result.proposals["visitor_id"]) == ["V1", "V2"]
    assert result.sme_past == (2, 2) and result.sme_past_counted
    assert result.sme_share_plan() == (2, 4)


def test_a_budget_prices_each_option_of_a_pair_exactly(tmp_path):
    """The audit: a pair was priced at the dearest slot it fits (5 working days physical),
    so with 1,350 EUR for visitors to Austria (900, halved under 5 days) only one physical
    exchange went, and a visitor and host both taking either mode got nothing with 0 EUR
    left though a virtual exchange costs nothing. Each option of a pair (virtual, physical
    under 5 days, physical of 5 and more) is priced as it is."""
    at = {"country": "AT", "capacity": 1, "max_days": 5}
    profiles = [
        visitor("S1", country="FR", max_days=5),  # 3 to 5 days
        visitor("S2", country="IT", min_days=5, max_days=5),
        host("H1", **at),
        host("H2", **at),
    ]
    policy = "short_stay_rate = 0.5\n[budgets]\nP1 = 1350\n"
    night = run_night(make_campaign(tmp_path, profiles, policy=policy), OPTIONS)
    assert night.violations == []
    spend = night.proposals.set_index("visitor_id")["lump_sum_eur"].to_dict()
    assert spend == {"S1": 450.0, "S2": 900.0}  # 3 days (half) + 5 days: exactly 1,350
    either = [visitor("E1", mode="either"), host("H3", mode="either")]
    free = run_night(make_campaign(tmp_path / "b", either, policy="[budgets]\nP1 = 0\n"), OPTIONS)
    assert free.violations == []
    assert free.proposals[["visitor_id", "mode", "lump_sum_eur"]].values.tolist() == [
        ["E1", "virtual", 0.0]
    ]


def test_a_policy_narrower_than_a_profile_s_stays_narrows_the_pairs_not_refuses(tmp_path):
    """The audit: policy min_days = max_days = 4 refused every profile of 3 to 5 days (exit
    2); a profile's stays lie within the programme's 3..23, the policy narrows the pairs'."""
    profiles = [visitor("V1", max_days=5), host("H1", max_days=5)]
    policy = "min_days = 4\nmax_days = 4\n"
    result = run_night(make_campaign(tmp_path, profiles, policy=policy), OPTIONS)
    assert result.violations == [] and result.proposals["stay_days"].tolist() == [4]
    with pytest.raises(CampaignInvalid, match="outside the programme's 3..23 working days"):
        make_campaign(tmp_path / "b", [visitor("V1", min_days=2), host("H1")])


def test_the_score_is_a_percentile_among_tonight_s_eligible_pairs(tmp_path):
    """The time audit: on a late night, the reference of the percentile held pairs the lead
    time had made ineligible, and tonight's pairs all scored 0.00. Tonight one pair is
    eligible: its score is 50 (ties count half)."""
    profiles = [
        visitor("V1", available_to="2027-01-15", sectors="C29", seek="batteries"),
        visitor("V2", available_to="2027-06-30", sectors="A01", seek="wine"),
        host("H1", capacity=2),
    ]
    campaign = make_campaign(tmp_path, profiles)
    late = run_night(campaign, RunOptions(time_limit_s=5, workers=1, as_of=date(2027, 1, 20)))
    assert list(late.proposals["visitor_id"]) == ["V2"]  # V1's window ends in the lead time
    assert late.proposals["score"].tolist() == [50.0]
