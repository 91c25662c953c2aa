"""Group slots: weekly grid on the host country's working days, stay lengths, group
language, room left by accepted exchanges, joining an accepted group, and slot pruning."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.domain.calendar import day_date
from engine.night.occupancy import occupancy
from engine.night.slots import build_slots
from scoring.candidates import build_candidates
from scoring.eligibility import eligibility_context
from scoring.encoding import encode_campaign
from scoring.linear import LinearScore
from scoring.text import TextSimilarity
from tests.factory import host, make_campaign, visitor


def slots_of(campaign, with_occupancy: bool = False):
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    candidates, _ = build_candidates(encoded, text, context, LinearScore().score)
    occupied = occupancy(campaign, encoded, None) if with_occupancy else None
    return build_slots(candidates, encoded, campaign.policy, occupied), encoded


def starts(table: pd.DataFrame) -> list[str]:
    return [str(d) for d in day_date(table["start_day"].to_numpy())]


def ends(table: pd.DataFrame) -> list[str]:
    return [str(d) for d in day_date(table["end_day"].to_numpy())]


def fitted(slots) -> pd.DataFrame:
    """One row per (pair, slot) it fits, with the slot's columns."""
    return slots.fits.merge(slots.slots, on="slot")


def test_a_week_opening_on_a_public_holiday_starts_the_next_working_day(tmp_path):
    # Easter Monday, 29 March 2027, is a public holiday in France (the host's country)
    campaign = make_campaign(
        tmp_path,
        [visitor("V1", available_from="2027-03-29", available_to="2027-04-02"),
         host("H1", available_from="2027-03-29", available_to="2027-04-02")],
    )  # fmt: skip
    slots, _ = slots_of(campaign)
    assert starts(slots.slots) == ["2027-03-30"]


def test_a_stay_counts_the_host_countrys_working_days(tmp_path):
    # Ascension, Thursday 6 May 2027, is a French holiday: 4 working days from Monday 3 May
    # end on Friday 7 May
    profiles = [
        visitor("V1", min_days=4, available_from="2027-05-03", available_to="2027-05-07"),
        host("H1", available_from="2027-05-03", available_to="2027-05-14"),
    ]
    slots, _ = slots_of(make_campaign(tmp_path, profiles))
    table = slots.slots
    assert list(zip(starts(table), ends(table), table["length"], strict=True)) == [
        ("2027-05-03", "2027-05-07", 4)
    ]
    no_holidays = make_campaign(tmp_path / "b", profiles, policy="public_holidays = false\n")
    plain, _ = slots_of(no_holidays)
    assert ends(plain.slots) == ["2027-05-06"]


def test_an_accepted_exchange_leaves_room_on_its_dates_only(tmp_path):
    history = [
        {"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-12-01", "outcome": "accepted",
         "mode": "physical", "start": "2027-01-11", "end": "2027-01-13"},
    ]  # fmt: skip
    profiles = [
        visitor("V1", available_from="2027-01-04", available_to="2027-01-22"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=2, available_from="2027-01-04", available_to="2027-01-22"),
    ]
    slots, _ = slots_of(make_campaign(tmp_path, profiles, history), with_occupancy=True)
    rooms = dict(zip(starts(slots.slots), slots.slots["room"], strict=True))
    assert rooms.get("2027-01-11") == 1 and set(rooms) - {"2027-01-11"}  # other weeks: full room
    assert all(room == 2 for day, room in rooms.items() if day != "2027-01-11")


def test_a_visitor_may_join_an_accepted_group_with_room(tmp_path):
    history = [
        {"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-12-01", "outcome": "accepted",
         "mode": "physical", "start": "2027-01-12", "end": "2027-01-14"},
    ]  # fmt: skip
    profiles = [
        visitor("V1", available_from="2027-01-11", available_to="2027-01-15"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=3, available_from="2027-01-04", available_to="2027-01-29"),
    ]
    slots, _ = slots_of(make_campaign(tmp_path, profiles, history), with_occupancy=True)
    joins = slots.slots[~slots.slots["new"]]
    # the accepted group of 12-14 January (Tuesday to Thursday) takes V1, with 2 places left
    assert list(zip(starts(joins), ends(joins), joins["room"], joins["language"], strict=True)) == [
        ("2027-01-12", "2027-01-14", 2, "en")
    ]
    assert set(slots.fits["slot"]) >= set(joins["slot"])


