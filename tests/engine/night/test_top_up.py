"""A host's capacity is per day, and the plan uses it (the audit's hand-written campaigns):
a host with room in an accepted group on one week takes new visitors that week *and* a new
group on another; two new groups on different weeks each take up to the host's room. The
solvers count a host's members against every slot it opens (``engine.night.top_up``): the
top-up places who that leaves out where every day's places allow, and the independent
checker verifies every day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.engine.night.test_over_time import accepted
from tests.factory import host, make_campaign, visitor

NIGHT_OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=pd.Timestamp("2027-03-01").date())


def _dates(result) -> dict[str, tuple[str, str]]:
    p = result.proposals
    return {
        str(v): (s.date().isoformat(), e.date().isoformat())
        for v, s, e in zip(p["visitor_id"], p["start"], p["end"], strict=True)
    }


def test_new_visitors_join_an_accepted_group_and_a_new_group_on_another_week(tmp_path):
    """H1 (capacity 3) has A2 accepted for 22-24 March; V1 and V2 can come the week before,
    V3 only the week of A2's group: all three, V3 in A2's group (which opens no new group)."""
    week = {"available_from": "2027-03-15", "available_to": "2027-03-19"}
    profiles = [
        visitor("A2", country="IT", status="draft"),
        visitor("V1", **week),
        visitor("V2", country="IT", **week),
        visitor("V3", country="ES", available_from="2027-03-22", available_to="2027-03-26"),
        host("H1", country="BE", capacity=3, available_to="2027-04-30"),
    ]
    history = [accepted("A2", "H1", "2027-03-22", "2027-03-24")]
    result = run_night(make_campaign(tmp_path, profiles, history), NIGHT_OPTIONS)
    assert result.violations == []
    assert _dates(result) == {
        "V1": ("2027-03-15", "2027-03-17"),
        "V2": ("2027-03-15", "2027-03-17"),
        "V3": ("2027-03-22", "2027-03-24"),
    }
    assert result.solve.stats["top_up_added"] == 1
    assert result.unmatched[result.unmatched["side"] == "visitor"]["profile_id"].tolist() == []


def test_two_new_groups_on_weeks_the_accepted_exchanges_leave_room(tmp_path):
    """H1 (capacity 2, two new groups a night) has one accepted visitor on 15-17 and one on
    22-24 March: V1 (free the first week) and V2 (the second) each fit the place left."""
    profiles = [
        visitor("A1", country="IT", status="draft"),
        visitor("A2", country="ES", status="draft"),
        visitor("V1", available_from="2027-03-15", available_to="2027-03-19"),
        visitor("V2", country="IT", available_from="2027-03-22", available_to="2027-03-26"),
        host("H1", country="BE", capacity=2, available_to="2027-04-30"),
    ]
    history = [
        accepted("A1", "H1", "2027-03-15", "2027-03-17", mode="virtual"),
        accepted("A2", "H1", "2027-03-22", "2027-03-24", mode="virtual"),
    ]
    campaign = make_campaign(tmp_path, profiles, history, policy="max_groups_per_host = 2\n")
    result = run_night(campaign, NIGHT_OPTIONS)
    assert result.violations == []
    assert _dates(result) == {
        "V1": ("2027-03-15", "2027-03-17"),
        "V2": ("2027-03-22", "2027-03-24"),
    }
    assert result.proposals["group_id"].nunique() == 2


def test_the_top_up_never_goes_past_a_day_s_capacity_nor_the_new_groups(tmp_path):
    """Every week full but one place: of four visitors free the same week, one is proposed,
    however many new groups the host may open."""
    week = {"available_from": "2027-03-15", "available_to": "2027-03-19"}
    profiles = [visitor("A1", country="IT", status="draft")]
    profiles += [visitor(f"V{i}", org_id=f"O{i}", **week) for i in range(4)]
    profiles += [host("H1", country="BE", capacity=2, available_to="2027-04-30")]
    history = [accepted("A1", "H1", "2027-03-15", "2027-03-19")]
    campaign = make_campaign(tmp_path, profiles, history, policy="max_groups_per_host = 3\n")
    result = run_night(campaign, NIGHT_OPTIONS)
    assert result.violations == [] and len(result.proposals) == 1
    assert not np.any(result.solve.selected[result.solve.pair_slot < 0])


def test_a_second_new_group_on_other_dates_where_identical_slots_overlapped(tmp_path):
    """The audit: a host of capacity 5, groups of at most 2 and two new groups a night, and
    three visitors free the same months: 2 proposed ('capacity: H1's places went to V1,
    V2'), since the slots kept for the host were all in one week. A second group's slot
    on other dates is kept too (``engine.night.slot_choice.twins``)."""
    profiles = [visitor(f"V{i}", country=c) for i, c in enumerate(("IT", "ES", "PT"))]
    profiles += [host("H1", country="BE", capacity=5)]
    policy = "max_groups_per_host = 2\nmax_group_size = 2\n"
    result = run_night(make_campaign(tmp_path, profiles, policy=policy), NIGHT_OPTIONS)
    assert result.violations == [] and len(result.proposals) == 3
    sizes = result.proposals.groupby("group_id").size().sort_values().tolist()
    assert sizes == [1, 2]
    starts = sorted(set(result.proposals["start"]))
    assert starts[1] - starts[0] >= pd.Timedelta(days=7)  # two weeks, never the same days
