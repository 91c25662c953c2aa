"""The decision lifecycle: each side answers, withdrawal until a run reads it, cancellation,
files that forgive, the schema's own refusals and the migration of a version 2 log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.review import schema
from engine.review.inbox import record_answers
from engine.review.log import log_path, mark_read, read_log, with_decisions
from engine.review.parties import Reviewer
from engine.review.rules import Request
from engine.review.state import pair_states
from tests.reviewing import (
    answer,
    campaign_with_a_run,
    decisions_csv,
    withdraw_directly,
    working_copy,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return campaign_with_a_run(tmp_path_factory.mktemp("lifecycle") / "campaign", 120, 30, 3)


@pytest.fixture
def campaign(original, tmp_path) -> Path:
    return working_copy(original, tmp_path)


def proposals(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs" / "r1" / "proposals.parquet")


def decide(folder: Path, file: Path, *flags: str):
    run = str(folder / "runs" / "r1")
    return runner.invoke(app, ["decide", run, str(file), "--campaign", str(folder), *flags])


def states(folder: Path) -> pd.DataFrame:
    return pair_states(read_log(log_path(folder))).set_index(["visitor_id", "host_id"])


def say(folder: Path, reviewer: Reviewer, *requests: Request):
    return record_answers(folder, load_campaign(folder), list(requests), reviewer)


def test_fifty_rows_three_bad_records_47_lists_3_and_twice_changes_nothing(campaign, tmp_path):
    props = proposals(campaign)
    assert len(props) >= 25
    rows = []
    for record in props.head(25).to_dict("records"):
        pair = {"visitor_id": record["visitor_id"], "host_id": record["host_id"]}
        rows += [{**pair, "decision": "accepted", "side": "visitor"}]
        rows += [{**pair, "decision": "hold", "side": "host", "note": "dates?"}]
    rows[7]["decision"] = "yes please"  # file row 9
    rows[20]["host_id"] = "H-NOBODY"  # file row 22
    rows[41]["decided_on"] = "tomorrow"  # file row 43
    path = tmp_path / "fifty.csv"
    pd.DataFrame(rows).fillna("").to_csv(path, index=False)

    dry = decide(campaign, path, "--dry-run")
    assert dry.exit_code == exitcodes.BAD_INPUT and "47 rows would be recorded" in dry.output
    assert not log_path(campaign).exists()
    strict = decide(campaign, path, "--strict")
    assert strict.exit_code == exitcodes.BAD_INPUT and "nothing was recorded" in strict.output
    assert not log_path(campaign).exists()

    first = decide(campaign, path)
    assert first.exit_code == exitcodes.BAD_INPUT
    assert "47 rows recorded" in first.output and "3 rows with problems" in first.output
    assert "fifty.csv: 3 problems; the other 47 answered rows were recorded" in first.output
    assert "fifty.csv row 9, column decision: 'yes please' is not a decision" in first.output
    assert "fifty.csv row 22: " in first.output and "was proposed by no run" in first.output
    assert "fifty.csv row 43, column decided_on: 'tomorrow' is not a date" in first.output
    log = read_log(log_path(campaign))
    assert len(log) == 47
    before = log.drop(columns="recorded_at")

    again = decide(campaign, path)  # nothing changes; its 3 problem rows are listed again
    assert again.exit_code == exitcodes.BAD_INPUT and "imported before" in again.output
    assert "fifty.csv: 3 problems; nothing was recorded" in again.output
    pd.testing.assert_frame_equal(read_log(log_path(campaign)).drop(columns="recorded_at"), before)


def test_a_pair_is_an_exchange_when_both_sides_accepted_and_blocked_when_one_rejected(campaign):
    props = proposals(campaign)
    one, two = props.iloc[0], props.iloc[1]
    visitor_side = Reviewer(one["visitor_partnership"])
    host_side = Reviewer(one["host_partnership"])
    result = say(campaign, visitor_side, Request(one["visitor_id"], one["host_id"], "accepted"))
    assert result.recorded == 1 and not result.problems
    sides = "visitor" if one["visitor_partnership"] != one["host_partnership"] else "both sides"
    if sides == "visitor":
        assert states(campaign).loc[(one["visitor_id"], one["host_id"]), "status"] == "awaiting"
        say(campaign, host_side, Request(one["visitor_id"], one["host_id"], "accepted"))
    assert states(campaign).loc[(one["visitor_id"], one["host_id"]), "status"] == "exchange"

    office = Reviewer()
    say(campaign, office, Request(two["visitor_id"], two["host_id"], "rejected", side="host"))
    state = states(campaign).loc[(two["visitor_id"], two["host_id"])]
    assert state["status"] == "rejected" and state["host"] == "rejected"
    late = say(campaign, office, Request(two["visitor_id"], two["host_id"], "accepted", "visitor"))
    assert late.recorded == 0 and "is never proposed again" in late.problems[0].message
    history = with_decisions(load_campaign(campaign), read_log(log_path(campaign))).history
    added = history.iloc[-2:][["visitor_id", "outcome"]].to_numpy().tolist()
    assert added == [[one["visitor_id"], "accepted"], [two["visitor_id"], "rejected"]]


def test_only_its_author_withdraws_an_answer_and_only_until_a_run_reads_it(campaign):
    props = proposals(campaign)
    row = props[props["visitor_partnership"] != props["host_partnership"]].iloc[0]
    pair = (row["visitor_id"], row["host_id"])
    mine, theirs = Reviewer(row["visitor_partnership"]), Reviewer(row["host_partnership"])
    say(campaign, mine, Request(*pair, "rejected"))
    stranger = say(campaign, theirs, Request(*pair, "withdrawn", side="visitor"))
    assert stranger.recorded == 0 and stranger.outcomes[0].status == "forbidden"
    undo = say(campaign, mine, Request(*pair, "withdrawn"))
    assert undo.recorded == 1 and pair not in states(campaign).index  # as if never answered

    say(campaign, mine, Request(*pair, "hold", note="ask them"))
    mark_read(log_path(campaign), "r2", read_log(log_path(campaign)))  # a run read the log
    too_late = say(campaign, mine, Request(*pair, "withdrawn"))
    assert too_late.recorded == 0 and "was read by a run already" in too_late.problems[0].message
    # the schema refuses it too, whatever the caller
    with sqlite3.connect(log_path(campaign)) as db:
        hold = db.execute("SELECT seq FROM events WHERE decision = 'hold'").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="only its author"):
        withdraw_directly(log_path(campaign), hold)


def test_the_log_is_append_only(campaign, tmp_path):
    props = proposals(campaign)
    decide(campaign, decisions_csv(tmp_path / "a.csv", answer(props.iloc[:2], "accepted")))
    with sqlite3.connect(log_path(campaign)) as db:
        for statement in ("UPDATE events SET decision = 'rejected'", "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)


def test_an_exchange_can_be_cancelled_and_then_never_comes_back(campaign, tmp_path):
    props = proposals(campaign)
    decide(campaign, decisions_csv(tmp_path / "a.csv", answer(props.iloc[:1], "accepted")))
    early = decide(
        campaign, decisions_csv(tmp_path / "b.csv", answer(props.iloc[1:2], "cancelled"))
    )
    assert "only an exchange (both sides accepted) can be cancelled" in early.output
    done = decide(campaign, decisions_csv(tmp_path / "c.csv", answer(props.iloc[:1], "cancelled")))
    assert done.exit_code == exitcodes.OK, done.output
    pair = (props.iloc[0]["visitor_id"], props.iloc[0]["host_id"])
    assert states(campaign).loc[pair, "status"] == "cancelled"
    history = with_decisions(load_campaign(campaign), read_log(log_path(campaign))).history
    assert history.iloc[-1][["visitor_id", "outcome"]].tolist() == [pair[0], "cancelled"]


V2_SCHEMA = """
CREATE TABLE imports (import_id INTEGER PRIMARY KEY, file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE, run_id TEXT NOT NULL, imported_at TEXT NOT NULL,
    rows_recorded INTEGER NOT NULL, rows_already_recorded INTEGER NOT NULL);