def test_a_join_keeps_its_groups_dates_when_a_holiday_ends_it(tmp_path):
    """The accepted group of 8-14 July 2027 ends on Bastille Day (a French holiday): it has 4
    working days, and a visitor joining it gets its own dates, 8 to 14 July, as the checker
    reads them (not the fourth working day, the 13th, which made a join count as a new group
    at 20,000 visitors)."""
    history = [
        {"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-12-01", "outcome": "accepted",
         "mode": "physical", "start": "2027-07-08", "end": "2027-07-14"},
    ]  # fmt: skip
    profiles = [
        visitor("V1", available_from="2027-07-05", available_to="2027-07-16"),
        visitor("V9", country="IT", status="draft"),
        host("H1", capacity=3, available_from="2027-07-01", available_to="2027-07-30"),
    ]
    slots, _ = slots_of(make_campaign(tmp_path, profiles, history), with_occupancy=True)
    joins = slots.slots[~slots.slots["new"]]
    assert list(zip(starts(joins), ends(joins), joins["length"], strict=True)) == [
        ("2027-07-08", "2027-07-14", 4)
    ]


def test_a_join_whose_holiday_falls_after_the_visitor_s_last_day_does_not_take_it(tmp_path):
    """t5000 seed 12: a group of 8-16 February in Serbia (Statehood Day the 15th and 16th:
    its working days end on the 12th) took a visitor available until the 12th, and the
    checker refused the night: a join's own dates, holidays included, lie in the window."""
    history = [
        {"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-12-01", "outcome": "accepted",
         "mode": "physical", "start": "2027-02-08", "end": "2027-02-16"},
    ]  # fmt: skip
    profiles = [
        visitor("V1", available_from="2027-02-01", available_to="2027-02-12", max_days=10),
        visitor("V2", available_from="2027-02-01", available_to="2027-02-19", max_days=10),
        visitor("V9", country="IT", status="draft"),
        host("H1", country="RS", capacity=3, available_from="2027-01-04",
             available_to="2027-03-31", max_days=10),
    ]  # fmt: skip
    campaign = make_campaign(tmp_path, profiles, history)
    encoded = encode_campaign(campaign)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    context = eligibility_context(campaign, encoded)
    candidates, _ = build_candidates(encoded, text, context, LinearScore().score)
    occupied = occupancy(campaign, encoded, None)
    slots = build_slots(candidates, encoded, campaign.policy, occupied)
    joins = slots.slots[~slots.slots["new"]]
    assert list(zip(starts(joins), ends(joins), joins["length"], strict=True)) == [
        ("2027-02-08", "2027-02-16", 5)
    ]
    pairs = slots.fits.loc[slots.fits["slot"].isin(joins["slot"]), "pair"].to_numpy()
    joining = encoded.visitors.ids[candidates["visitor"].to_numpy()[pairs]]
    assert set(joining) == {"V2"}


def test_slots_are_mondays_inside_both_windows(tmp_path):
    campaign = make_campaign(
        tmp_path,
        [visitor("V1", available_from="2027-01-06", available_to="2027-01-29"),
         host("H1", available_from="2027-01-01", available_to="2027-01-20")],
    )  # fmt: skip
    slots, _ = slots_of(campaign)
    # Mondays 11 and 18 January fit both windows (a 3-day stay from the 18th ends on the
    # 20th); both admit the same visitor, so the earlier one is kept
    assert starts(fitted(slots)) == ["2027-01-11"]
    assert fitted(slots)["length"].tolist() == [3]


