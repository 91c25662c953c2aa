"""changes.csv's reasons (the audits): a physical proposal after a locked virtual exchange is
no move, and a dropped pair whose visitor is left out tonight says the left-out reason, not
"the host's places went to ..." while the host had places."""

from __future__ import annotations

import pandas as pd

from engine.night.carryover import DECISION_COLUMNS, LOCK_COLUMNS, Carryover
from engine.output.changes import changes
from tests.factory import host, make_campaign, visitor


def _proposal(v: str, h: str, mode: str = "physical", score: float = 70.0) -> dict:
    return {"visitor_id": v, "host_id": h, "mode": mode, "score": score,
            "group_id": f"{h}-G", "start": pd.Timestamp("2027-03-01"),
            "end": pd.Timestamp("2027-03-03")}  # fmt: skip


def _candidates(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"visitor_id": v, "host_id": h, "score": 70.0} for v, h in pairs])


def _carry(previous: list[dict], locked: list[dict] | None = None) -> Carryover:
    locks = pd.DataFrame(locked or [], columns=list(LOCK_COLUMNS))
    pairs = pd.DataFrame(columns=["visitor_id", "host_id"])
    decisions = pd.DataFrame(
        [{"visitor_id": r["visitor_id"], "host_id": r["host_id"], "decision": "accepted",
          "decided_on": r["decided_on"], "run_id": "night-1"} for r in locked or []],
        columns=list(DECISION_COLUMNS),
    )  # fmt: skip
    return Carryover(locks, pairs, pairs, decisions, pd.DataFrame(previous), "night-1")


def test_a_physical_proposal_after_a_locked_virtual_exchange_is_no_move(tmp_path):
    campaign = make_campaign(
        tmp_path, [visitor("E", mode="either"), host("HV", mode="virtual"), host("HP")]
    )
    virtual = _proposal("E", "HV", "virtual")
    locked = [{**virtual, "decided_on": "2027-01-05"}]
    tonight = pd.DataFrame([_proposal("E", "HP")])
    table = changes(campaign, tonight, _candidates(("E", "HP")), _carry([virtual], locked))
    rows = table.set_index(["visitor_id", "host_id"])
    assert rows.loc[("E", "HV"), "change"] == "locked"
    assert rows.loc[("E", "HP"), "change"] == "new"
    assert rows.loc[("E", "HP"), "reason"] == "a new exchange after its accepted one with HV"


def test_a_dropped_pair_whose_visitor_is_left_out_says_the_left_out_reason(tmp_path):
    campaign = make_campaign(
        tmp_path, [visitor("V1", org_type="cluster_organisation"), visitor("V2"), host("H1")]
    )
    tonight = pd.DataFrame([_proposal("V2", "H1")])
    why = "not an SME, and the SME share holds no more non-SMEs tonight"
    left_out = pd.DataFrame([{"side": "visitor", "profile_id": "V1", "reason": why}])
    table = changes(
        campaign,
        tonight,
        _candidates(("V1", "H1"), ("V2", "H1")),
        _carry([_proposal("V1", "H1")]),
        left_out,
    )
    dropped = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1")]
    assert dropped["change"] == "dropped" and dropped["reason"] == f"left out tonight: {why}"


def test_a_dropped_pair_whose_visitor_is_left_out_for_another_host_names_both(tmp_path):
    """The reviewers' audit: a held pair dropped at H00181 said "H00011's group tonight (...)
    does not suit it", the reason of the visitor's best candidate, another host."""
    campaign = make_campaign(tmp_path, [visitor("V1"), visitor("V2"), host("H1"), host("H2")])
    tonight = pd.DataFrame([_proposal("V2", "H1")])
    why = "H2's group tonight (2027-05-10..2027-05-12 in English) does not suit it"
    left_out = pd.DataFrame(
        [{"side": "visitor", "profile_id": "V1", "reason": why, "best_candidate": "H2"}]
    )
    table = changes(
        campaign, tonight, _candidates(("V1", "H1"), ("V1", "H2"), ("V2", "H1")),
        _carry([_proposal("V1", "H1")]), left_out,
    )  # fmt: skip
    reason = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1"), "reason"]
    assert reason == f"left out tonight: H1's places went to V2; at its best candidate H2, {why}"


def test_a_new_proposal_after_a_rejected_one_is_no_move(tmp_path):
    """The reviewers' audit: "visitor moved here from H2" where its proposal with H2 had been
    rejected."""
    campaign = make_campaign(tmp_path, [visitor("V1"), host("H1"), host("H2")])
    carry = _carry([_proposal("V1", "H2")])
    rejected = {"visitor_id": "V1", "host_id": "H2", "decision": "rejected",
                "decided_on": "2027-01-05", "run_id": "night-1"}  # fmt: skip
    carry = Carryover(
        carry.locked, carry.held, carry.pending, pd.DataFrame([rejected]), carry.previous,
        carry.previous_run_id,
    )  # fmt: skip
    tonight = pd.DataFrame([_proposal("V1", "H1")])
    table = changes(campaign, tonight, _candidates(("V1", "H1")), carry)
    reason = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1"), "reason"]
    assert reason == "its proposal with H2 was rejected"


