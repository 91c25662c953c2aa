"""A cancelled exchange frees its host's places on its dates in the next night."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from engine.load.campaign import load_campaign
from engine.review.inbox import record_answers
from engine.review.nightly import NightlyOptions, night_id, run_nightly
from engine.review.parties import Reviewer
from engine.review.rules import Request
from tests.factory import host, make_campaign, visitor
from tests.reviewing import FAST

NIGHTS = [date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16)]
ONE_WEEK = {"available_from": "2027-01-04", "available_to": "2027-01-08", "min_days": 5}


def night(folder: Path, day: date) -> pd.DataFrame:
    run_nightly(folder, NightlyOptions(run=FAST, night=day))
    return pd.read_parquet(folder / "runs" / night_id(day) / "proposals.parquet")


def test_a_cancelled_exchange_frees_its_hosts_place_on_its_dates(tmp_path):
    folder = tmp_path / "campaign"
    # one host with one place, available one week only: two visitors want that week
    make_campaign(
        folder,
        [
            visitor("V1", partnership="PA", **ONE_WEEK),
            visitor("V2", partnership="PA", **ONE_WEEK),
            host("H1", partnership="PB", capacity=1, **ONE_WEEK),
        ],
        policy="min_sme_share = 0.0\n",
    )
    first = night(folder, NIGHTS[0])
    assert len(first) == 1  # one place on those dates
    chosen, waiting = first.iloc[0]["visitor_id"], ({"V1", "V2"} - {first.iloc[0]["visitor_id"]})
    campaign = load_campaign(folder)
    for reviewer in (Reviewer("PA"), Reviewer("PB")):
        result = record_answers(folder, campaign, [Request(chosen, "H1", "accepted")], reviewer)
        assert result.recorded == 1, result.problems

    second = night(folder, NIGHTS[1])
    assert second.empty  # H1's place is taken on 4-8 January: nobody else can come
    kpis = pd.read_csv(folder / "runs" / night_id(NIGHTS[1]) / "kpis.csv")
    assert kpis.loc[kpis["category"].isin(["total", "All exchanges"]), "achieved"].sum() == 1

    cancel = record_answers(folder, campaign, [Request(chosen, "H1", "cancelled")], Reviewer("PA"))
    assert cancel.recorded == 1, cancel.problems
    third = night(folder, NIGHTS[2])
    assert third[["visitor_id", "host_id"]].values.tolist() == [[waiting.pop(), "H1"]]
    assert str(third.iloc[0]["start"].date()) == "2027-01-04"  # the freed dates
    kpis = pd.read_csv(folder / "runs" / night_id(NIGHTS[2]) / "kpis.csv")
    assert (
        kpis.loc[kpis["category"].isin(["total", "All exchanges"]), "achieved"].sum() == 0
    )  # not counted
