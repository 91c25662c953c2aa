"""Dates a person types take the campaign files' formats (the nights audit: ``--as-of
14/06/2027`` was refused, though the README says "dates as above"), and the warning on
decisions dated after the night names the file that holds them."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.review.log import log_path, read_log
from tests.factory import host, make_campaign, visitor

runner = CliRunner()


def _campaign(tmp_path):
    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1"), host("H1")])
    return folder


def _run(folder, out, night: str):
    return runner.invoke(
        app, ["run", str(folder), "--out", str(out), "--as-of", night, "--time-limit", "5"]
    )


def _accepted_on(folder, tmp_path, day: str):
    """The night of 14 December 2026, then its one pair accepted, dated ``day``."""
    night = tmp_path / "night"
    assert _run(folder, night, "2026-12-14").exit_code == exitcodes.OK
    answer = tmp_path / "answer.csv"
    pd.DataFrame(
        [{"visitor_id": "V1", "host_id": "H1", "decision": "accepted", "decided_on": day}]
    ).to_csv(answer, index=False)
    return runner.invoke(app, ["decide", str(night), str(answer)])


def test_a_night_typed_day_first_or_in_words_is_that_night(tmp_path):
    folder = _campaign(tmp_path)
    for night, out in (("14/12/2026", "a"), ("14 December 2026", "b"), ("2026-12-14", "c")):
        result = _run(folder, tmp_path / out, night)
        assert result.exit_code == exitcodes.OK, result.output
        manifest = json.loads((tmp_path / out / "manifest.json").read_text())
        assert manifest["calendar"]["as_of"] == "2026-12-14"
    result = _run(folder, tmp_path / "d", "31/02/2027")
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "--as-of '31/02/2027' is not a date (YYYY-MM-DD, DD/MM/YYYY" in result.output


def test_a_decision_dated_day_first_is_recorded_as_that_day(tmp_path):
    folder = _campaign(tmp_path)
    result = _accepted_on(folder, tmp_path, "16/12/2026")
    assert result.exit_code == exitcodes.OK, result.output
    assert set(read_log(log_path(folder))["decided_on"].astype(str)) == {"2026-12-16"}


def test_answers_dated_after_the_night_are_said_to_be_in_the_decision_log(tmp_path):
    folder = _campaign(tmp_path)
    assert _accepted_on(folder, tmp_path, "2026-12-20").exit_code == exitcodes.OK
    result = _run(folder, tmp_path / "again", "2026-12-15")
    assert result.exit_code == exitcodes.OK, result.output
    text = " ".join(result.output.split())
    assert "the decision log holds 1 answer dated after the night 2026-12-15" in text
    assert "the history holds" not in text
