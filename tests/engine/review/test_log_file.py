"""Issue 16, a decision log that defends itself: its schema refuses what validation refuses,
and opening it refuses a damaged, empty-but-present, unknown or poisoned log (LogDamaged, exit
6) instead of reading it as empty; a killed writer's journal is rolled back by the next reader;
a first write that fails leaves no empty log; older logs are migrated to the checks."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from engine.review import schema
from engine.review.log import log_digest, log_path, mark_read, read_log
from engine.review.log_file import LogDamaged, journal
from engine.review.rules import Request
from tests.logs import kill_a_writer, record

BAD_DATES = ["0001-01-01", "9999-12-31", "2027-W18-4", "20270506", "2027-02-30", "2027-05-06 "]


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    """A log holding V1's rejection and V2's acceptance (two events each: both sides)."""
    result = record(tmp_path, Request("V1", "H1", "rejected"), Request("V2", "H1", "accepted"))
    assert result.recorded == 2 and not result.problems
    return log_path(tmp_path)


def an_event(path: Path, **changes: str) -> tuple[str, list]:
    """An INSERT of the log's first event with ``changes`` (a row as a writer would add it)."""
    with sqlite3.connect(path) as db:
        row = dict(
            zip(schema.EVENT_COLUMNS, db.execute("SELECT * FROM events").fetchone(), strict=True)
        )
    row = {**row, **changes}
    del row["seq"]
    return f"INSERT INTO events ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(
        row.values()
    )


@pytest.mark.parametrize("column", ["decided_on", "start_day", "end_day"])
@pytest.mark.parametrize("value", BAD_DATES)
def test_the_schema_refuses_a_date_validation_refuses(logged, column, value):
    """decide recorded any date date.fromisoformat took; every later run then exited 1."""
    statement, values = an_event(logged, **{column: value})
    with sqlite3.connect(logged) as db, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(statement, values)
    good, values = an_event(logged, **{column: "2099-12-31"})
    with sqlite3.connect(logged) as db:
        db.execute(good, values)  # within the outer limits: taken


@pytest.mark.parametrize(("column", "value"), [("decision", "maybe"), ("side", "both")])
def test_the_schema_refuses_other_words_and_sides(logged, column, value):
    statement, values = an_event(logged, **{column: value})
    with sqlite3.connect(logged) as db, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(statement, values)


def test_a_0_byte_log_is_refused_not_read_as_empty(tmp_path):
    """It was read as no decisions: rejected pairs and locked visitors came back."""
    log_path(tmp_path).write_bytes(b"")
    with pytest.raises(LogDamaged, match=r"is empty \(0 bytes\).*restore the last good backup"):
        read_log(log_path(tmp_path))
    with pytest.raises(LogDamaged):
        record(tmp_path, Request("V3", "H1", "hold"))
    assert log_path(tmp_path).read_bytes() == b""  # nothing written either


def damage(path: Path, how: str) -> None:
    content = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"not a database at all\n" * 200)
    elif how == "half":
        path.write_bytes(content[: len(content) // 2])
    else:  # a page in the middle overwritten
        page = len(content) // 4096 // 2 * 4096
        path.write_bytes(content[:page] + b"\xff" * 4096 + content[page + 4096 :])


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("garbage", "is not an SQLite database"),
        ("half", "cannot be read by SQLite|fails SQLite's integrity check"),
        ("page", "cannot be read by SQLite|fails SQLite's integrity check"),
    ],
)
def test_a_damaged_log_is_refused_with_a_sentence(logged, how, message):
    """A half-truncated or garbage log exited 1 with a trace."""
    damage(logged, how)
    with pytest.raises(LogDamaged, match=message):
        read_log(logged)
    with pytest.raises(LogDamaged, match=message):
        mark_read(logged, "r2", pd.DataFrame({"seq": [1]}))  # a written run marks its read