def test_a_slot_admitting_fewer_visitors_is_dropped(tmp_path):
    campaign = make_campaign(
        tmp_path,
        [visitor("V1", available_from="2027-01-06", available_to="2027-01-29"),
         visitor("V2", country="IT", available_from="2027-01-15", available_to="2027-01-29"),
         host("H1", capacity=2, available_from="2027-01-01", available_to="2027-01-20")],
    )  # fmt: skip
    slots, _ = slots_of(campaign)
    # 11 January admits V1 only; 18 January admits V1 and V2: only the 18th is worth keeping
    assert starts(slots.slots) == ["2027-01-18"]
    assert sorted(slots.fits["pair"]) == [0, 1]


def test_group_language_splits_slots(tmp_path):
    profiles = [
        visitor("V1", languages="de"), visitor("V2", languages="en"),
        host("H1", languages="de;en", capacity=2, available_to="2027-01-08"),
    ]  # fmt: skip
    slots, _ = slots_of(make_campaign(tmp_path, profiles))
    assert fitted(slots).groupby("pair")["language"].apply(set).tolist() == [{"de"}, {"en"}]
    no_rule = make_campaign(tmp_path / "b", profiles, policy="group_common_language = false\n")
    free, _ = slots_of(no_rule)
    assert free.fits.groupby("pair")["slot"].apply(set).tolist() == [{0}, {0}]


def test_pruning_keeps_a_slot_for_every_pair(tmp_path):
    # ten visitors, each available in a different single week: every one keeps its week
    profiles = [
        visitor(f"V{i}", available_from=str(np.datetime64("2027-01-04") + 7 * i),
                available_to=str(np.datetime64("2027-01-08") + 7 * i))
        for i in range(10)
    ] + [host("H1", capacity=3)]  # fmt: skip
    campaign = make_campaign(tmp_path, profiles, policy="slots_per_host = 2\n")
    slots, _ = slots_of(campaign)
    assert slots.fits["pair"].nunique() == 10


def test_dates_shared_from_a_wednesday_start_on_that_wednesday(tmp_path):
    """Availabilities that share Wednesday 17 to Friday 19 March 2027 hold no week's first
    day: the slot starts on the Wednesday (the audit's campaign was eligible, never proposed,
    and told it was outscored). Starts are Mondays, or that Wednesday."""
    campaign = make_campaign(
        tmp_path,
        [visitor("V1", available_from="2027-03-17", available_to="2027-03-19", min_days=3),
         visitor("V2", country="IT", available_from="2027-03-15", available_to="2027-03-26"),
         host("H1", available_from="2027-03-15", available_to="2027-03-26", capacity=2)],
    )  # fmt: skip
    encoded = encode_campaign(campaign)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    context = eligibility_context(campaign, encoded)
    candidates, _ = build_candidates(encoded, text, context, LinearScore().score)
    slots = build_slots(candidates, encoded, campaign.policy, None)
    rows = fitted(slots)
    visitor_of = encoded.visitors.ids[candidates["visitor"].to_numpy()]
    v1, v2 = (rows[visitor_of[rows["pair"].to_numpy()] == v] for v in ("V1", "V2"))
    assert starts(v1) == ["2027-03-17"] and ends(v1) == ["2027-03-19"]
    assert "2027-03-17" in starts(v2)  # one group of both (their Monday's slot is covered)
    assert set(starts(slots.slots)) <= {"2027-03-15", "2027-03-17", "2027-03-22"}


def test_an_accepted_group_on_no_working_day_of_its_host_joins_nobody(tmp_path):
    """The property test drew an accepted exchange of 25-27 December in Germany (Christmas,
    Boxing Day, a Sunday): no working day, and the join slot's room crashed the night."""
    history = [
        {"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-08-01", "outcome": "accepted",
         "mode": "physical", "start": "2026-12-25", "end": "2026-12-27"},
    ]  # fmt: skip
    profiles = [
        visitor("V1", country="FR", available_from="2026-12-21", available_to="2027-01-29"),
        visitor("V9", country="IT", status="draft"),
        host("H1", country="DE", capacity=2, available_from="2026-12-21"),
    ]
    slots, _ = slots_of(make_campaign(tmp_path, profiles, history), with_occupancy=True)
    joins = slots.slots[~slots.slots["new"]]
    assert not slots.fits["slot"].isin(joins["slot"]).any()
    assert (slots.slots["new"]).any()  # the new groups are still there
