"""Taking an alternative beside exchanges accepted from tonight's own plan counts each of them
once (the audit: H1, capacity 3, with A and B accepted from the run, refused C as "5 visitors
(2 of them accepted before) ... for a capacity of 3": the plan's rows and the locked
exchanges both counted A and B)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from engine.load.campaign import load_campaign
from engine.output.folders import RunFolder, read_run
from engine.review.alternatives import take_alternative
from engine.review.inbox import record_answers
from engine.review.limits import exchange_limits
from engine.review.log import log_path, read_log
from engine.review.parties import Reviewer
from engine.review.proposed import campaign_runs, proposed_pairs
from engine.review.rules import Request
from engine.review.state import pair_states
from tests.factory import host, make_campaign, visitor
from tests.reviewing import run_campaign

WINDOW = {"available_from": "2027-03-01", "available_to": "2027-03-03", "mode": "virtual",
          "min_days": 3, "max_days": 3}  # fmt: skip


def _a_and_b_at_h1(tmp_path, capacity: int) -> tuple[Path, RunFolder]:
    """H1 (``capacity`` places) proposed A and B, H2 (one place) C: the campaign and its run."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=capacity, sectors="C29", offer="car tours", **WINDOW),
        host("H2", country="FR", capacity=1, sectors="C13", offer="textile learning", **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
        visitor("B", country="ES", sectors="C29", seek="car tours", **WINDOW),
        visitor("C", country="PL", sectors="C13", seek="textile learning", **WINDOW),
    ]
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run = read_run(run_campaign(folder, folder / "runs" / "r1", "r1"))
    plan = dict(zip(run.proposals()["visitor_id"], run.proposals()["host_id"], strict=True))
    assert plan == {"A": "H1", "B": "H1", "C": "H2"}
    return folder, run


def _take(folder: Path, run: RunFolder, pair: tuple[str, str], reviewer: Reviewer) -> Any:
    campaign = load_campaign(folder)
    return take_alternative(
        folder, campaign, run, proposed_pairs(campaign_runs(folder), campaign),
        exchange_limits(campaign), pair, reviewer,
    )  # fmt: skip


@pytest.mark.parametrize("capacity", [3, 2])
def test_exchanges_from_the_plan_count_once_when_an_alternative_is_taken(tmp_path, capacity):
    folder, run = _a_and_b_at_h1(tmp_path, capacity)
    office = Reviewer()
    answers = [Request(v, "H1", "accepted", "both") for v in ("A", "B")]
    assert record_answers(folder, load_campaign(folder), answers, office).recorded == 2
    taken = _take(folder, run, ("C", "H1"), office)
    if capacity == 3:
        assert taken.ok, taken.problems
    else:  # the third visitor does not fit a host of two places
        assert not taken.ok and "host_capacity" in " ".join(taken.problems)


@pytest.mark.parametrize("ended", ["rejected", "cancelled"])
def test_a_proposal_rejected_or_cancelled_holds_no_place_when_an_alternative_is_taken(
    tmp_path, ended
):
    """The IT-tool audit: H1 (2 places) was proposed A and B; A's side rejected it, B's
    visitor side accepted; taking C -> H1 was refused for "3 visitors ... for a capacity of
    2": the rejected proposal still held its place."""
    folder, run = _a_and_b_at_h1(tmp_path, capacity=2)
    office = Reviewer()
    answers = [Request("B", "H1", "accepted", "visitor")]
    if ended == "rejected":
        answers.append(Request("A", "H1", "rejected", "visitor"))
    else:  # an exchange, then cancelled
        answers.append(Request("A", "H1", "accepted", "both"))
    assert record_answers(folder, load_campaign(folder), answers, office).recorded == 2
    if ended == "cancelled":
        cancel = [Request("A", "H1", "cancelled", "both")]
        assert record_answers(folder, load_campaign(folder), cancel, office).recorded == 1
    taken = _take(folder, run, ("C", "H1"), office)
    assert taken.ok, taken.problems


