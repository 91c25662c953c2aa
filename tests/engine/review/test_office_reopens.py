"""Seed 002: "Recreating a cancelled/rejected match with the same counterparts needs the SO's
intervention". The Support Office withdraws a partnership's rejection, or a cancellation, at
any time (a partnership only its own answers, until a run reads them): the pair is proposed
again, or the exchange is back where its places still allow it. The log's schema (version 5)
lets the Support Office's withdrawal through and still refuses a partnership's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.review import schema
from engine.review.inbox import record_answers
from engine.review.log import log_path, mark_read, read_log, with_decisions
from engine.review.parties import Reviewer
from engine.review.rules import Request
from engine.review.state import pair_states
from tests.factory import host, make_campaign, visitor
from tests.reviewing import NIGHT, run_campaign, withdraw_directly

WINDOW = {"available_from": "2027-03-01", "available_to": "2027-03-03", "mode": "virtual",
          "min_days": 3, "max_days": 3}  # fmt: skip
OFFICE = Reviewer()
runner = CliRunner()


@pytest.fixture
def campaign(tmp_path) -> Path:
    """H1 (partnership P2) and the visitors A and B (P1); the first night proposes both."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=1, sectors="C29", offer="car tours", partnership="P2",
             **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
        visitor("B", country="ES", sectors="C29", seek="car tours", **WINDOW),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run_campaign(folder, folder / "runs" / "r1", "r1")
    return folder


def say(folder: Path, reviewer: Reviewer, *requests: Request):
    return record_answers(folder, load_campaign(folder), list(requests), reviewer)


def status(folder: Path, pair: tuple[str, str]) -> str:
    states = pair_states(read_log(log_path(folder))).set_index(["visitor_id", "host_id"])
    return str(states.loc[pair, "status"]) if pair in states.index else ""


def proposed(folder: Path) -> set[tuple[str, str]]:
    campaign = with_decisions(load_campaign(folder), read_log(log_path(folder)))
    night = run_night(campaign, RunOptions(time_limit_s=5, workers=1, as_of=NIGHT))
    assert night.violations == []
    return set(zip(night.proposals["visitor_id"], night.proposals["host_id"], strict=True))


def first_pair(folder: Path) -> tuple[str, str]:
    plan = pd.read_parquet(folder / "runs" / "r1" / "proposals.parquet")
    return str(plan["visitor_id"].iloc[0]), str(plan["host_id"].iloc[0])


def test_the_office_reopens_a_rejected_pair_a_run_has_read(campaign):
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P2"), Request(*pair, "rejected")).recorded == 1
    mark_read(log_path(campaign), "r2", read_log(log_path(campaign)))  # a night read it
    assert pair not in proposed(campaign)  # blocked
    too_late = say(campaign, Reviewer("P2"), Request(*pair, "withdrawn"))
    assert too_late.recorded == 0 and "was read by a run already" in str(too_late.problems[0])
    reopened = say(campaign, OFFICE, Request(*pair, "withdrawn", note="both asked again"))
    assert reopened.recorded == 1, [str(p) for p in reopened.problems]
    assert status(campaign, pair) == ""  # as if never answered
    assert pair in proposed(campaign)  # the next night may propose it again


def test_the_office_restores_a_cancelled_exchange_where_its_place_is_free(campaign):
    pair = first_pair(campaign)
    other = ("B" if pair[0] == "A" else "A", pair[1])
    assert say(campaign, OFFICE, Request(*pair, "accepted")).recorded == 1
    assert say(campaign, Reviewer("P2"), Request(*pair, "cancelled")).recorded == 1
    assert status(campaign, pair) == "cancelled"
    restored = say(campaign, OFFICE, Request(*pair, "withdrawn", side="host"))
    assert restored.recorded == 1, [str(p) for p in restored.problems]
    assert status(campaign, pair) == "exchange"
    # cancelled again, its one place given to the other visitor: it cannot come back there
    assert say(campaign, OFFICE, Request(*pair, "cancelled", side="host")).recorded == 1
    run_campaign(campaign, campaign / "runs" / "r2", "r2")
    assert say(campaign, OFFICE, Request(*other, "accepted")).recorded == 1
    refused = say(campaign, OFFICE, Request(*pair, "withdrawn", side="host"))
    assert refused.recorded == 0 and "capacity" in str(refused.problems[0])
    assert status(campaign, pair) == "cancelled"


def test_the_office_does_not_unmake_an_exchange_by_withdrawing_an_acceptance(campaign):
    pair = first_pair(campaign)
    assert say(campaign, OFFICE, Request(*pair, "accepted")).recorded == 1
    mark_read(log_path(campaign), "r2", read_log(log_path(campaign)))
    refused = say(campaign, OFFICE, Request(*pair, "withdrawn", side="visitor"))
    assert refused.recorded == 0 and "cancel it instead" in str(refused.problems[0])


