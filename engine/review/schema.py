"""The decision log's SQLite schema (version 5), its migrations from versions 2, 3 and 4.

Version 3 keeps one row per *side's* answer (``events``): each proposal has a visitor side and
a host side, and each answers ``accepted``, ``rejected`` or ``hold``; an exchange is
``cancelled``; an answer is ``withdrawn`` by a later row naming it (``withdraws``). Rows are
never updated or deleted (triggers refuse it): the current state is derived
(:mod:`engine.review.state`). The schema itself refuses:

* any word but the five, any side but ``visitor`` and ``host``, any source or mode but its own;
* a date (``decided_on``, ``start_day``, ``end_day``) that is not a ``YYYY-MM-DD`` calendar day
  within 1900-01-01..2199-12-31, the outer limits of every campaign's plausible dates
  (version 4: a date the log's readers could not read back poisoned every later run);
* an UPDATE or DELETE of an event, a taken alternative or a recorded read;
* a withdrawal that names no event, names one twice, names an event of another pair or side,
  or of another author or one a run has read already (``reads``: each run records how far it
  read), but the Support Office's (version 5: its intervention recreates a rejected or
  cancelled match, seed 002; version 4 refused it);
* a file imported twice (by content hash), an alternative taken twice.

Everything that needs the campaign or the runs (was the pair proposed, who may answer which
side, a host's capacity, the campaign's own plausible dates) is checked by the one validation
function, :func:`engine.review.rules.check_requests`, that every entry point calls.

Older logs are migrated on the first write (:func:`migrate`, one transaction): a version 3 or
4 log's ``events`` and ``taken`` are rebuilt with version 5's checks (version 4's dates;
version 5's withdrawals) (rows they refuse stop the
migration: :func:`refused_rows` names them); a version 2 log (one ``decisions`` row per pair,
standing for both sides) gets a visitor-side and a host-side event per row
(``source = 'migrated'``), its old table left as it was. A read-only reader reads versions 2
and 3 as they are. Opening a log (checks, connections) is :mod:`engine.review.log_file`.
"""

from __future__ import annotations

import sqlite3

VERSION = 5
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

# a date column: a YYYY-MM-DD calendar day within the outer limits of plausible dates
# (engine.domain.contract.DATE_LIMITS); date(d, '+0 days') normalises 2027-02-30 to 2027-03-02
DAY = (
    "{c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND date({c}, '+0 days') IS {c} "
    "AND {c} BETWEEN '1900-01-01' AND '2199-12-31'"
)
DATE_COLUMNS = {"events": ("decided_on", "start_day", "end_day"), "taken": ("start_day", "end_day")}


def _day(column: str) -> str:
    return f"TEXT NOT NULL CHECK ({DAY.format(c=column)})"


IMPORTS = """
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows_recorded INTEGER NOT NULL,
    rows_already_recorded INTEGER NOT NULL
)"""
EVENTS = f"""
CREATE TABLE IF NOT EXISTS {{name}} (
    seq INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('visitor', 'host')),
    decision TEXT NOT NULL
        CHECK (decision IN ('accepted', 'rejected', 'hold', 'cancelled', 'withdrawn')),
    withdraws INTEGER REFERENCES events (seq),
    partnership TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_on {_day("decided_on")},
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('file', 'web', 'api', 'migrated')),
    mode TEXT NOT NULL CHECK (mode IN ('physical', 'virtual')),
    start_day {_day("start_day")},
    end_day {_day("end_day")},
    score REAL NOT NULL,
    run_id TEXT NOT NULL,
    proposed_by TEXT NOT NULL,
    import_id INTEGER REFERENCES imports (import_id),
    recorded_at TEXT NOT NULL,
    CHECK ((decision = 'withdrawn') = (withdraws IS NOT NULL))
)"""
TAKEN = f"""
CREATE TABLE IF NOT EXISTS {{name}} (
    seq INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('physical', 'virtual')),
    start_day {_day("start_day")},
    end_day {_day("end_day")},
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
)"""
READS = """
CREATE TABLE IF NOT EXISTS reads (
    seq INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL,
    last_event_seq INTEGER NOT NULL,
    read_at TEXT NOT NULL
)"""
REBUILT = {"events": EVENTS, "taken": TAKEN}  # the tables versions 4 and 5 gave new checks

SCHEMA = (
    ";".join((IMPORTS, EVENTS.format(name="events"), TAKEN.format(name="taken"), READS))
    + """;
CREATE UNIQUE INDEX IF NOT EXISTS one_withdrawal_per_event
    ON events (withdraws) WHERE withdraws IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS withdrawal_of_own_unread_event BEFORE INSERT ON events
WHEN NEW.withdraws IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM events AS e
    WHERE e.seq = NEW.withdraws AND e.visitor_id = NEW.visitor_id AND e.host_id = NEW.host_id
      AND e.side = NEW.side AND e.decision != 'withdrawn'
      AND (NEW.actor = '{office}' OR e.actor = NEW.actor
           AND e.seq > (SELECT COALESCE(MAX(last_event_seq), 0) FROM reads))
)
BEGIN SELECT RAISE(ABORT,
    'only its author may withdraw an event no run has read (the Support Office any event)'); END;
""".replace("{office}", SUPPORT_OFFICE)
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


def version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create version 5 where there is none yet (inside the caller's transaction)."""
    for statement in statements(SCHEMA):
        db.execute(statement)


def migrate(db: sqlite3.Connection) -> None:
    """Bring a version 2, 3 or 4 log to version 5, inside the caller's transaction, with foreign
    keys off (SQLite's way to rebuild a table). Raises ``sqlite3.IntegrityError`` when a row
    breaks a new check (the caller names them first: :func:`refused_rows`)."""
    legacy = has_table(db, "decisions") and not has_table(db, "events")
    for table, create in REBUILT.items():
        if has_table(db, table):  # version 3: the same columns, now with their checks
            db.execute(create.format(name=f"{table}_new"))
            db.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
            db.execute(f"DROP TABLE {table}")  # its index and triggers go with it
            db.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    ensure_schema(db)  # the index and triggers again, the new version number
    if legacy:
        columns = ", ".join(EVENT_COLUMNS)
        db.execute(f"INSERT INTO events ({columns}) SELECT {columns} FROM ({V2_EVENTS})")


def refused_rows(db: sqlite3.Connection) -> list[str]:
    """The rows of an older log that version 4's date checks refuse, each as ``table row N:
    column 'value'`` (a log written by version 4 or 5 has none)."""
    columns = {**DATE_COLUMNS, "decisions": DATE_COLUMNS["events"]}
    found: list[str] = []
    for table, dates in columns.items():
        if not has_table(db, table):
            continue
        for column in dates:
            query = f"SELECT seq, {column} FROM {table} WHERE NOT ({DAY.format(c=column)})"
            found += [f"{table} row {seq}: {column} {value!r}" for seq, value in db.execute(query)]
    return found


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
