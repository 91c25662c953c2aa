"""A stay lasts "up to a maximum of a month" (seeds 000, 001, 004), whatever its working days:
22 working days from Monday 22 March 2027 in Germany (Good Friday and Easter Monday off) end
on Thursday 22 April, a month and a day later."""

from __future__ import annotations

from datetime import date

import pandas as pd

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import host, make_campaign, visitor

WINDOW = {"available_from": "2027-03-22", "available_to": "2027-05-31"}


def test_a_stay_of_22_working_days_over_easter_starts_where_it_fits_in_a_month(tmp_path):
    profiles = [
        visitor("V1", country="FR", min_days=22, max_days=22, **WINDOW),
        host("H1", country="DE", min_days=3, max_days=22, **WINDOW),
    ]
    options = RunOptions(time_limit_s=10, workers=1, as_of=date(2027, 3, 8))  # from 22 March
    result = run_night(make_campaign(tmp_path, profiles), options)
    assert result.violations == []
    (row,) = result.proposals.to_dict("records")
    start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
    assert row["stay_days"] == 22
    assert start > pd.Timestamp("2027-03-22")  # that start would end on 22 April
    assert end < start + pd.DateOffset(months=1)


def test_a_month_of_23_working_days_is_a_stay(tmp_path):
    """Seed 004: "up to a maximum of a month". Monday 2 August to Wednesday 1 September 2027
    in the Netherlands (no holiday) is a month less a day and 23 working days: a profile that
    stays that long is no problem (the programme's 3..22 refused it), and it is proposed."""
    window = {"available_from": "2027-08-02", "available_to": "2027-09-01"}
    profiles = [
        visitor("V1", country="FR", min_days=23, max_days=23, **window),
        host("H1", country="NL", min_days=3, max_days=23, **window),
    ]
    options = RunOptions(time_limit_s=10, workers=1, as_of=date(2027, 7, 1))
    result = run_night(make_campaign(tmp_path, profiles), options)
    assert result.violations == []
    (row,) = result.proposals.to_dict("records")
    assert row["stay_days"] == 23
    assert (str(row["start"])[:10], str(row["end"])[:10]) == ("2027-08-02", "2027-09-01")