def v4_log(path: Path) -> None:
    """A log as version 4 wrote it: only its author withdraws, and only what no run read."""
    office = f"AND (NEW.actor = '{schema.SUPPORT_OFFICE}' OR e.actor = NEW.actor\n"
    old_trigger = schema.SCHEMA.replace(office, "AND e.actor = NEW.actor AND (1\n")
    assert "NEW.actor = 'support-office'" not in old_trigger
    with sqlite3.connect(path) as db:
        for statement in schema.statements(
            old_trigger.replace(f"user_version = {schema.VERSION}", "user_version = 4")
        ):
            db.execute(statement)


def test_a_version_4_log_lets_the_office_intervene_after_its_first_write(campaign):
    path = log_path(campaign)
    v4_log(path)
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P2"), Request(*pair, "rejected")).recorded == 1  # migrates
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION == 5
    mark_read(path, "r2", read_log(path))
    assert say(campaign, OFFICE, Request(*pair, "withdrawn")).recorded == 1
    # the schema itself: a partnership's withdrawal of a read event stays refused
    assert say(campaign, Reviewer("P2"), Request(*pair, "rejected")).recorded == 1
    mark_read(path, "r3", read_log(path))
    with sqlite3.connect(path) as db:
        seq = db.execute("SELECT MAX(seq) FROM events WHERE decision = 'rejected'").fetchone()[0]
    with pytest.raises(sqlite3.IntegrityError, match="only its author"):
        withdraw_directly(path, seq)


def test_the_office_s_withdrawal_without_a_side_takes_back_the_rejection_only(campaign):
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P1"), Request(*pair, "accepted")).recorded == 1
    assert say(campaign, Reviewer("P2"), Request(*pair, "rejected")).recorded == 1
    assert say(campaign, OFFICE, Request(*pair, "withdrawn")).recorded == 1
    assert status(campaign, pair) == "awaiting"  # the visitor side's acceptance stands


def test_the_office_undoes_its_own_unread_acceptance_of_an_exchange(campaign):
    """The log audit: the Support Office could no longer undo its own mis-click once it made
    an exchange ("cancel it instead"), as its author may until a run reads it."""
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P2"), Request(*pair, "accepted")).recorded == 1
    assert say(campaign, OFFICE, Request(*pair, "accepted", side="visitor")).recorded == 1
    assert status(campaign, pair) == "exchange"
    undo = say(campaign, OFFICE, Request(*pair, "withdrawn", side="visitor"))
    assert undo.recorded == 1, [str(p) for p in undo.problems]
    assert status(campaign, pair) == "awaiting"


def test_a_request_that_records_nothing_leaves_a_version_4_log_as_it_was(campaign):
    """The log audit: a refused answer migrated a version 4 log to version 5 (and the
    cxmatch that wrote it then refused it), though nothing was recorded."""
    path = log_path(campaign)
    v4_log(path)
    pair = first_pair(campaign)
    before = path.read_bytes()
    refused = say(campaign, Reviewer("P1"), Request(*pair, "rejected", side="host"))
    assert refused.recorded == 0 and refused.problems  # the host side is P2's
    assert path.read_bytes() == before
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4


def test_a_file_of_withdrawals_imported_again_changes_nothing_and_lists_no_problem(
    campaign, tmp_path
):
    """The log audit: a clean file of withdrawals imported again listed "has no answer of its
    own to withdraw" for each row (and exit 2)."""
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P2"), Request(*pair, "rejected")).recorded == 1
    path = tmp_path / "reopen.csv"
    row = {"visitor_id": pair[0], "host_id": pair[1], "decision": "withdrawn", "side": "host"}
    pd.DataFrame([row]).to_csv(path, index=False)
    for _ in range(2):
        result = runner.invoke(
            app, ["decide", str(campaign / "runs" / "r1"), str(path), "--campaign", str(campaign)]
        )
        assert "to withdraw" not in result.output, result.output
    assert status(campaign, pair) == ""


def test_a_refused_change_of_answer_says_who_may_still_withdraw_it(campaign):
    """The reviewers' audit: a partnership changing its read answer was told "a recorded
    answer is withdrawn first", and its withdrawal was then refused (read by a run)."""
    pair = first_pair(campaign)
    assert say(campaign, Reviewer("P2"), Request(*pair, "accepted")).recorded == 1
    unread = say(campaign, Reviewer("P2"), Request(*pair, "rejected"))
    assert unread.recorded == 0 and str(unread.problems[0]).endswith("withdraw it first")
    mark_read(log_path(campaign), "r2", read_log(log_path(campaign)))  # a night read it
    read = say(campaign, Reviewer("P2"), Request(*pair, "rejected"))
    assert read.recorded == 0
    assert str(read.problems[0]).endswith(
        "a run has read it, so only the Support Office can withdraw it"
    )
