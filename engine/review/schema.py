"""The decision log's SQLite schema (version 3), its migration from version 2, and connections.

Version 3 keeps one row per *side's* answer (``events``): each proposal has a visitor side and
a host side, and each answers ``accepted``, ``rejected`` or ``hold``; an exchange is
``cancelled``; an answer is ``withdrawn`` by a later row naming it (``withdraws``). Rows are
never updated or deleted (triggers refuse it): the current state is derived
(:mod:`engine.review.state`). The schema itself refuses:

* any word but the five, any side but ``visitor`` and ``host``;
* an UPDATE or DELETE of an event, a taken alternative or a recorded read;
* a withdrawal that names no event, names one twice, names an event of another pair, side or
  author, or an event a run has read already (``reads``: each run records how far it read);
* a file imported twice (by content hash), an alternative taken twice.

Everything that needs the campaign or the runs (was the pair proposed, who may answer which
side, a host's capacity) is checked by the one validation function,
:func:`engine.review.rules.check_requests`, that every entry point calls.

Version 2 logs (one ``decisions`` row per pair, standing for both sides) are migrated on the
first write: each row becomes a visitor-side and a host-side event (``source = 'migrated'``);
the old table is left as it was. A read-only reader converts a version 2 log the same way in
memory, so an old log keeps working before it is ever written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERSION = 3
SUPPORT_OFFICE = "support-office"

EVENT_COLUMNS = (
    "seq", "visitor_id", "host_id", "side", "decision", "withdraws", "partnership",
    "decided_by", "decided_on", "note", "actor", "source", "mode", "start_day", "end_day",
    "score", "run_id", "proposed_by", "import_id", "recorded_at",
)  # fmt: skip
TAKEN_COLUMNS = (
    "seq", "visitor_id", "host_id", "mode", "start_day", "end_day", "stay_days", "score",
    "group_id", "group_language", "lump_sum_eur", "visitor_partnership", "host_partnership",
    "run_id", "taken_by", "taken_at",
)  # fmt: skip

_APPEND_ONLY = """
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""

SCHEMA_V3 = (
    """
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows_recorded INTEGER NOT NULL,
    rows_already_recorded INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('visitor', 'host')),
    decision TEXT NOT NULL
        CHECK (decision IN ('accepted', 'rejected', 'hold', 'cancelled', 'withdrawn')),
    withdraws INTEGER REFERENCES events (seq),
    partnership TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('file', 'web', 'api', 'migrated')),
    mode TEXT NOT NULL CHECK (mode IN ('physical', 'virtual')),
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL,
    score REAL NOT NULL,
    run_id TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    import_id INTEGER REFERENCES imports (import_id),
    recorded_at TEXT NOT NULL,
    CHECK ((decision = 'withdrawn') = (withdraws IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS one_withdrawal_per_event
    ON events (withdraws) WHERE withdraws IS NOT NULL;
CREATE TABLE IF NOT EXISTS taken (
    seq INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('physical', 'virtual')),
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL,
    stay_days INTEGER NOT NULL,
    score REAL NOT NULL,
    group_id TEXT NOT NULL,
    group_language TEXT NOT NULL,
    lump_sum_eur REAL NOT NULL,
    visitor_partnership TEXT NOT NULL,
    host_partnership TEXT NOT NULL,
    run_id TEXT NOT NULL,
    taken_by TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    UNIQUE (visitor_id, host_id)
);
CREATE TABLE IF NOT EXISTS reads (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    last_event_seq INTEGER NOT NULL,
    read_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS withdrawal_of_own_unread_event BEFORE INSERT ON events
WHEN NEW.withdraws IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM events AS e
    WHERE e.seq = NEW.withdraws AND e.visitor_id = NEW.visitor_id AND e.host_id = NEW.host_id
      AND e.side = NEW.side AND e.actor = NEW.actor AND e.decision != 'withdrawn'
      AND e.seq > (SELECT COALESCE(MAX(last_event_seq), 0) FROM reads)
)
BEGIN SELECT RAISE(ABORT, 'only its author may withdraw an event no run has read'); END;
"""
    + "".join(_APPEND_ONLY.format(table=table) for table in ("events", "taken", "reads"))
    + f"PRAGMA user_version = {VERSION};"
)

# a version 2 row (one decision for both sides) as the two events version 3 keeps
_V2_AS_EVENTS = """
SELECT d.seq * 2 - {first} AS seq, d.visitor_id, d.host_id, '{side}' AS side, d.decision,
       NULL AS withdraws, '' AS partnership, d.decided_by, d.decided_on, d.note,
       '{actor}' AS actor, 'migrated' AS source, d.mode, d.start_day, d.end_day, d.score,
       d.run_id, '' AS proposed_by, d.import_id, COALESCE(i.imported_at, '') AS recorded_at
FROM decisions AS d LEFT JOIN imports AS i ON i.import_id = d.import_id
"""
V2_EVENTS = (
    _V2_AS_EVENTS.format(first=1, side="visitor", actor=SUPPORT_OFFICE)
    + " UNION ALL "
    + _V2_AS_EVENTS.format(first=0, side="host", actor=SUPPORT_OFFICE)
)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode (transactions are explicit: BEGIN IMMEDIATE)."""
    if read_only:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        yield db
    finally:
        db.close()


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create version 3 (inside the caller's transaction), migrating a version 2 log."""
    legacy = has_table(db, "decisions") and not has_table(db, "events")
    for statement in statements(SCHEMA_V3):
        db.execute(statement)
    if legacy:
        columns = ", ".join(EVENT_COLUMNS)
        db.execute(f"INSERT INTO events ({columns}) SELECT {columns} FROM ({V2_EVENTS})")


def statements(script: str) -> list[str]:
    """The script's statements (a trigger's body keeps its own ``;``)."""
    done: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                done.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        done.append(pending.strip())
    return done
