"""The campaign's limits on the exchanges reviewers accept: a visitor's one exchange of a mode
and a host's places, also when the Support Office answers both sides at once; the visiting
organisation's physical visits (the log's exchanges and the history's); the partnerships'
budgets. A run is written by hand: its proposals are what the tests need them to be."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.review.inbox import record_answers
from engine.review.log import log_path, read_log
from engine.review.parties import Reviewer
from engine.review.rules import Request
from engine.review.state import pair_states
from tests.factory import host, make_campaign, visitor

runner = CliRunner()
WEEK = ("2027-01-11", "2027-01-15")
LATER = ("2027-02-01", "2027-02-05")
PROFILES = [
    visitor("V1", partnership="BLUES"),
    visitor("V2", partnership="BLUES"),
    visitor("V4", partnership="BLUES", org_id="ORG-A"),
    visitor("V5", partnership="BLUES", org_id="ORG-A"),
    host("H1", partnership="REDS"),
    host("H2", partnership="REDS"),
    host("H3", partnership="REDS"),
]


def proposal(
    visitor_id: str, host_id: str, days: tuple[str, str] = WEEK, **fields: Any
) -> dict[str, Any]:
    return {
        "visitor_id": visitor_id, "host_id": host_id, "mode": "physical",
        "start": pd.Timestamp(days[0]), "end": pd.Timestamp(days[1]), "score": 80.0,
        "visitor_partnership": "BLUES", "host_partnership": "REDS", "lump_sum_eur": 400.0,
        **fields,
    }  # fmt: skip


def campaign_with_run(
    folder: Path,
    proposals: list[dict[str, Any]],
    history: list[dict[str, Any]] | None = None,
    policy: str = "",
) -> Path:
    """A campaign of PROFILES and one run ``r1`` of it proposing ``proposals``."""
    make_campaign(folder, PROFILES, history, policy="min_sme_share = 0.0\n" + policy)
    run = folder / "runs" / "r1"
    run.mkdir(parents=True)
    manifest = {"run_id": "r1", "campaign_folder": str(folder)}
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    pd.DataFrame(proposals).to_parquet(run / "proposals.parquet")
    return folder


def office(folder: Path, *requests: Request):
    """The Support Office's answers (both sides of each pair at once)."""
    return record_answers(folder, load_campaign(folder), list(requests), Reviewer())


def exchanges(folder: Path) -> list[tuple[str, str]]:
    states = pair_states(read_log(log_path(folder)))
    found = states[states["status"] == "exchange"]
    return sorted(zip(found["visitor_id"], found["host_id"], strict=True))


