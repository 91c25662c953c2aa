"""``cxmatch decide``: validation against the run, the append-only log, idempotency, crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.review.log import log_digest, log_path, read_log, with_decisions
from engine.review.state import pair_states
from tests.reviewing import (
    answer,
    campaign_with_a_run,
    decisions_csv,
    working_copy,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    """A campaign with one run, ``runs/r1`` (never modified: tests work on copies)."""
    return campaign_with_a_run(tmp_path_factory.mktemp("decisions") / "campaign")


@pytest.fixture
def campaign(original, tmp_path) -> Path:
    return working_copy(original, tmp_path)


def decide(campaign: Path, file: Path):
    return runner.invoke(
        app, ["decide", str(campaign / "runs" / "r1"), str(file), "--campaign", str(campaign)]
    )


def proposals(campaign: Path) -> pd.DataFrame:
    return pd.read_parquet(campaign / "runs" / "r1" / "proposals.parquet")


def test_the_run_manifest_names_its_campaign_folder(original, tmp_path):
    manifest = json.loads((original / "runs" / "r1" / "manifest.json").read_text())
    assert Path(manifest["campaign_folder"]) == original.resolve()
    first = proposals(original).head(2)
    file = decisions_csv(tmp_path / "d.csv", answer(first, "rejected"))
    result = runner.invoke(app, ["decide", str(original / "runs" / "r1"), str(file)])
    try:
        assert result.exit_code == exitcodes.OK, result.output
        states = pair_states(read_log(log_path(original)))
        assert len(states) == 2 and set(states["status"]) == {"rejected"}  # via the manifest
    finally:
        log_path(original).unlink()  # leave the module's campaign as it was


def test_a_run_of_a_copied_campaign_answers_into_the_copy_s_log(original, campaign, tmp_path):
    """The IT-tool audit: ``decide`` on a run of a campaign copied with its runs recorded in
    the original's log (the run's manifest names the original): the run is of the campaign
    whose runs/ it lives in."""
    assert Path(json.loads((campaign / "runs" / "r1" / "manifest.json").read_text())[
        "campaign_folder"]) == original.resolve()  # fmt: skip
    file = decisions_csv(tmp_path / "d.csv", answer(proposals(campaign).head(1), "rejected"))
    result = runner.invoke(app, ["decide", str(campaign / "runs" / "r1"), str(file)])
    assert result.exit_code == exitcodes.OK, result.output
    assert len(pair_states(read_log(log_path(campaign)))) == 1
    assert not log_path(original).exists()


def test_decisions_are_recorded_and_the_same_file_twice_changes_nothing(campaign, tmp_path):
    props = proposals(campaign)
    rows = answer(props.iloc[:3], "accepted", decided_by="P1 reviewer") + answer(
        props.iloc[3:6], "rejected", note="dates do not suit", decided_on="2027-01-02"
    )
    file = decisions_csv(tmp_path / "decisions.csv", rows + answer(props.iloc[6:7], ""))
    first = decide(campaign, file)
    assert first.exit_code == exitcodes.OK, first.output
    assert "6 rows recorded" in first.output and "1 row unanswered" in first.output
    log = read_log(log_path(campaign))
    # a file without a side answers for both sides (the Support Office): two events per row
    assert sorted(log["decision"].value_counts().items()) == [("accepted", 6), ("rejected", 6)]
    assert set(log.loc[log["decision"] == "rejected", "decided_on"]) == {"2027-01-02"}
    states = pair_states(log)
    assert sorted(states["status"].value_counts().items()) == [("exchange", 3), ("rejected", 3)]
    digest = log_digest(log)

    again = decide(campaign, file)
    assert again.exit_code == exitcodes.OK and "imported before" in again.output
    same_rows = decisions_csv(tmp_path / "copy.csv", rows[:4])  # other file, same decisions
    assert decide(campaign, same_rows).exit_code == exitcodes.OK
    assert log_digest(read_log(log_path(campaign))) == digest


def test_a_file_imported_again_lists_its_problem_rows_again(campaign, tmp_path):
    """The audit: the second import said "imported before: nothing changed" and exited 0,
    its problem rows no longer listed."""
    props = proposals(campaign)
    v = props.iloc[0]["visitor_id"]
    rows = [*answer(props.iloc[:2], "rejected"), {"visitor_id": v, "host_id": "NOWHERE",
                                                   "decision": "accepted"}]  # fmt: skip
    file = decisions_csv(tmp_path / "some_bad.csv", rows)
    first = decide(campaign, file)
    assert first.exit_code == exitcodes.BAD_INPUT and "2 rows recorded" in first.output
    digest = log_digest(read_log(log_path(campaign)))
    again = decide(campaign, file)
    assert again.exit_code == exitcodes.BAD_INPUT, again.output
    assert "imported before: nothing changed" in again.output
    assert "some_bad.csv row 4" in again.output and "nothing was recorded" in again.output
    assert log_digest(read_log(log_path(campaign))) == digest


def test_every_problem_is_listed_at_once_with_the_spreadsheet_row(campaign, tmp_path):
    props = proposals(campaign)
    v, h = props.iloc[0]["visitor_id"], props.iloc[0]["host_id"]
    other_host = props.loc[props["host_id"] != h, "host_id"].iloc[0]
    rows = [
        {"visitor_id": v, "host_id": h, "decision": "maybe"},  # row 2 (the header is row 1)
        {"visitor_id": v, "host_id": other_host, "decision": "accepted"},  # row 3: not proposed
        {"visitor_id": "", "host_id": h, "decision": "rejected"},  # row 4
        {
            "visitor_id": v,
            "host_id": h,
            "decision": "hold",
            "decided_on": "31/13/2026",
        },  # row 5 (no 13th month)
    ]
    result = decide(campaign, decisions_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code == exitcodes.BAD_INPUT
    out = result.output
    assert "bad.csv row 2, column decision: 'maybe' is not a decision" in out
    assert f"bad.csv row 3: '{v} -> {other_host}' was proposed by no run" in out  # at once
    assert "bad.csv row 4, column visitor_id: is empty" in out
    assert "bad.csv row 5, column decided_on: '31/13/2026' is not a date" in out
    assert "nothing was recorded" in out
    assert not log_path(campaign).exists()


def test_a_proposal_named_in_another_case_is_suggested(campaign, tmp_path):
    """The reviewers' audit: 'v00200 -> h00012' was told "proposed by no run of this campaign
    (take it as an alternative first)", for a proposal written in capitals."""
    props = proposals(campaign)
    v, h = props.iloc[0]["visitor_id"], props.iloc[0]["host_id"]
    rows = [{"visitor_id": v.lower(), "host_id": h.lower(), "decision": "accepted"}]
    result = decide(campaign, decisions_csv(tmp_path / "case.csv", rows))
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    out = " ".join(result.output.split())
    assert f"did you mean '{v} -> {h}'? (write ids as the profiles do)" in out
    assert "take it as an alternative" not in out