CREATE TABLE decisions (seq INTEGER PRIMARY KEY, visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL, decision TEXT NOT NULL, decided_on TEXT NOT NULL,
    decided_by TEXT NOT NULL, note TEXT NOT NULL, mode TEXT NOT NULL, start_day TEXT NOT NULL,
    end_day TEXT NOT NULL, score REAL NOT NULL, run_id TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports (import_id),
    UNIQUE (visitor_id, host_id, decision));
PRAGMA user_version = 2;
"""


def test_a_version_2_log_keeps_working_and_migrates_on_its_first_write(campaign, tmp_path):
    props = proposals(campaign)
    with sqlite3.connect(log_path(campaign)) as db:
        db.executescript(V2_SCHEMA)
        db.execute("INSERT INTO imports VALUES (1, 'old.csv', 'abc', 'r1', '2026-12-20', 2, 0)")
        for seq, (record, decision) in enumerate(
            zip(props.head(2).to_dict("records"), ("accepted", "rejected"), strict=True), 1
        ):
            db.execute(
                "INSERT INTO decisions VALUES (?, ?, ?, ?, '2026-12-20', 'old', '', ?, ?, ?, ?,"
                " 'r1', 1)",
                (seq, record["visitor_id"], record["host_id"], decision, record["mode"],
                 str(record["start"].date()), str(record["end"].date()), record["score"]),
            )  # fmt: skip
    old = states(campaign)  # read before any write: both sides of each old decision
    assert sorted(old["status"]) == ["exchange", "rejected"]
    file = decisions_csv(tmp_path / "new.csv", answer(props.iloc[2:3], "hold"))
    assert decide(campaign, file).exit_code == exitcodes.OK
    with sqlite3.connect(log_path(campaign)) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
        assert db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 2  # left as it was
    assert sorted(states(campaign)["status"]) == ["exchange", "hold", "rejected"]


def test_a_partnership_named_in_a_row_answers_only_its_own_side(campaign):
    """The Support Office records rows on behalf of partnerships: a row naming the host's
    partnership for the visitor side is a problem on the ``partnership`` column (it was once
    recorded silently as the Support Office's own answer); without a side, the named
    partnership's side is answered, on its behalf."""
    props = proposals(campaign)
    row = props[props["visitor_partnership"] != props["host_partnership"]].iloc[0]
    pair = (row["visitor_id"], row["host_id"])
    office = Reviewer()
    theirs = say(
        campaign,
        office,
        Request(*pair, "accepted", side="visitor", partnership=row["host_partnership"]),
    )
    assert theirs.recorded == 0 and theirs.problems[0].column == "partnership"
    assert "visitor side" in theirs.problems[0].message
    both = say(
        campaign,
        office,
        Request(*pair, "accepted", side="both", partnership=row["host_partnership"]),
    )
    assert both.recorded == 0 and both.problems[0].column == "partnership"
    assert pair not in states(campaign).index  # nothing recorded
    own = say(campaign, office, Request(*pair, "accepted", partnership=row["host_partnership"]))
    assert own.recorded == 1 and not own.problems
    state = states(campaign).loc[pair]
    assert state["status"] == "awaiting" and state["host"] == "accepted"
    events = read_log(log_path(campaign))
    assert events[["side", "partnership"]].values.tolist() == [["host", row["host_partnership"]]]


def test_a_pair_one_side_accepted_and_the_other_holds_is_awaiting(campaign, tmp_path):
    """The time audit: the visitor accepted a pair the host held; the night read it as held,
    moved it to other dates, and the host could then no longer accept it (an exchange is on
    the dates both sides accepted). It awaits the host, on the dates the visitor accepted."""
    pair = proposals(campaign).iloc[:1]
    rows = answer(pair, "hold", side="host") + answer(pair, "accepted", side="visitor")
    pd.DataFrame(rows).to_csv(tmp_path / "a.csv", index=False)  # with its side column
    assert decide(campaign, tmp_path / "a.csv").exit_code == exitcodes.OK
    state = states(campaign).iloc[0]
    assert (state["visitor"], state["host"], state["status"]) == ("accepted", "hold", "awaiting")


def test_an_answer_to_a_named_run_is_to_that_run_s_dates(campaign, tmp_path):
    """The reviewers' audit: a workbook returned a night late (its rows naming the night that
    proposed them) was recorded on the next night's dates, an exchange on dates neither side
    saw. An answer naming its run is to that run's dates; one naming none, to the run's that
    ``decide`` is given."""
    import json
    import shutil

    first = proposals(campaign)
    later = campaign / "runs" / "r2"
    shutil.copytree(campaign / "runs" / "r1", later)
    moved = first.copy()
    moved["run_id"] = "r2"
    moved.loc[:1, "start"] += pd.Timedelta(days=7)
    moved.loc[:1, "end"] += pd.Timedelta(days=7)
    moved.to_parquet(later / "proposals.parquet")
    manifest = json.loads((later / "manifest.json").read_text())
    (later / "manifest.json").write_text(json.dumps({**manifest, "run_id": "r2"}))
    pairs = first.iloc[:2]
    rows = answer(pairs.iloc[:1], "accepted", side="visitor", run_id="r1")
    rows += answer(pairs.iloc[1:2], "accepted", side="visitor")  # none: the run decide is given
    pd.DataFrame(rows).to_csv(tmp_path / "late.csv", index=False)
    given = [str(later), str(tmp_path / "late.csv"), "--campaign", str(campaign)]
    assert runner.invoke(app, ["decide", *given]).exit_code == exitcodes.OK
    recorded = states(campaign)
    named = recorded.loc[tuple(pairs.iloc[0][["visitor_id", "host_id"]])]
    assert (named["run_id"], named["start_day"]) == ("r1", str(first.loc[0, "start"].date()))
    latest = recorded.loc[tuple(pairs.iloc[1][["visitor_id", "host_id"]])]
    assert (latest["run_id"], latest["start_day"]) == ("r2", str(moved.loc[1, "start"].date()))
