"""Issue 16, ``cxmatch log check|backup|restore``: verify a log (exit 0 sound, 6 damaged), back
it up through SQLite's backup API (verified, never over a file: exit 5), restore a backup only
once it is verified (a damaged backup changes nothing), keeping the replaced log."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.review.log import log_digest, log_path, read_log
from engine.review.log_file import WRITERS_LOCK, journal, writing
from engine.review.rules import Request
from tests.logs import kill_a_writer, record

runner = CliRunner()


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    folder = tmp_path / "campaign"
    folder.mkdir()
    record(folder, Request("V1", "H1", "rejected"), Request("V2", "H1", "accepted"))
    return folder


def log(*args: str):
    return runner.invoke(app, ["log", *args])


def test_check_says_what_a_sound_log_holds(campaign, tmp_path):
    result = log("check", str(campaign))
    assert result.exit_code == exitcodes.OK, result.output
    assert "ok (schema version 5, 4 events, 0 imports, 0 reads, 0 taken;" in result.output
    empty = tmp_path / "new"
    empty.mkdir()
    result = log("check", str(empty))
    assert result.exit_code == exitcodes.OK and "no decision log yet" in result.output


def test_check_refuses_an_empty_log_with_exit_6(campaign):
    log_path(campaign).write_bytes(b"")
    result = log("check", str(campaign))
    assert result.exit_code == exitcodes.LOG_DAMAGED
    assert "is empty (0 bytes)" in result.output and "cxmatch log restore" in result.output
    assert "Traceback" not in result.output


def test_check_rolls_back_an_unfinished_write(campaign):
    before = log_digest(read_log(log_path(campaign)))
    kill_a_writer(log_path(campaign))
    result = log("check", str(campaign))
    assert result.exit_code == exitcodes.OK, result.output
    assert not journal(log_path(campaign)).exists()
    assert log_digest(read_log(log_path(campaign))) == before


def test_backup_is_a_verified_copy_never_written_over_a_file(campaign, tmp_path):
    target = tmp_path / "saved" / "b.sqlite"
    result = log("backup", str(campaign), "--out", str(target))
    assert result.exit_code == exitcodes.OK, result.output
    assert log_digest(read_log(target)) == log_digest(read_log(log_path(campaign)))
    assert [p.name for p in target.parent.iterdir()] == ["b.sqlite"]  # no temporary left
    again = log("backup", str(campaign), "--out", str(target))
    assert again.exit_code == exitcodes.OUTPUT_EXISTS
    default = log("backup", str(campaign))
    assert default.exit_code == exitcodes.OK
    assert [p.suffix for p in (campaign / "backups").iterdir()] == [".sqlite"]


def test_backup_refuses_a_damaged_log_and_writes_nothing(campaign, tmp_path):
    log_path(campaign).write_bytes(b"garbage" * 100)
    result = log("backup", str(campaign), "--out", str(tmp_path / "b.sqlite"))
    assert result.exit_code == exitcodes.LOG_DAMAGED
    assert "is not an SQLite database" in result.output
    assert not (tmp_path / "b.sqlite").exists()


def test_restore_verifies_the_backup_first(campaign, tmp_path):
    before = log_path(campaign).read_bytes()
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(before[: len(before) // 2])
    result = log("restore", str(campaign), str(bad))
    assert result.exit_code == exitcodes.LOG_DAMAGED
    assert "nothing was changed: restore another backup" in result.output
    assert log_path(campaign).read_bytes() == before
    # nothing but the log and the lock its writers took (no backups/, no temporary copy)
    assert sorted(p.name for p in campaign.iterdir()) == [WRITERS_LOCK, "decisions.sqlite"]


def test_restore_replaces_a_damaged_log_and_keeps_it(campaign, tmp_path):
    backup = tmp_path / "b.sqlite"
    assert log("backup", str(campaign), "--out", str(backup)).exit_code == exitcodes.OK
    good = log_digest(read_log(backup))
    log_path(campaign).write_bytes(b"")
    journal(log_path(campaign)).write_bytes(b"left by the damaged log")
    result = log("restore", str(campaign), str(backup))
    assert result.exit_code == exitcodes.OK, result.output
    assert log_digest(read_log(log_path(campaign))) == good
    assert not journal(log_path(campaign)).exists()  # the old journal never meets the new log
    kept = sorted((campaign / "backups").iterdir())
    assert [p.read_bytes() for p in kept] == [b"", b"left by the damaged log"]
    assert log("check", str(campaign)).exit_code == exitcodes.OK


def test_a_restore_that_fails_before_its_rename_leaves_the_log(campaign, tmp_path, monkeypatch):
    backup = tmp_path / "b.sqlite"
    assert log("backup", str(campaign), "--out", str(backup)).exit_code == exitcodes.OK
    record(campaign, Request("V3", "H1", "hold"))
    before = log_path(campaign).read_bytes()

    def refused(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refused)
    result = log("restore", str(campaign), str(backup))
    assert result.exit_code == exitcodes.CANNOT_WRITE, result.output
    assert log_path(campaign).read_bytes() == before
    assert not [p for p in campaign.iterdir() if p.name.startswith(".tmp-")]


def test_a_restored_log_is_written_again(campaign, tmp_path):
    backup = tmp_path / "b.sqlite"
    assert log("backup", str(campaign), "--out", str(backup)).exit_code == exitcodes.OK
    assert log("restore", str(campaign), str(backup)).exit_code == exitcodes.OK
    assert record(campaign, Request("V3", "H1", "hold")).recorded == 1
    with sqlite3.connect(log_path(campaign)) as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 6


def test_restore_refuses_while_the_log_is_written_and_changes_nothing(campaign, tmp_path):
    """An answer written into the log a restore replaces would be lost with it: while the
    review app serves (it holds the writers' lock shared, as here) a restore exits 7."""
    backup = tmp_path / "b.sqlite"
    assert log("backup", str(campaign), "--out", str(backup)).exit_code == exitcodes.OK
    before = log_path(campaign).read_bytes()
    with writing(campaign):
        busy = log("restore", str(campaign), str(backup))
    assert busy.exit_code == exitcodes.CANNOT_WRITE, busy.output
    assert "cxmatch serve or decide runs on this campaign" in busy.output
    assert log_path(campaign).read_bytes() == before
    assert not (campaign / "backups").exists()
    assert log("restore", str(campaign), str(backup)).exit_code == exitcodes.OK  # once stopped