def test_a_proposal_now_within_the_lead_time_says_so_not_that_its_host_is_full(tmp_path):
    """The time audit: "the host is full: its places went to 3 accepted exchanges" for a
    proposal of 2027-01-18..20 whose host's exchanges lay on other days; its dates had fallen
    within the lead time (the night's earliest start 2027-02-24)."""
    from datetime import date

    campaign = make_campaign(tmp_path, [visitor("V1"), visitor("V2"), host("H1")])
    old = {**_proposal("V1", "H1"), "start": pd.Timestamp("2027-01-18"),
           "end": pd.Timestamp("2027-01-20")}  # fmt: skip
    elsewhere = {**_proposal("V2", "H1"), "start": pd.Timestamp("2027-01-04"),
                 "end": pd.Timestamp("2027-01-06"), "decided_on": "2027-01-02"}  # fmt: skip
    empty = pd.DataFrame(columns=list(old))
    carry = _carry([old], [elsewhere])
    late = changes(campaign, empty, _candidates(("V1", "H1")), carry, as_of=date(2027, 2, 10))
    reason = late.set_index("visitor_id").loc["V1", "reason"]
    assert reason.startswith("its dates 2027-01-18..2027-01-20 now fall within the lead time")
    assert "nothing starts before 2027-02-24" in reason
    # on time, its host is not said full on days its exchanges leave free
    on_time = changes(campaign, empty, _candidates(("V1", "H1")), carry, as_of=date(2027, 1, 1))
    assert "host is full" not in on_time.set_index("visitor_id").loc["V1", "reason"]


def test_a_visitor_s_exchange_on_other_days_is_not_why_its_proposal_was_dropped(tmp_path):
    """The nights audit: "the visitor was accepted by host H00003" for a dropped proposal of a
    visitor whose exchange lay on other days (a visitor may have several exchanges), which was
    left out tonight for other reasons or proposed elsewhere; said only where the days meet."""
    campaign = make_campaign(tmp_path, [visitor("V1"), host("H1"), host("H2"), host("H3")])
    dropped = _proposal("V1", "H1")  # 2027-03-01..03
    elsewhere = {**_proposal("V1", "H2"), "start": pd.Timestamp("2027-01-04"),
                 "end": pd.Timestamp("2027-01-06"), "decided_on": "2027-01-02"}  # fmt: skip
    tonight = pd.DataFrame([{**_proposal("V1", "H3"), "score": 80.0}])
    pairs = _candidates(("V1", "H1"), ("V1", "H3"))
    table = changes(campaign, tonight, pairs, _carry([dropped], [elsewhere]))
    reason = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1"), "reason"]
    assert reason.startswith("replaced: the visitor now goes to H3"), reason
    meeting = {**elsewhere, "start": pd.Timestamp("2027-03-02"), "end": pd.Timestamp("2027-03-04")}
    table = changes(campaign, tonight, pairs, _carry([dropped], [meeting]))
    reason = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1"), "reason"]
    assert reason == (
        "the visitor was accepted by host H2 on 2027-03-02..2027-03-04, days this proposal shared"
    )


def test_a_host_full_on_the_dropped_days_says_so_though_it_has_visitors_on_others(tmp_path):
    """The nights audit: H00007 (one place) lost a proposal to an exchange accepted on its
    days, and changes.csv said its place went to tonight's visitor on other days."""
    campaign = make_campaign(tmp_path, [visitor("V1"), visitor("V2"), visitor("V3"), host("H1")])
    dropped = _proposal("V1", "H1")  # 2027-03-01..03
    taken = {**_proposal("V2", "H1"), "decided_on": "2027-02-01"}  # the same days
    other_days = {**_proposal("V3", "H1"), "start": pd.Timestamp("2027-04-05"),
                  "end": pd.Timestamp("2027-04-07")}  # fmt: skip
    tonight = pd.DataFrame([other_days])
    pairs = _candidates(("V1", "H1"), ("V3", "H1"))
    table = changes(campaign, tonight, pairs, _carry([dropped], [taken]))
    reason = table.set_index(["visitor_id", "host_id"]).loc[("V1", "H1"), "reason"]
    assert (
        reason
        == "the host is full on 2027-03-01..2027-03-03: its place went to 1 accepted exchange"
    )


def test_a_visitor_moved_from_its_own_proposal_not_from_an_alternative_taken(tmp_path):
    """The review of the taken rows: V was proposed with H1 and a partnership took V -> H2 as
    an alternative (awaiting); tonight V goes to H3 and both are dropped. V "moved here from"
    H1, the run's proposal, not from H2 (the taken pairs came after the run's own)."""
    from engine.night.carryover import AWAITING_COLUMNS

    campaign = make_campaign(tmp_path, [visitor("V"), host("H1"), host("H2"), host("H3")])
    carry = _carry([_proposal("V", "H1")])
    taken = {**_proposal("V", "H2"), "mode": "physical"}
    awaiting = pd.DataFrame([taken])[list(AWAITING_COLUMNS)]
    decisions = pd.DataFrame(
        [{"visitor_id": "V", "host_id": "H2", "decision": "awaiting",
          "decided_on": "2027-01-05", "run_id": "night-1"}], columns=list(DECISION_COLUMNS),
    )  # fmt: skip
    carry = Carryover(carry.locked, carry.held, carry.pending, decisions, carry.previous,
                      "night-1", awaiting)  # fmt: skip
    tonight = pd.DataFrame([_proposal("V", "H3")])
    table = changes(campaign, tonight, _candidates(("V", "H1"), ("V", "H2"), ("V", "H3")), carry)
    rows = table.set_index(["visitor_id", "host_id"])
    assert rows.loc[("V", "H2"), "change"] == "dropped"
    assert rows.loc[("V", "H3"), "reason"] == "visitor moved here from H1"