def test_a_log_of_a_newer_schema_or_without_decisions_is_refused(logged, tmp_path):
    with sqlite3.connect(logged) as db:
        db.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    with pytest.raises(LogDamaged, match="written by a newer cxmatch"):
        read_log(logged)
    other = tmp_path / "other" / "decisions.sqlite"
    other.parent.mkdir()
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(LogDamaged, match="holds no decision table"):
        read_log(other)


def test_a_folder_or_a_link_to_nothing_is_no_log(tmp_path):
    log_path(tmp_path).mkdir()
    with pytest.raises(LogDamaged, match="is not a file"):
        read_log(log_path(tmp_path))
    log_path(tmp_path).rmdir()
    log_path(tmp_path).symlink_to(tmp_path / "gone.sqlite")
    with pytest.raises(LogDamaged, match="is a link to nothing"):
        read_log(log_path(tmp_path))


def test_a_killed_writers_journal_is_rolled_back_by_the_next_reader(logged):
    """run and nightly said "attempt to write a readonly database" until another decide."""
    before = log_digest(read_log(logged))
    kill_a_writer(logged)
    assert log_digest(read_log(logged)) == before
    assert not journal(logged).exists()
    with sqlite3.connect(logged) as db:
        assert db.execute("SELECT COUNT(*) FROM reads").fetchone()[0] == 0


def test_a_first_write_that_fails_leaves_no_empty_log(tmp_path, monkeypatch):
    import engine.review.log as log

    def full_disk(*_args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(log, "_insert_rows", full_disk)
    with pytest.raises(sqlite3.OperationalError):
        record(tmp_path, Request("V1", "H1", "rejected"))
    assert not log_path(tmp_path).exists() and not journal(log_path(tmp_path)).exists()


def v3_log(path: Path) -> None:
    """A log as version 3 wrote it: the tables without the date checks."""
    undated = re.sub(r"CHECK \(\w+ GLOB .*?'2199-12-31'\)", "", schema.SCHEMA)
    assert "GLOB" not in undated
    with sqlite3.connect(path) as db:
        for statement in schema.statements(
            undated.replace(f"user_version = {schema.VERSION}", "user_version = 3")
        ):
            db.execute(statement)


def test_a_version_3_log_holding_a_poisoned_date_is_refused_naming_it(tmp_path, logged):
    old = tmp_path / "old" / "decisions.sqlite"
    old.parent.mkdir()
    v3_log(old)
    statement, values = an_event(logged, decided_on="0001-01-01")
    with sqlite3.connect(old) as db:
        db.execute(statement, values)  # what an older decide let in
    with pytest.raises(LogDamaged, match=r"events row 1: decided_on '0001-01-01'"):
        read_log(old)


def test_a_version_3_log_is_migrated_to_the_checks_on_its_first_write(tmp_path, logged):
    old = tmp_path / "old" / "decisions.sqlite"
    old.parent.mkdir()
    v3_log(old)
    with sqlite3.connect(old) as db, sqlite3.connect(logged) as new:
        db.executemany(
            f"INSERT INTO events VALUES ({', '.join('?' * len(schema.EVENT_COLUMNS))})",
            new.execute("SELECT * FROM events").fetchall(),
        )
    before = log_digest(read_log(old))  # read as it is before any write
    record(old.parent, Request("V3", "H1", "hold"))
    with sqlite3.connect(old) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 6
    assert log_digest(read_log(old).head(4)) == before
    statement, values = an_event(old, decided_on="9999-12-31")
    with sqlite3.connect(old) as db, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute(statement, values)  # the migrated tables have the checks
    with sqlite3.connect(old) as db, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events")  # and the triggers again


def test_a_hold_after_a_side_s_final_answer_changes_nothing_and_is_no_problem(tmp_path):
    """The reviewers' audit: a workbook returned as it was (its holds filled in) after the
    visitor side accepted through the app was a problem row, and the night exited 2."""
    assert record(tmp_path, Request("V1", "H1", "hold")).recorded == 1
    assert record(tmp_path, Request("V1", "H1", "accepted", "visitor")).recorded == 1
    again = record(tmp_path, Request("V1", "H1", "hold"))
    assert (again.recorded, again.already_recorded, again.problems) == (0, 1, [])
