"""What counts as an exchange in the KPIs and the SME share, as the seeds count them.

Seed 002: "228 exchanges have been confirmed", 169 virtual and 59 physical; seed 000: a
virtual exchange does not prevent a physical one afterwards. A pair's virtual exchange and
its later physical one are two exchanges. Seed 004 names public authorities and innovation
agencies apart from scaling-up support organisations (seed 001 lists what those are)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from engine.check.kpis import kpi_table
from engine.domain.contract import org_category
from engine.night.carryover import LOCK_COLUMNS, Carryover, past_exchanges
from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.night.quotas import achieved_exchanges
from engine.review.log import log_path, read_log, with_decisions
from engine.review.rules import Request
from tests.factory import NIGHT, host, make_campaign, visitor
from tests.logs import record

OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT)


def _row(visitor_id: str, host_id: str, outcome: str, mode: str) -> dict[str, str]:
    return {"visitor_id": visitor_id, "host_id": host_id, "decided_on": "2026-06-01",
            "outcome": outcome, "mode": mode}  # fmt: skip


def test_a_virtual_exchange_and_a_later_physical_one_of_a_pair_are_two_exchanges(tmp_path):
    profiles = [visitor("V1"), visitor("V2", org_type="cluster_organisation"), host("H1")]
    history = [
        _row("V1", "H1", "completed", "virtual"),
        _row("V1", "H1", "accepted", "physical"),
        _row("V1", "H1", "completed", "physical"),  # the same physical exchange, completed
        _row("V2", "H1", "completed", "virtual"),
    ]
    quotas = [{"partnership": "P1", "category": "total", "target": 10}]
    campaign = make_campaign(tmp_path, profiles, history, quotas)
    achieved = achieved_exchanges(campaign)
    assert achieved[("P1", "sme")] == 2 and achieved[("P1", "total")] == 3
    table = kpi_table(campaign, campaign.history.iloc[:0]).set_index("category")
    assert table.loc["sme", "achieved"] == 2 and table.loc["total", "achieved"] == 3
    assert past_exchanges(campaign, None) == (2, 3)  # the SME share's exchanges too


def test_a_virtual_exchange_and_a_refused_physical_one_of_a_pair_do_not_contradict(tmp_path):
    profiles = [visitor("V1"), host("H1")]
    history = [_row("V1", "H1", "completed", "virtual"), _row("V1", "H1", "rejected", "physical")]
    campaign = make_campaign(tmp_path, profiles, history)
    assert achieved_exchanges(campaign)[("P1", "total")] == 1


def test_public_authorities_and_innovation_agencies_are_not_scaling_up(tmp_path):
    assert org_category("public_authority") == org_category("innovation_agency") == "public"
    assert org_category("research_institute") == org_category("incubator") == "scaling_up"
    profiles = [
        visitor("V1", org_type="public_authority"),
        visitor("V2", org_type="innovation_agency", country="IT"),
        visitor("V3", org_type="fab_lab", country="AT"),
        host("H1", capacity=3),
    ]
    history = [_row("V1", "H1", "completed", "physical")]
    quotas = [  # in the words a partnership may use
        {"partnership": "P1", "category": "Scaling-up support organisations", "target": 2},
        {"partnership": "P1", "category": "Public authorities and innovation agencies",
         "target": 3},
    ]  # fmt: skip
    campaign = make_campaign(tmp_path, profiles, history, quotas)
    assert sorted(campaign.quotas["category"]) == ["public", "scaling_up"]
    result = run_night(campaign, OPTIONS)
    assert result.violations == []
    kpis = result.kpis.set_index("category")
    proposed = set(result.proposals["visitor_id"])
    assert kpis.loc["public", "achieved"] == 1  # V1's exchange
    assert kpis.loc["scaling_up", "achieved"] == 0
    assert kpis.loc["public", "proposed"] == len(proposed & {"V2"})
    assert kpis.loc["scaling_up", "proposed"] == len(proposed & {"V3"})


def test_the_log_s_physical_exchange_after_the_history_s_virtual_one_counts_too(tmp_path):
    """The outputs audit: the simulator's night accepted V00101 -> H00006 physically after the
    history's virtual exchange, and its KPIs counted one (the log's row was taken for the
    history's, both 'accepted')."""
    campaign = make_campaign(
        tmp_path, [visitor("V1"), host("H1")], [_row("V1", "H1", "accepted", "virtual")]
    )
    assert record(tmp_path, Request("V1", "H1", "accepted")).recorded == 1  # physical
    both = with_decisions(campaign, read_log(log_path(tmp_path)))
    assert achieved_exchanges(both)[("P1", "total")] == 2
    table = kpi_table(both, both.history.iloc[:0]).set_index("category")
    assert table.loc["total", "achieved"] == 2


def test_a_pair_the_log_holds_an_exchange_of_is_blocked_not_unshortlisted(tmp_path):
    """The README spot-check: V1's virtual exchange with H1 in the decision log, H1 its only
    host: both were listed `not_shortlisted` ("its eligible hosts all prefer others") and the
    pair counted eligible, while the log answers a pair once."""
    history = [{**_row("V1", "H1", "accepted", "virtual"), "start": "2027-03-01",
                "end": "2027-03-03"}]  # fmt: skip
    campaign = make_campaign(
        tmp_path, [visitor("V1", mode="either"), host("H1", mode="either")], history
    )
    locked = pd.DataFrame(
        [{"visitor_id": "V1", "host_id": "H1", "mode": "virtual",
          "start": pd.Timestamp("2027-03-01"), "end": pd.Timestamp("2027-03-03"),
          "score": 70.0, "decided_on": "2026-12-01"}],
        columns=list(LOCK_COLUMNS),
    )  # fmt: skip
    pairs = pd.DataFrame(columns=["visitor_id", "host_id"])
    decisions = pd.DataFrame(columns=["visitor_id", "host_id", "decision", "decided_on", "run_id"])
    carry = Carryover(locked, pairs, pairs, decisions)
    result = run_night(campaign, replace(OPTIONS, carryover=carry))
    assert result.proposals.empty and result.violations == []
    codes = result.unmatched.set_index("profile_id")["code"].to_dict()
    assert codes == {"V1": "blocked", "H1": "blocked"}


def test_an_exchange_of_the_history_cancelled_later_counts_nowhere(tmp_path):
    """The nights audit: the history's accepted exchange of V1 with H1 and its later
    cancellation (an export of the IT tool holds both) were refused; the exchange cancelled
    counts in no KPI and uses no physical visit, and the pair is never proposed again."""
    profiles = [visitor("V1"), host("H1"), host("H2", country="IT")]
    history = [
        _row("V1", "H1", "accepted", "physical"),
        {**_row("V1", "H1", "cancelled", "physical"), "decided_on": "2026-06-20"},
    ]
    quotas = [{"partnership": "P1", "category": "total", "target": 2}]
    campaign = make_campaign(tmp_path, profiles, history, quotas)
    assert achieved_exchanges(campaign).get(("P1", "total"), 0) == 0
    result = run_night(campaign, OPTIONS)
    assert result.violations == []
    assert list(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True)) == [
        ("V1", "H2")
    ]
