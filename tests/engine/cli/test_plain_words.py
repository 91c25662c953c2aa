"""What a person reads in the terminal (the failures audit): every bad option of a sweep
listed at once in one sentence each, an empty ``--scheduler`` refused, a campaign with nothing
matchable said to be so, no share of zero proposals, counts in the singular where they are one."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from tests.factory import NIGHT, host, make_campaign, visitor

runner = CliRunner()


def test_a_sweep_lists_every_bad_option_at_once(tmp_path):
    scenario = tmp_path / "x.toml"
    scenario.write_text('name = "x"\nbase = "nowhere"\n', encoding="utf-8")
    result = runner.invoke(
        app,
        ["sweep", str(scenario), "--seeds", "0", "--workers", "0", "--first-seed", "-1",
         "--serial", "--out", str(tmp_path / "sweep")],
    )  # fmt: skip
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    text = " ".join(result.output.split())
    for said in (
        "--seeds must be between 1 and",
        "--workers must be between 1 and 64, not 0",
        "--first-seed must be between 0 and",
    ):
        assert said in text
    assert "Usage:" not in result.output and "╭" not in result.output


def test_an_empty_scheduler_address_is_refused(tmp_path):
    scenario = tmp_path / "x.toml"
    scenario.write_text('name = "x"\nbase = "nowhere"\n', encoding="utf-8")
    result = runner.invoke(
        app, ["sweep", str(scenario), "--scheduler", " ", "--out", str(tmp_path / "sweep")]
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "--scheduler is empty" in " ".join(result.output.split())
    assert not (tmp_path / "sweep").exists()


@pytest.mark.parametrize("field", ["status", "validated"])
def test_a_campaign_with_nothing_matchable_says_so(tmp_path, field):
    folder = tmp_path / "campaign"
    value = "draft" if field == "status" else "false"
    make_campaign(folder, [visitor("V1", **{field: value}), visitor("V2", **{field: value}),
                           host("H1")])  # fmt: skip
    checked = runner.invoke(app, ["validate", str(folder)])
    assert checked.exit_code == exitcodes.OK, checked.output
    said = "none of the 2 visitor profiles is both published and validated"
    assert said in " ".join(checked.output.split())
    out = tmp_path / "night"
    result = runner.invoke(
        app, ["run", str(folder), "--out", str(out), "--as-of", str(NIGHT), "--time-limit", "3"]
    )
    assert result.exit_code == exitcodes.OK, result.output
    text = " ".join(result.output.split())
    assert said in text
    assert "0 proposals" in text
    assert "SME share n/a (no proposals" in text and "SME share 0.0%" not in text
    assert said in " ".join(pd.read_json(out / "manifest.json", typ="series")["warnings"])


def test_one_left_out_host_is_one_host(tmp_path):
    from engine.cli.run import left_out_summary

    table = pd.DataFrame({"side": ["host", "visitor", "visitor"],
                          "code": ["outscored", "capacity", "capacity"]})  # fmt: skip
    assert left_out_summary(table) == (
        "  left out: 2 visitors (capacity 2); 1 host (outscored 1) (unmatched.csv)"
    )


def test_one_exchange_accepted_before_is_one_exchange(tmp_path):
    """A non-SME exchange accepted before, short of the SME share on its own: the terminal
    and the report said "the 1 exchanges accepted before are short of it"."""
    profiles = [visitor("V1"), visitor("V9", country="IT", org_type="technology_centre")]
    profiles += [host("H1", capacity=2)]
    history = [{"visitor_id": "V9", "host_id": "H1", "decided_on": "2026-11-02",
                "outcome": "accepted", "mode": "physical"}]  # fmt: skip
    folder = tmp_path / "campaign"
    make_campaign(folder, profiles, history)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(folder), "--as-of", NIGHT.isoformat(), "--time-limit", "5",
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == exitcodes.OK, result.output
    text = " ".join(result.output.split())
    assert "the 1 exchange accepted before is short of it already" in text
    report = " ".join((out / "report.html").read_text(encoding="utf-8").split())
    assert "the 1 exchange accepted before is short of the minimum already" in report


def test_a_second_nightly_with_a_bad_inbox_file_does_not_say_the_night_ran(tmp_path):
    """The reviewers' audit: the second call of a night said "the night ran" (exit 2) for the
    unreadable file still in the inbox, though it found tonight's run and stopped."""
    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1"), host("H1")])
    (folder / "inbox").mkdir()
    (folder / "inbox" / "junk.csv").write_text("visitor,host\nV1,H1\n")
    args = ["nightly", str(folder), "--night", str(NIGHT), "--time-limit", "3"]
    first = runner.invoke(app, args)
    assert first.exit_code == exitcodes.BAD_INPUT, first.output
    assert "the night ran; rows of junk.csv have problems" in " ".join(first.output.split())
    again = runner.invoke(app, args)
    assert again.exit_code == exitcodes.BAD_INPUT, again.output
    text = " ".join(again.output.split())
    assert "tonight has run already" in text and "the night ran" not in text
    assert "tonight's run was there already; rows of junk.csv have problems" in text


def test_a_new_note_on_an_answer_recorded_already_is_said_not_dropped(tmp_path):
    """The reviewers' audit: the same answer again with another note said "1 were recorded
    already" and the note was gone without a word."""
    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1"), host("H1")])
    night = tmp_path / "night"
    args = ["run", str(folder), "--out", str(night), "--as-of", str(NIGHT), "--time-limit", "3"]
    assert runner.invoke(app, args).exit_code == exitcodes.OK
    first, again = tmp_path / "first.csv", tmp_path / "again.csv"
    first.write_text("visitor_id,host_id,decision,side,note\nV1,H1,hold,host,call them\n")
    again.write_text("visitor_id,host_id,decision,side,note\nV1,H1,hold,host,call on Monday\n")
    assert runner.invoke(app, ["decide", str(night), str(first)]).exit_code == exitcodes.OK
    result = runner.invoke(app, ["decide", str(night), str(again)])
    assert result.exit_code == exitcodes.OK, result.output
    text = " ".join(result.output.split())
    assert "warning: again.csv row 2 repeats an answer recorded already with another note" in text
    same = tmp_path / "same.csv"
    same.write_text(first.read_text() + "\n")  # another file, the same answer and note
    quiet = runner.invoke(app, ["decide", str(night), str(same)])
    assert quiet.exit_code == exitcodes.OK and "warning" not in quiet.output


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--out", ""],
        ["generate", "--out="],
        ["nightly", "C", "--runs", " "],
        ["export", "R", "--campaign", ""],
    ],  # fmt: skip
)
def test_an_empty_path_option_is_refused_not_read_as_this_folder(args):
    """The failures audit: `--out ""` was the current folder (exit 5, ". exists already")."""
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "is empty: name a file or folder" in result.output
