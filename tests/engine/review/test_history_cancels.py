"""An exchange the decision log holds, which the IT tool's export (``history.csv``) says was
cancelled afterwards, is cancelled for the night: the IT-tool audit saw the KPIs drop it while
the SME share, the physical visit and changes.csv kept it."""

from __future__ import annotations

import pandas as pd

from engine.load.campaign import load_campaign
from engine.review.carryover import campaign_with_log
from engine.review.inbox import record_answers
from engine.review.parties import Reviewer
from engine.review.rules import Request
from tests.factory import host, make_campaign, visitor
from tests.reviewing import run_campaign

WINDOW = {"available_from": "2027-03-01", "available_to": "2027-03-31", "mode": "physical",
          "min_days": 3, "max_days": 3}  # fmt: skip


def test_a_cancellation_in_history_after_the_log_s_acceptance_cancels_the_exchange(tmp_path):
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=1, sectors="C29", offer="car tours", **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
    ]
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run_campaign(folder, folder / "runs" / "r1", "r1")
    accepted = record_answers(
        folder, load_campaign(folder), [Request("A", "H1", "accepted")], Reviewer()
    )
    assert accepted.recorded == 1
    campaign, carry, _ = campaign_with_log(load_campaign(folder), folder)
    assert carry is not None and carry.locked["visitor_id"].tolist() == ["A"]
    decided = carry.locked["decided_on"].iloc[0]
    # the IT tool's export comes back a week later with the exchange cancelled
    cancelled = {"visitor_id": "A", "host_id": "H1", "outcome": "cancelled", "mode": "physical",
                 "decided_on": str(pd.Timestamp(decided) + pd.Timedelta(days=7))[:10]}  # fmt: skip
    pd.DataFrame([cancelled]).to_csv(folder / "history.csv", index=False)
    campaign, carry, _ = campaign_with_log(load_campaign(folder), folder)
    assert carry is not None and carry.locked.empty  # no longer an exchange tonight
    history = campaign.history
    assert set(history["outcome"]) == {"cancelled"}  # the log's acceptance is not added
    decisions = carry.decisions.set_index(["visitor_id", "host_id"])
    assert decisions.loc[("A", "H1"), "decision"] == "cancelled"
    # a cancellation older than the log's acceptance does not undo it
    cancelled["decided_on"] = str(pd.Timestamp(decided) - pd.Timedelta(days=30))[:10]
    pd.DataFrame([cancelled]).to_csv(folder / "history.csv", index=False)
    _, carry, _ = campaign_with_log(load_campaign(folder), folder)
    assert carry is not None and carry.locked["visitor_id"].tolist() == ["A"]
