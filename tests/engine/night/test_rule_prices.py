"""The price of each rule tonight, in score points (never quota penalty points)."""

from __future__ import annotations

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=20, workers=1, as_of=NIGHT)


def test_the_sme_share_and_the_lead_time_have_their_price(tmp_path):
    """H1 takes one visitor. V1, a cluster organisation, fits H1 far better than V2, an SME;
    at least half of the proposals must go to SMEs, so V2 gets the place: the SME rule costs
    at most the difference of their scores (the LP relaxation's price: half of it here, where
    the LP may propose half of V1 and half of V2). V3 could only go to H2, which is free only
    before the night's lead time ends."""
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
    assert abs(sme.score_points - (scores["V1"] - scores["V2"]) / 2) < 0.02
    assert "SMEs: costs" in sme.words(float(result.proposals["p_accept"].sum() * 100))
    # H2 is available only within the 14 days' notice: without it, V3 could go there
    lead = price["lead_time"]
    assert lead.binding and lead.score_points is not None and lead.score_points > 0
