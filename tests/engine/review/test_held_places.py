"""Pairs on hold or one side accepted keep their places over the nights of campaigns the
oracle's audit wrote (kept as they were in ``tests/data/oracle_*``).

c035: H04 (one place, two new groups a
night) had V05 accepted by the host for 19-21 July; on 5 July the solvers' model, which counts
a host's members against every slot it opens, could keep V05 or the SME V03's group on 2
August, not both beside the SME share, and a new pair (V02) took V05's dates. The top-up puts
a staying pair in place of a less valuable member where the whole objective gains.

c007: H01 (one place, two new groups) had V07 accepted by the visitor for 26-30 July and V04
held by the host for 2-5 August; the solver opened a slot it put nobody in, which used the
host's second new group, and V04 went to H02 (scored 23 against 83). The top-up closes a slot
without members first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app

DATA = Path(__file__).parents[2] / "data"
runner = CliRunner()


def nights(campaign: Path, answered: tuple[str, ...], last: str) -> Path:
    """Each night of ``answered`` run and answered with its decision file, then ``last``: its
    run folder."""
    for night in answered:
        ran = runner.invoke(app, ["nightly", str(campaign), "--night", night, "--time-limit", "5"])
        assert ran.exit_code == exitcodes.OK, ran.output
        run = campaign / "runs" / f"{night.replace('-', '')}-nightly"
        answers = campaign / f"dec_{night.replace('-', '')}.csv"
        decided = runner.invoke(
            app, ["decide", str(run), str(answers), "--campaign", str(campaign)]
        )
        assert decided.exit_code == exitcodes.OK, decided.output
    ran = runner.invoke(app, ["nightly", str(campaign), "--night", last, "--time-limit", "5"])
    assert ran.exit_code == exitcodes.OK, ran.output
    return campaign / "runs" / f"{last.replace('-', '')}-nightly"


def kept(run: Path, visitor: str, host: str) -> tuple[str, str, str, str]:
    """The pair's change and decision, and its host and start tonight."""
    changes = pd.read_csv(run / "changes.csv").set_index(["visitor_id", "host_id"])
    proposals = pd.read_csv(run / "proposals.csv").set_index("visitor_id")
    row = changes.loc[(visitor, host)]
    return (
        row["change"],
        row["decision"],
        proposals.loc[visitor, "host_id"],
        proposals.loc[visitor, "start"],
    )


def test_the_host_s_accepted_pair_keeps_its_dates_on_the_third_night(tmp_path):
    campaign = tmp_path / "c035"
    shutil.copytree(DATA / "oracle_c035", campaign)
    run = nights(campaign, ("2027-06-21", "2027-06-28"), "2027-07-05")
    assert kept(run, "V05", "H04") == ("kept", "awaiting", "H04", "2027-07-19")


def test_a_held_pair_keeps_its_week_beside_the_host_s_accepted_one(tmp_path):
    campaign = tmp_path / "c007"
    shutil.copytree(DATA / "oracle_c007", campaign)
    run = nights(campaign, ("2027-06-21",), "2027-06-28")
    assert kept(run, "V04", "H01") == ("kept", "hold", "H01", "2027-08-02")
