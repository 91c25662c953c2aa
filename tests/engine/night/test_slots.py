"""Group slots: weekly grid, stay lengths, group language, and slot pruning."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.night.slots import build_slots, working_day_date
from scoring.candidates import build_candidates
from scoring.eligibility import eligibility_context
from scoring.encoding import encode_profiles, working_day_index
from scoring.linear import LinearScore
from scoring.text import TextSimilarity
from tests.factory import host, make_campaign, visitor


def slots_of(campaign, **kwargs):
    encoded = encode_profiles(campaign.profiles)
    context = eligibility_context(campaign, encoded.visitors.ids, encoded.hosts.ids)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    candidates, _ = build_candidates(encoded, text, context, LinearScore().score)
    return build_slots(candidates, encoded, campaign.policy, **kwargs), encoded


def starts(table: pd.DataFrame) -> list[str]:
    return [str(d) for d in working_day_date(table["start_wd"].to_numpy())]


def fitted(slots) -> pd.DataFrame:
    """One row per (pair, slot) it fits, with the slot's columns."""
    return slots.fits.merge(slots.slots, on="slot")


def test_working_day_index_round_trip_and_mondays():
    days = np.array(["2027-01-04", "2027-01-08", "2027-01-11"], dtype="datetime64[D]")
    index = working_day_index(days)
    assert (working_day_date(index) == days).all()
    assert index[0] % 5 == 0 and index[2] % 5 == 0 and index[1] % 5 == 4  # Mon, Fri, Mon


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
    slots, _ = slots_of(make_campaign(tmp_path, profiles), slots_per_host=2)
    assert slots.fits["pair"].nunique() == 10
