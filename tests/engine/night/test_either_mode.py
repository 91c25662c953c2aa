"""A pair whose visitor and host both take either mode may join a physical or a virtual group:
the group's mode is its mode (the audit: a visitor taking either was offered physical only, so
a host opening one virtual group left it out and said its group did not suit it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.night.encode import organisation_sets
from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.night.slot_choice import undominated
from tests.engine.night.test_over_time import accepted
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT)


def groups(result) -> dict[str, set[str]]:
    return {
        group: set(members["visitor_id"]) for group, members in result.proposals.groupby("group_id")
    }


def test_a_visitor_taking_either_joins_a_virtual_group(tmp_path):
    """H2 opens one group: V1 comes virtually only, V2 either way; both fit one virtual
    group, and a physical one would hold V2 alone."""
    profiles = [
        visitor("V1", country="FR", mode="virtual"),
        visitor("V2", country="IT", mode="either"),
        host("H2", country="AT", capacity=3, mode="either"),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert result.violations == []
    assert list(groups(result).values()) == [{"V1", "V2"}]
    assert set(result.proposals["mode"]) == {"virtual"}
    assert result.proposals["lump_sum_eur"].tolist() == [0.0, 0.0]
    assert result.unmatched.empty


def test_visitors_taking_either_go_physically_when_nothing_else_differs(tmp_path):
    profiles = [
        visitor("V1", country="FR", mode="either"),
        visitor("V2", country="IT", mode="either"),
        host("H2", country="AT", capacity=3, mode="either"),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert list(groups(result).values()) == [{"V1", "V2"}]
    assert set(result.proposals["mode"]) == {"physical"}
    assert (result.proposals["lump_sum_eur"] > 0).all()


def test_an_organisation_s_profiles_stay_apart_when_one_takes_either(tmp_path):
    """ORG-A's V1 (virtual only) and V2 (either) could share H1's virtual group: at most one
    of them goes to H1, the other to H2."""
    profiles = [
        visitor("V1", org_id="ORG-A", mode="virtual", seek="battery testing"),
        visitor("V2", org_id="ORG-A", country="IT", mode="either", seek="battery testing"),
        visitor("V3", country="NL", mode="virtual"),
        host("H1", capacity=3, mode="either", offer="battery testing"),
        host("H2", country="AT", capacity=3, mode="either", offer="cloud software"),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert result.violations == []
    for members in groups(result).values():
        assert len(members & {"V1", "V2"}) <= 1
    assert {"V1", "V2"} <= set(result.proposals["visitor_id"])


def test_a_pair_made_virtually_before_is_not_put_in_a_virtual_group_again(tmp_path):
    """V2 and H2 made a virtual exchange (history): tonight V2 may go to H2 physically only,
    so H2's one group is virtual with V1 or physical with V2, never both."""
    profiles = [
        visitor("V1", country="FR", mode="virtual"),
        visitor("V2", country="IT", mode="either"),
        host("H2", country="AT", capacity=3, mode="either"),
    ]
    history = [accepted("V2", "H2", "2026-11-02", "2026-11-04", mode="virtual")]
    result = run_night(make_campaign(tmp_path, profiles, history), OPTIONS)
    assert result.violations == []
    assert len(result.proposals) == 1
    row = result.proposals.iloc[0]
    assert row["visitor_id"] == "V1" or row["mode"] == "physical"


def test_a_physical_slot_covers_the_virtual_slot_its_pairs_fit_alike():
    fits = np.array([[True, True, True], [True, True, False]])  # pairs x slots
    length = np.array([3, 3, 3])
    room = np.array([2, 2, 2])
    physical = np.array([False, True, False])
    # slot 0 (virtual) fits what slot 1 (physical) fits: dropped; slot 2 is a subset of both
    assert undominated(fits, length, physical, room).tolist() == [1]
    # two virtual slots alike: the first stays
    assert undominated(fits[:, [0, 2]], length[:2], physical[[0, 2]], room[:2]).tolist() == [0]


def test_an_organisation_s_set_at_a_host_is_mode_blind_where_a_pair_takes_either():
    encoded = type("E", (), {"visitors": type("V", (), {"org_id": np.array([7, 7, 8])})})()
    table = pd.DataFrame(
        {"visitor": [0, 1, 2, 0, 1], "host": [0, 0, 0, 1, 1],
         "physical": [False, True, True, False, True], "virtual": [True, True, True, True, False],
         "score": [9.0, 8, 7, 6, 5]}
    )  # fmt: skip
    sets = organisation_sets(table, encoded, np.array([1, 1, 1]))
    assert sets is not None
    limit_set, set_limit = sets
    # host 0: organisation 7's virtual pair and its pair taking either share one set; host 1:
    # one virtual and one physical pair, in groups of different modes, no set
    assert limit_set[0] == limit_set[1] >= 0 and set_limit[limit_set[0]] == 1
    assert limit_set[2] == limit_set[3] == limit_set[4] == -1


def test_a_visitor_taking_either_mode_goes_virtual_while_its_sibling_takes_the_visit(tmp_path):
    """The audit: organisation OA has VA1 (physical only) and VA2 (either mode) and one
    physical visit; H1 takes either mode, H2 physical only. VA2's pair with H1 counted as
    physical (in the organisation's set of visits), so only one of them was proposed, with
    "optimal"; a virtual exchange uses no physical visit: VA1 to H2, VA2 to H1 virtually."""
    profiles = [
        visitor("VA1", org_id="OA", country="FR"),
        visitor("VA2", org_id="OA", country="FR", mode="either"),
        host("H1", country="BE", mode="either", capacity=2),
        host("H2", country="IT", capacity=1),
    ]
    result = run_night(make_campaign(tmp_path, profiles), OPTIONS)
    assert result.violations == []
    chosen = dict(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True))
    modes = dict(zip(result.proposals["visitor_id"], result.proposals["mode"], strict=True))
    assert chosen == {"VA1": "H2", "VA2": "H1"}
    assert modes == {"VA1": "physical", "VA2": "virtual"}
    # the pair's two options are two candidates' rows, one per mode
    options = result.candidates[result.candidates["visitor_id"] == "VA2"]
    assert sorted(options.loc[options["host_id"] == "H1", "mode"]) == ["physical", "virtual"]