def test_missing_columns_are_reported(campaign, tmp_path):
    path = tmp_path / "columns.csv"
    path.write_text("visitor,host_id\nV1,H1\n")
    result = decide(campaign, path)
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "column visitor_id: column is missing" in result.output
    assert "column decision: column is missing" in result.output


def test_a_conflicting_decision_is_reported_not_overwritten(campaign, tmp_path):
    props = proposals(campaign)
    assert decide(campaign, decisions_csv(tmp_path / "a.csv", answer(props.iloc[:2], "accepted")))
    digest = log_digest(read_log(log_path(campaign)))
    changed = decisions_csv(tmp_path / "b.csv", answer(props.iloc[:1], "rejected"))
    result = decide(campaign, changed)
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "is an exchange already (both sides accepted): cancel it instead" in result.output
    assert log_digest(read_log(log_path(campaign))) == digest

    twice = answer(props.iloc[2:3], "accepted") + answer(props.iloc[2:3], "rejected")
    result = decide(campaign, decisions_csv(tmp_path / "c.csv", twice))
    assert result.exit_code == exitcodes.BAD_INPUT
    # the reviewers' audit: row 2 was recorded, the log held what the file contradicted
    assert "row 3, column decision: 'rejected' conflicts with row 2 (accepted)" in result.output
    assert "row 2, column decision: 'accepted' conflicts with row 3 (rejected)" in result.output
    assert "neither row is recorded" in result.output
    assert log_digest(read_log(log_path(campaign))) == digest  # nothing was recorded


def test_hold_can_become_final_and_only_final_decisions_enter_history(campaign, tmp_path):
    props = proposals(campaign)
    pair = props.iloc[:1]
    assert decide(campaign, decisions_csv(tmp_path / "1.csv", answer(pair, "hold"))).exit_code == 0
    loaded = load_campaign(campaign)
    assert len(with_decisions(loaded, read_log(log_path(campaign))).history) == len(loaded.history)
    assert (
        decide(campaign, decisions_csv(tmp_path / "2.csv", answer(pair, "accepted"))).exit_code == 0
    )
    history = with_decisions(loaded, read_log(log_path(campaign))).history
    added = history.iloc[len(loaded.history) :]
    assert added[["visitor_id", "host_id", "outcome"]].values.tolist() == [
        [pair.iloc[0]["visitor_id"], pair.iloc[0]["host_id"], "accepted"]
    ]
    assert added.iloc[0]["mode"] == pair.iloc[0]["mode"]
    later = answer(pair, "hold", note="changed my mind")  # another file, not the first again
    back = decide(campaign, decisions_csv(tmp_path / "3.csv", later))
    assert back.exit_code == exitcodes.BAD_INPUT


def test_the_run_workbook_comes_back_as_a_decision_file(campaign, tmp_path):
    workbook = load_workbook(campaign / "runs" / "r1" / "proposals.xlsx")
    sheet = workbook["proposals"]
    header = [cell.value for cell in sheet[1]]
    for row, decision in ((2, "accepted"), (3, "Rejected"), (4, "hold")):
        sheet.cell(row=row, column=header.index("decision") + 1, value=decision)
    sheet.cell(row=2, column=header.index("note") + 1, value="fits their plans")
    path = tmp_path / "answered.xlsx"
    workbook.save(path)
    result = decide(campaign, path)
    assert result.exit_code == exitcodes.OK, result.output
    states = pair_states(read_log(log_path(campaign)))
    assert sorted(states["status"]) == ["exchange", "hold", "rejected"]
    assert "fits their plans" in set(states["note"])


