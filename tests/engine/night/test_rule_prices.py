"""The price of each rule tonight, in score points (never quota penalty points)."""

from __future__ import annotations

from dataclasses import replace

from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.night.rule_prices import GROUP_RULE, prices
from solvers.options import SolverOptions
from solvers.problem import SCORE_SCALE
from solvers.solve import solve
from tests.factory import NIGHT, host, make_campaign, visitor
from tests.solvers.builders import WEEKS, slotted

OPTIONS = RunOptions(time_limit_s=20, workers=1, as_of=NIGHT)


def test_the_sme_share_and_the_lead_time_have_their_price(tmp_path):
    """H1 takes one visitor. V1, a cluster organisation, fits H1 far better than V2, an SME;
    at least half of the proposals must go to SMEs, so V2 gets the place: the SME rule costs
    at most the difference of their values (the LP relaxation's price, where the LP may propose
    part of V1 and part of V2). V3 could only go to H2, which is free only before the night's
    lead time ends."""
    profiles = [
        visitor("V1", org_type="cluster_organisation", sectors="C29", seek="battery testing"),
        visitor("V2", sectors="J62", seek="cloud software marketplaces"),
        # V3 speaks German only: H2, available before the night's earliest start (28 December)
        visitor("V3", country="IT", languages="de", available_from="2026-12-15"),
        host("H1", capacity=1, sectors="C29", offer="battery testing"),
        host(
            "H2",
            country="AT",
            languages="de",
            available_from="2026-12-15",
            available_to="2026-12-24",
        ),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert result.proposals["visitor_id"].tolist() == ["V2"]
    price = {p.rule: p for p in result.rule_prices}
    # the plan's value is 100 x p_accept per pair (expected exchanges x 100)
    scores = result.candidates.set_index("visitor_id")["p_accept"] * 100
    sme = price["sme_share"]
    assert sme.binding and sme.score_points is not None
    assert 0 < sme.score_points <= scores["V1"] - scores["V2"] + 0.01
    assert "SMEs: costs" in sme.words(float(result.proposals["p_accept"].sum() * 100))
    # H2 is available only within the 14 days' notice: without it, V3 could go there
    lead = price["lead_time"]
    assert lead.binding and lead.score_points is not None and lead.score_points > 0


def test_grouped_dates_are_priced_by_the_dated_solves_group_lp():
    """Host 0 (room 3) takes visitor 0 (100) only in week 0, visitors 1 and 2 (60 + 50) only
    in week 1: without groups all three go (210), in one group only week 1's (110). The price
    is the difference, read from the solve's group LP: no second LP."""
    problem = slotted(**WEEKS)
    solved = solve(problem, SolverOptions(time_limit_s=10, workers=1))
    assert solved.stats["group_lp_score"] == 110
    price = {p.rule: p for p in prices([], problem, solved, None, time_budget_s=5)}
    assert price[GROUP_RULE].score_points == (210 - 110) / SCORE_SCALE
    assert price[GROUP_RULE].binding
    # a solve without the group LP (cut before it) leaves the price unmeasured
    bare = replace(solved, stats={})
    unmeasured = {p.rule: p for p in prices([], problem, bare, None, time_budget_s=5)}
    assert unmeasured[GROUP_RULE].score_points is None
    assert "not measured" in unmeasured[GROUP_RULE].words(210)
