"""alternatives.csv's next partners, and whether taking one changes nothing else tonight
(``free``): the audit saw an alternative visitor marked free whose organisation's other
profile was proposed to the host (the app then refused it), and ``free`` written 1.0 where
another run wrote True."""

from __future__ import annotations

import pandas as pd

from engine.output.alternatives import alternatives


def one_host_three_visitors() -> tuple[pd.DataFrame, pd.DataFrame]:
    """H1's candidates V4 (proposed), V5 and V6."""
    candidates = pd.DataFrame(
        {"visitor_id": ["V4", "V5", "V6"], "host_id": ["H1", "H1", "H1"],
         "score": [60.0, 50.0, 40.0], "mode": ["physical"] * 3,
         "selected": [True, False, False]}
    )  # fmt: skip
    proposals = pd.DataFrame({"visitor_id": ["V4"], "host_id": ["H1"], "score": [60.0]})
    return candidates, proposals


def test_a_visitor_whose_organisation_is_proposed_is_no_free_alternative():
    candidates, proposals = one_host_three_visitors()
    org = {"V4": "OVX", "V5": "OVX", "V6": "OV6"}
    table = alternatives(candidates, proposals, {"H1": 2}, organisation=org)
    hosts = table[table["side"] == "host"].set_index("alternative_id")
    assert not hosts.loc["V5", "free"]
    assert bool(hosts.loc["V6", "free"])
    assert table["free"].dtype == bool  # no visitor side tonight: still True/False


def test_a_non_sme_the_sme_share_takes_no_more_of_is_no_free_alternative():
    """The audit: at exactly half, non-SME alternatives were marked free, though taking one
    breaks the share (unmatched.csv said sme_share for the same visitors)."""
    candidates, proposals = one_host_three_visitors()
    table = alternatives(candidates, proposals, {"H1": 2}, non_smes_full={"V5"})
    hosts = table[table["side"] == "host"].set_index("alternative_id")
    assert not hosts.loc["V5", "free"] and bool(hosts.loc["V6", "free"])


def test_a_host_proposed_its_most_new_groups_has_room_only_in_a_group_that_suits(tmp_path):
    """The reviewers' audit: 9 of 11 alternatives marked free were refused when taken ("host
    ... is proposed 2 new groups tonight"): a host at ``max_groups_per_host`` takes one more
    visitor only into one of its groups whose dates, stay, mode and language suit it."""
    from engine.output.group_room import GroupRoom
    from tests.factory import host, make_campaign, visitor

    profiles = [
        visitor("V4"),
        visitor("V5", available_from="2027-02-01"),  # after the group's dates
        visitor("V6"),
        visitor("V7", languages="fr"),  # speaks no language of the group
        host("H1", capacity=3),
    ]
    campaign = make_campaign(tmp_path, profiles)
    candidates, proposals = one_host_three_visitors()
    candidates = pd.concat(
        [candidates, candidates.iloc[[2]].assign(visitor_id="V7", score=30.0)], ignore_index=True
    )
    proposals = proposals.assign(
        group_id="G1", start=pd.Timestamp("2027-01-04"), end=pd.Timestamp("2027-01-06"),
        stay_days=3, mode="physical", group_language="en",
    )  # fmt: skip
    room = GroupRoom.of(campaign, proposals)
    table = alternatives(candidates, proposals, {"H1": 2}, room=room, per_profile=5)
    hosts = table[table["side"] == "host"].set_index("alternative_id")
    assert hosts["free"].to_dict() == {"V5": False, "V6": True, "V7": False}
    # allowed a second new group, the host may open one for any of them
    campaign = make_campaign(tmp_path / "two", profiles, policy="max_groups_per_host = 2\n")
    table = alternatives(
        candidates, proposals, {"H1": 2}, room=GroupRoom.of(campaign, proposals), per_profile=5
    )
    assert table.loc[table["side"] == "host", "free"].all()