def test_a_decision_file_of_both_sides_gives_a_visitor_no_second_physical_exchange(tmp_path):
    folder = campaign_with_run(tmp_path / "c", [proposal("V1", "H1"), proposal("V1", "H2")])
    file = tmp_path / "both.csv"
    file.write_text("visitor_id,host_id,decision\nV1,H1,accepted\nV1,H2,accepted\n")
    result = runner.invoke(
        app, ["decide", str(folder / "runs" / "r1"), str(file), "--campaign", str(folder)]
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "both.csv row 3" in result.output
    assert "visitor V1 has an accepted physical exchange with host H1" in result.output
    assert exchanges(folder) == [("V1", "H1")]


def test_both_sides_accepted_at_once_never_overbook_a_host(tmp_path):
    folder = campaign_with_run(tmp_path / "c", [proposal("V1", "H1"), proposal("V2", "H1")])
    first = office(folder, Request("V1", "H1", "accepted"))
    assert first.recorded == 1, first.problems
    second = office(folder, Request("V2", "H1", "accepted", side="both"))
    assert second.recorded == 0
    assert "host H1 would receive 2 accepted visitors" in second.problems[0].message
    assert "capacity of 1" in second.problems[0].message
    assert exchanges(folder) == [("V1", "H1")]


def test_two_profiles_of_one_organisation_make_one_physical_visit(tmp_path):
    folder = campaign_with_run(tmp_path / "c", [proposal("V4", "H1"), proposal("V5", "H2")])
    result = office(folder, Request("V4", "H1", "accepted"), Request("V5", "H2", "accepted"))
    assert result.recorded == 1
    assert result.problems[0].message == (
        "organisation ORG-A has 1 physical exchange already (V4 with H1); "
        "it may make 1 physical visit"
    )
    assert exchanges(folder) == [("V4", "H1")]


def test_the_organisations_physical_exchange_in_the_history_uses_its_visit(tmp_path):
    history = [
        {"visitor_id": "V5", "host_id": "H3", "decided_on": "2026-10-01",
         "outcome": "completed", "mode": "physical"},
    ]  # fmt: skip
    folder = campaign_with_run(tmp_path / "c", [proposal("V4", "H1")], history)
    result = office(folder, Request("V4", "H1", "accepted"))
    assert result.recorded == 0
    assert "organisation ORG-A has 1 physical exchange already (V5 with H3)" in (
        result.problems[0].message
    )
    # a new programme generation: the visit before it no longer counts
    policy = (folder / "policy.toml").read_text() + 'generation_start = "2026-11-01"\n'
    (folder / "policy.toml").write_text(policy)
    assert office(folder, Request("V4", "H1", "accepted")).recorded == 1


def test_a_physical_exchange_never_takes_its_partnership_beyond_its_budget(tmp_path):
    proposals = [proposal("V1", "H1", lump_sum_eur=430.0), proposal("V2", "H2")]
    folder = campaign_with_run(tmp_path / "c", proposals, policy="[budgets]\nBLUES = 500\n")
    result = office(folder, Request("V1", "H1", "accepted"), Request("V2", "H2", "accepted"))
    assert result.recorded == 1
    assert result.problems[0].message == (
        "partnership BLUES would spend 830.00 EUR of its budget of 500.00 EUR "
        "(430.00 EUR on its exchanges already, 400.00 EUR on this one)"
    )
    assert exchanges(folder) == [("V1", "H1")]


def test_the_history_spend_counts_towards_the_budget(tmp_path):
    history = [
        {"visitor_id": "V4", "host_id": "H3", "decided_on": "2026-10-01",
         "outcome": "accepted", "mode": "physical"},
    ]  # fmt: skip
    policy = "[budgets]\nBLUES = 1000\n[lump_sums]\nFR = 700\n"
    folder = campaign_with_run(tmp_path / "c", [proposal("V1", "H1")], history, policy)
    result = office(folder, Request("V1", "H1", "accepted"))
    assert result.recorded == 0
    assert "700.00 EUR on its exchanges already" in result.problems[0].message


def test_a_virtual_second_exchange_and_a_later_stay_are_still_accepted(tmp_path):
    proposals = [
        proposal("V1", "H1"),
        proposal("V1", "H2", LATER, mode="virtual", lump_sum_eur=0.0),  # after the stay
        proposal("V2", "H1", LATER),
    ]
    folder = campaign_with_run(tmp_path / "c", proposals, policy="[budgets]\nBLUES = 800\n")
    result = office(
        folder,
        Request("V1", "H1", "accepted"),
        Request("V1", "H2", "accepted", side="both"),
        Request("V2", "H1", "accepted"),
    )
    assert result.recorded == 3, result.problems
    assert exchanges(folder) == [("V1", "H1"), ("V1", "H2"), ("V2", "H1")]


def test_an_exchange_is_on_the_dates_both_sides_accepted(tmp_path):
    """The audit: the visitor side accepted one night's dates, the next night moved them, the
    host side accepted those and the exchange was locked on dates the visitor never saw."""
    from datetime import date

    from engine.review.limits import ExchangeLimits
    from engine.review.log import record_requests
    from engine.review.parties import Proposal
    from engine.review.rules import Request as Answer

    def on(start: str, end: str, run: str) -> dict:
        terms = ("physical", start, end, 80.0, run, "P1", "P2")
        return {("V1", "H1"): Proposal("V1", "H1", *terms)}

    log, office, limits = tmp_path / "decisions.sqlite", Reviewer(), ExchangeLimits()
    first, moved = on("2027-01-04", "2027-01-06", "r1"), on("2027-01-11", "2027-01-13", "r2")

    def answer(side: str, proposals: dict):
        request = [Answer("V1", "H1", "accepted", side)]
        return record_requests(log, request, office, proposals, limits, today=date(2026, 12, 14))

    assert answer("visitor", first).recorded == 1
    host = answer("host", moved)
    assert host.recorded == 0
    assert "the visitor side accepted it as physical on 2027-01-04..2027-01-06 (run r1)" in (
        host.problems[0].message
    )
    assert answer("host", first).recorded == 1


def test_a_visitor_takes_one_exchange_at_a_time(tmp_path):
    """A second exchange of a visitor on days its first takes is refused, whatever its mode
    (the night proposes none: a visitor is in one exchange at a time)."""
    proposals = [proposal("V1", "H1"), proposal("V1", "H2", mode="virtual", lump_sum_eur=0.0)]
    folder = campaign_with_run(tmp_path / "c", proposals)
    result = office(
        folder, Request("V1", "H1", "accepted"), Request("V1", "H2", "accepted", side="both")
    )
    assert result.recorded == 1
    (problem,) = result.problems
    assert "has an accepted physical exchange with host H1" in problem.message
    assert "days this one shares" in problem.message


def test_a_pairs_physical_exchange_after_its_virtual_one_in_the_history_holds_its_place(
    tmp_path,
):
    """The nights audit: the history's virtual exchange of V2 with H1 (January) and its
    physical one after it (on WEEK) are two exchanges; the second holds H1's one place on
    WEEK, so V1 cannot take it (one exchange kept per pair let it)."""
    history = [
        {"visitor_id": "V2", "host_id": "H1", "decided_on": "2026-12-01", "outcome": "completed",
         "mode": "virtual", "start": "2027-01-04", "end": "2027-01-06"},
        {"visitor_id": "V2", "host_id": "H1", "decided_on": "2026-12-20", "outcome": "accepted",
         "mode": "physical", "start": WEEK[0], "end": WEEK[1]},
    ]  # fmt: skip
    folder = campaign_with_run(tmp_path / "c", [proposal("V1", "H1")], history)
    result = office(folder, Request("V1", "H1", "accepted"))
    assert result.recorded == 0
    assert "host H1 would receive 2 accepted visitors" in result.problems[0].message
    # on later days the virtual exchange of January holds no place
    folder = campaign_with_run(tmp_path / "d", [proposal("V1", "H1", LATER)], history)
    assert office(folder, Request("V1", "H1", "accepted")).recorded == 1
