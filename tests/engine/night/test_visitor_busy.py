"""A visitor is proposed no stay on days it is in an exchange of its own accepted before, at
another host or virtually (the campaign audit: two visitors were proposed a physical stay at
H3 on the very days of their accepted virtual exchanges with H1)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import host, make_campaign, visitor

MARCH = {"available_from": "2027-03-01", "available_to": "2027-03-12"}


def test_a_physical_stay_is_not_proposed_during_the_visitor_s_virtual_exchange(tmp_path):
    profiles = [
        visitor("V1", mode="either", **MARCH),
        host("H1", country="IT", mode="virtual", **MARCH),
        host("H2", country="FR", mode="physical", **MARCH),
    ]
    history = [{"visitor_id": "V1", "host_id": "H1", "decided_on": "2027-01-10",
                "outcome": "accepted", "mode": "virtual", "start": "2027-03-01",
                "end": "2027-03-03"}]  # fmt: skip
    options = RunOptions(time_limit_s=10, workers=1, as_of=date(2027, 2, 1))
    night = run_night(make_campaign(tmp_path, profiles, history), options)
    assert night.violations == []
    (row,) = night.proposals.to_dict("records")
    assert (row["host_id"], row["mode"]) == ("H2", "physical")
    assert pd.Timestamp(row["start"]) > pd.Timestamp("2027-03-03")  # the week after