def test_the_bundled_demo_is_read_only(tmp_path):
    from engine.synthetic.generator import demo_campaign_path

    run = tmp_path / "run"
    run.mkdir()
    (run / "manifest.json").write_text(
        json.dumps({"run_id": "x", "campaign_folder": str(demo_campaign_path())})
    )
    pd.DataFrame(
        {"visitor_id": [], "host_id": [], "mode": [], "start": [], "end": [], "score": []}
    ).to_parquet(run / "proposals.parquet")
    result = runner.invoke(app, ["decide", str(run), str(tmp_path / "d.csv")])
    assert result.exit_code == exitcodes.BAD_INPUT and "read-only" in result.output


KILL_DURING_IMPORT = textwrap.dedent(
    """
    import os, signal, sys
    import engine.review.log as decisions
    insert = decisions._insert_rows

    def insert_then_die(db, rows, import_id):
        insert(db, rows, import_id)  # rows written inside the transaction ...
        os.kill(os.getpid(), signal.SIGKILL)  # ... and the process dies before COMMIT

    decisions._insert_rows = insert_then_die
    from engine.cli.main import app
    app(sys.argv[1:])
    """
)


def test_an_import_killed_half_way_loses_and_duplicates_nothing(campaign, tmp_path):
    props = proposals(campaign)
    assert decide(campaign, decisions_csv(tmp_path / "a.csv", answer(props.iloc[:2], "rejected")))
    before = log_digest(read_log(log_path(campaign)))
    file = decisions_csv(tmp_path / "b.csv", answer(props.iloc[2:6], "accepted"))
    args = ["decide", str(campaign / "runs" / "r1"), str(file), "--campaign", str(campaign)]
    killed = subprocess.run(
        [sys.executable, "-c", KILL_DURING_IMPORT, *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr
    assert log_digest(read_log(log_path(campaign))) == before  # rolled back on the next open

    assert decide(campaign, file).exit_code == exitcodes.OK
    assert decide(campaign, file).exit_code == exitcodes.OK
    log = read_log(log_path(campaign))
    assert len(log) == 12 and not log.duplicated(["visitor_id", "host_id", "side"]).any()


def test_a_file_that_records_nothing_leaves_the_log_as_it_was(campaign, tmp_path):
    """The failures audit: a file whose one row was refused left the log's bytes changed (an
    import of nothing recorded), and once what refused it changed, the same file was
    "imported before"."""
    import hashlib

    props = proposals(campaign)
    assert decide(campaign, decisions_csv(tmp_path / "a.csv", answer(props.iloc[:1], "hold")))
    before = hashlib.sha256(log_path(campaign).read_bytes()).hexdigest()
    refused = decisions_csv(tmp_path / "b.csv", answer(props.iloc[1:2], "maybe"))
    assert decide(campaign, refused).exit_code == exitcodes.BAD_INPUT
    assert hashlib.sha256(log_path(campaign).read_bytes()).hexdigest() == before
    # a file whose rows were all refused by the log's state may come again once it changed
    pair = props.iloc[2:3]
    withdraw = decisions_csv(tmp_path / "c.csv", answer(pair, "withdrawn"))
    assert decide(campaign, withdraw).exit_code == exitcodes.BAD_INPUT  # nothing to withdraw
    assert decide(campaign, decisions_csv(tmp_path / "d.csv", answer(pair, "hold"))).exit_code == 0
    again = decide(campaign, withdraw)
    assert again.exit_code == exitcodes.OK and "imported before" not in again.output


def test_the_it_tool_s_words_for_answers_and_sides_are_read(campaign, tmp_path):
    """The seeds audit: 'validated' (seeds 000/001: HOP and VOP "validate the match"),
    'declined', 'VO' or 'Host organisation' were refused in decision files while history and
    profiles read them."""
    props = proposals(campaign)
    rows = [
        *answer(props.iloc[:1], "Validated", side="VO"),
        *answer(props.iloc[1:2], "declined", side="Host organisation"),
        *answer(props.iloc[2:3], "On hold", side="HOP"),
    ]
    path = tmp_path / "words.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = decide(campaign, path)
    assert result.exit_code == exitcodes.OK, result.output
    events = read_log(log_path(campaign))
    said = list(zip(events["decision"], events["side"], strict=True))
    assert said == [("accepted", "visitor"), ("rejected", "host"), ("hold", "host")]
    typo = tmp_path / "typo.csv"
    pd.DataFrame(answer(props.iloc[3:4], "acepted")).to_csv(typo, index=False)
    refused = decide(campaign, typo)
    assert (
        refused.exit_code == exitcodes.BAD_INPUT and "'acepted' is not a decision" in refused.output
    )