def test_an_alternative_taken_and_accepted_is_a_locked_row_of_the_next_changes(tmp_path):
    """The reviewers' audit: two alternatives taken and accepted were in the manifest's
    locked count and the report's headline, in no row of changes.csv."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=3, sectors="C29", offer="car tours", **WINDOW),
        host("H2", country="FR", capacity=1, sectors="C13", offer="textile learning", **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
        visitor("C", country="PL", sectors="C13", seek="textile learning", **WINDOW),
    ]
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    first = run_campaign(folder, folder / "runs" / "r1", "r1")
    run = read_run(first)
    plan = run.proposals()
    assert ("C", "H2") in set(zip(plan["visitor_id"], plan["host_id"], strict=True))
    campaign = load_campaign(folder)
    taken = take_alternative(
        folder, campaign, run, proposed_pairs(campaign_runs(folder), campaign),
        exchange_limits(campaign), ("C", "H1"), Reviewer(),
    )  # fmt: skip
    assert taken.ok, taken.problems
    second = run_campaign(folder, folder / "runs" / "r2", "r2", previous=first)
    changes = pd.read_csv(second / "changes.csv").set_index(["visitor_id", "host_id"])
    assert changes.loc[("C", "H1"), "change"] == "locked"
    assert "taken as an alternative" in changes.loc[("C", "H1"), "reason"]


def test_a_pair_an_earlier_night_proposed_unanswered_is_taken_on_tonight_s_plan(tmp_path):
    """The reviewers' audit: tonight's alternatives.csv listed a pair an earlier night had
    proposed (unanswered) and tonight's did not; taking it was refused as "proposed already
    (run r1): answer it", and answering it recorded the earlier run's dates, which the review
    page does not show. It is taken from tonight's run, and the other side's acceptance is to
    that run's dates."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=2, sectors="C29", offer="car tours", partnership="P2",
             **WINDOW),
        host("H2", country="FR", capacity=2, sectors="C13", offer="textile learning", **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    first = run_campaign(folder, folder / "runs" / "r1", "r1")
    assert read_run(first).proposals()["host_id"].tolist() == ["H1"]
    table = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    table.loc[table["profile_id"] == "A", ["sectors", "seek"]] = ["C13", "textile learning"]
    table.to_csv(folder / "profiles.csv", index=False)
    run = read_run(run_campaign(folder, folder / "runs" / "r2", "r2", previous=first))
    assert run.proposals()["host_id"].tolist() == ["H2"]  # tonight A goes to H2
    campaign = load_campaign(folder)
    runs = campaign_runs(folder)
    taken = take_alternative(
        folder, campaign, run, proposed_pairs(runs, campaign), exchange_limits(campaign),
        ("A", "H1"), Reviewer(partnership="P1"),
    )  # fmt: skip
    assert taken.ok, taken.problems
    assert taken.row is not None and taken.row["run_id"] == "r2"
    host_side = Request("A", "H1", "accepted", "host")
    result = record_answers(folder, load_campaign(folder), [host_side], Reviewer(partnership="P2"))
    assert result.recorded == 1, [p.message for p in result.problems]
    states = pair_states(read_log(log_path(folder)))
    (state,) = states.to_dict("records")
    assert state["status"] == "exchange" and state["run_id"] == "r2"


def test_an_alternative_is_tried_on_the_groups_its_visitor_could_join_only(tmp_path):
    """The browser audit: taking a physical-only visitor to a host whose group tonight is
    virtual, on other dates, was refused with that group's reasons ("accepts 'physical', not
    'virtual'", "outside the visitor's availability"); the refusal is the visitor's own."""
    folder = tmp_path / "campaign"
    later = {**WINDOW, "available_from": "2027-03-08", "available_to": "2027-03-10",
             "mode": "physical"}  # fmt: skip
    profiles = [
        host("H1", country="DE", capacity=3, sectors="C29", offer="car tours",
             **{**WINDOW, "mode": "either", "available_to": "2027-03-31"}),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
        visitor("B", country="ES", sectors="C29", seek="car tours", **WINDOW),
        visitor("C", country="PL", sectors="C13", seek="textile learning", **later),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run = read_run(run_campaign(folder, folder / "runs" / "r1", "r1"))
    plan = run.proposals()
    assert set(plan["visitor_id"]) == {"A", "B"} and set(plan["mode"]) == {"virtual"}
    campaign = load_campaign(folder)
    taken = take_alternative(
        folder, campaign, run, proposed_pairs(campaign_runs(folder), campaign),
        exchange_limits(campaign), ("C", "H1"), Reviewer(),
    )  # fmt: skip
    said = " ".join(taken.problems)
    assert not taken.ok and said.startswith("[max_groups] host H1 is proposed 2 new groups"), said
    assert "not 'virtual'" not in said and "outside the visitor's availability" not in said


def test_a_shortfall_of_the_sme_share_since_a_cancellation_refuses_no_alternative(tmp_path):
    """The reviewers' audit: once an SME's exchange was cancelled in the day, the plan fell
    short of the SME share (N's proposal alone); taking an alternative for N was refused for
    that shortfall, which the plan had before ("0 of 1" with N's own row, nothing broken
    without it): every take was refused until the next night."""
    folder = tmp_path / "campaign"
    profiles = [
        visitor("S", country="IT"),
        visitor("N", country="ES", org_type="cluster"),
        host("H1", country="FR"),
        host("H2", country="PL"),
        host("H3", country="AT"),
    ]
    make_campaign(folder, profiles, policy='plan_on = "proposals"\n')
    office = Reviewer()
    first = read_run(run_campaign(folder, folder / "runs" / "r1", "r1"))
    plan = dict(zip(first.proposals()["visitor_id"], first.proposals()["host_id"], strict=True))
    assert set(plan) == {"S", "N"}
    exchange = [Request("S", plan["S"], "accepted", "both")]
    assert record_answers(folder, load_campaign(folder), exchange, office).recorded == 1
    second = read_run(run_campaign(folder, folder / "runs" / "r2", "r2", first.path))
    tonight = dict(
        zip(second.proposals()["visitor_id"], second.proposals()["host_id"], strict=True)
    )
    assert tonight == {"N": plan["N"]}
    cancel = [Request("S", plan["S"], "cancelled", "both")]
    assert record_answers(folder, load_campaign(folder), cancel, office).recorded == 1
    other = next(h for h in ("H1", "H2", "H3") if h not in (plan["S"], plan["N"]))
    campaign = load_campaign(folder)
    taken = take_alternative(
        folder, campaign, second, proposed_pairs(campaign_runs(folder), campaign),
        exchange_limits(campaign), ("N", other), office,
    )  # fmt: skip
    assert taken.ok, taken.problems


def test_an_alternative_taken_by_one_side_and_dropped_is_a_dropped_row_of_the_next_changes(
    tmp_path,
):
    """The reviewers' audit: a partnership took C -> H1 (its host side accepted); the Support
    Office then accepted C's exchange with H2 on the same days, and the next night's
    changes.csv had no row for C -> H1. It is dropped, and says why."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=3, sectors="C29", offer="car tours", partnership="P2",
             **WINDOW),
        host("H2", country="FR", capacity=1, sectors="C13", offer="textile learning", **WINDOW),
        visitor("C", country="PL", sectors="C13", seek="textile learning", **WINDOW),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    first = run_campaign(folder, folder / "runs" / "r1", "r1")
    run = read_run(first)
    assert run.proposals()[["visitor_id", "host_id"]].values.tolist() == [["C", "H2"]]
    campaign = load_campaign(folder)
    taken = take_alternative(
        folder, campaign, run, proposed_pairs(campaign_runs(folder), campaign),
        exchange_limits(campaign), ("C", "H1"), Reviewer("P2"),
    )  # fmt: skip
    assert taken.ok, taken.problems
    states = pair_states(read_log(log_path(folder))).set_index(["visitor_id", "host_id"])
    assert states.loc[("C", "H1"), "status"] == "awaiting"
    office = [Request("C", "H2", "accepted", "both")]
    assert record_answers(folder, load_campaign(folder), office, Reviewer()).recorded == 1
    second = run_campaign(folder, folder / "runs" / "r2", "r2", previous=first)
    changes = pd.read_csv(second / "changes.csv").set_index(["visitor_id", "host_id"])
    assert changes.loc[("C", "H2"), "change"] == "locked"
    assert changes.loc[("C", "H1"), "change"] == "dropped"
    assert "the visitor was accepted by host H2" in changes.loc[("C", "H1"), "reason"]
