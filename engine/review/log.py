"""The campaign's decision log: reviewers' accept / reject / hold, kept in one SQLite file.

``CAMPAIGN/decisions.sqlite`` is the single source of truth for decisions: every run of the
campaign reads it (:func:`with_decisions` turns final decisions into history rows) and
:func:`import_decisions` is the only writer. Why SQLite: it ships with Python (nothing to
install or run), the whole log is one file a user can back up, open and query with any SQLite
tool, and every import is one ACID transaction, so an import killed half-way leaves the log
exactly as it was (SQLite rolls the journal back on the next open). The log is append-only:
rows are never updated or deleted. Constraints in the schema guard what validation checks:
one row per (pair, decision), at most one final decision per pair, at most one accepted host
per visitor, and each file (by content hash) imported once.

A later decision may only move a pair from ``hold`` to ``accepted`` or ``rejected``; any other
change of a recorded decision is a conflict, reported and never written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.contract import HISTORY_COLUMNS, HISTORY_OPTIONAL_COLUMNS, Campaign
from engine.domain.decisions import FINAL_DECISIONS
from engine.domain.problems import Problem
from engine.load.decision_files import DecisionFile

LOG_FILE = "decisions.sqlite"
LOG_COLUMNS = (
    "seq", "visitor_id", "host_id", "decision", "decided_on", "decided_by", "note",
    "mode", "start_day", "end_day", "score", "run_id", "import_id",
)  # fmt: skip
SCHEMA = """
CREATE TABLE IF NOT EXISTS imports (
    import_id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows_recorded INTEGER NOT NULL,
    rows_already_recorded INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY,
    visitor_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected', 'hold')),
    decided_on TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    note TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('physical', 'virtual')),
    start_day TEXT NOT NULL,
    end_day TEXT NOT NULL,
    score REAL NOT NULL,
    run_id TEXT NOT NULL,
    import_id INTEGER NOT NULL REFERENCES imports (import_id),
    UNIQUE (visitor_id, host_id, decision)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_final_decision_per_pair
    ON decisions (visitor_id, host_id) WHERE decision IN ('accepted', 'rejected');
DROP INDEX IF EXISTS one_accepted_host_per_visitor;
CREATE UNIQUE INDEX IF NOT EXISTS one_accepted_host_per_visitor_and_mode
    ON decisions (visitor_id, mode) WHERE decision = 'accepted';
PRAGMA user_version = 2;
"""

Pair = tuple[str, str]


class DecisionsInvalid(Exception):
    """A decision file failed validation; ``problems`` lists every problem, in row order."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        header = f"{self.file}: {count} problem{'' if count == 1 else 's'}; nothing was recorded"
        return "\n".join([header, *(f"  {problem}" for problem in self.problems)])


@dataclass(frozen=True)
class ImportResult:
    file: str
    recorded: int  # new decisions appended to the log
    already_recorded: int  # rows the log held already (same pair, same decision)
    unanswered: int  # rows with an empty decision
    already_imported: bool = False  # the same file (same content) was imported before


@dataclass
class _Plan:
    rows: list[dict[str, Any]] = field(default_factory=list)
    already: int = 0
    problems: list[Problem] = field(default_factory=list)


# --------------------------------------------------------------------------- reading


def log_path(campaign_folder: Path) -> Path:
    return Path(campaign_folder) / LOG_FILE


def read_log(path: Path) -> pd.DataFrame:
    """Every recorded decision in the order recorded (empty when there is no log yet)."""
    if not Path(path).is_file():
        return pd.DataFrame({column: pd.Series([], dtype=object) for column in LOG_COLUMNS})
    with _connect(Path(path), read_only=True) as db:
        return _records(db)


def current_decisions(records: pd.DataFrame) -> pd.DataFrame:
    """The latest decision of each pair (a final decision supersedes an earlier hold)."""
    return records.sort_values("seq").drop_duplicates(["visitor_id", "host_id"], keep="last")


def log_digest(records: pd.DataFrame) -> str:
    """A content hash of the log (independent of the SQLite file's layout)."""
    payload = json.dumps(records[list(LOG_COLUMNS)].to_numpy().tolist(), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def decision_history(current: pd.DataFrame) -> pd.DataFrame:
    """Final decisions as history rows: accepted -> accepted, rejected -> rejected."""
    final = current[current["decision"].isin(FINAL_DECISIONS)]
    return pd.DataFrame(
        {
            "visitor_id": final["visitor_id"].astype(str),
            "host_id": final["host_id"].astype(str),
            "decided_on": pd.to_datetime(final["decided_on"]),
            "outcome": final["decision"].astype(str),
            "mode": final["mode"].astype(str),
            # an accepted exchange keeps its proposal's dates (it occupies its host on them)
            "start": pd.to_datetime(final["start_day"], errors="coerce"),
            "end": pd.to_datetime(final["end_day"], errors="coerce"),
        },
        columns=[*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS],
    ).reset_index(drop=True)


def with_decisions(campaign: Campaign, records: pd.DataFrame) -> Campaign:
    """The campaign with the log's final decisions added to its history (once per pair)."""
    if records.empty:
        return campaign
    rows = decision_history(current_decisions(records))
    known = set(
        zip(
            campaign.history["visitor_id"],
            campaign.history["host_id"],
            campaign.history["outcome"],
            strict=True,
        )
    )
    fresh = [
        (v, h, o) not in known
        for v, h, o in zip(rows["visitor_id"], rows["host_id"], rows["outcome"], strict=True)
    ]
    history = pd.concat([campaign.history, rows[fresh]], ignore_index=True)
    history["decided_on"] = pd.to_datetime(history["decided_on"])
    hashes = {**campaign.input_hashes, LOG_FILE: log_digest(records)}
    return campaign.replace(history=history, input_hashes=hashes)


# --------------------------------------------------------------------------- importing


def import_decisions(
    path: Path,
    file: DecisionFile,
    proposals: pd.DataFrame,
    run_id: str,
    capacity: Mapping[str, int],
    today: date | None = None,
) -> ImportResult:
    """Validate ``file`` against the run's ``proposals`` and the log, then append it.

    One transaction: either every new decision of the file is recorded, or none (and
    :class:`DecisionsInvalid` lists every problem). Importing the same file again, or rows
    the log already holds, changes nothing.
    """
    path = Path(path)
    today = today or datetime.now(UTC).date()
    proposed = _proposed(proposals)
    if not path.is_file():  # validate before creating the log, so bad input creates nothing
        plan = _plan(file, proposed, read_log(path), capacity, run_id, today)
        if plan.problems:
            raise DecisionsInvalid(file.name, plan.problems)
    with _connect(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            _create_schema(db)
            if db.execute("SELECT 1 FROM imports WHERE file_sha256 = ?", (file.sha256,)).fetchone():
                db.execute("ROLLBACK")
                return ImportResult(file.name, 0, len(file.rows), file.unanswered, True)
            plan = _plan(file, proposed, _records(db), capacity, run_id, today)
            if plan.problems:
                raise DecisionsInvalid(file.name, plan.problems)
            import_id = _record_import(db, file, run_id, plan)
            _insert_rows(db, plan.rows, import_id)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return ImportResult(file.name, len(plan.rows), plan.already, file.unanswered)


def _plan(
    file: DecisionFile,
    proposed: dict[Pair, dict[Any, Any]],
    records: pd.DataFrame,
    capacity: Mapping[str, int],
    run_id: str,
    today: date,
) -> _Plan:
    """What the file adds to the log, or every reason it cannot."""
    current = current_decisions(records)
    known = set(zip(records["visitor_id"], records["host_id"], records["decision"], strict=True))
    final = {
        (r["visitor_id"], r["host_id"]): r
        for r in current[current["decision"].isin(FINAL_DECISIONS)].to_dict("records")
    }
    accepted = current[current["decision"] == "accepted"]
    host_of_visitor = {
        (v, m): h
        for v, h, m in zip(
            accepted["visitor_id"], accepted["host_id"], accepted["mode"], strict=True
        )
    }
    stays: dict[str, list[tuple[str, str]]] = {}
    for h, start, end in zip(
        accepted["host_id"], accepted["start_day"], accepted["end_day"], strict=True
    ):
        stays.setdefault(str(h), []).append((str(start), str(end)))
    plan = _Plan()
    seen: dict[Pair, tuple[int, str]] = {}

    def problem(row: int, column: str | None, value: str | None, message: str) -> None:
        plan.problems.append(Problem(file.name, row, column, value, message))

    for r in file.rows.to_dict("records"):
        row, decision, pair = int(r["row"]), r["decision"], (r["visitor_id"], r["host_id"])
        if "" in pair or decision not in ("accepted", "rejected", "hold"):
            continue  # a form problem, reported by read_decision_file
        if pair not in proposed:
            problem(row, None, f"{pair[0]} -> {pair[1]}", f"was not proposed in run {run_id}")
            continue
        if pair in seen:
            first_row, first = seen[pair]
            if first != decision:
                problem(
                    row,
                    "decision",
                    decision,
                    f"conflicts with row {first_row} ({first}) for the same pair",
                )
            continue
        seen[pair] = (row, decision)
        if pair in final and final[pair]["decision"] != decision:
            earlier = final[pair]
            problem(
                row, "decision", decision,
                f"conflicts with the recorded decision {earlier['decision']!r} of "
                f"{earlier['decided_on']} (run {earlier['run_id']}); recorded decisions are "
                "never overwritten",
            )  # fmt: skip
            continue
        if (*pair, decision) in known:
            plan.already += 1
            continue
        proposal = proposed[pair]
        if decision == "accepted":
            mode = str(proposal["mode"])
            other = host_of_visitor.get((pair[0], mode))
            if other is not None and other != pair[1]:
                problem(
                    row,
                    "decision",
                    decision,
                    f"visitor {pair[0]} is already accepted by host {other} for a {mode} exchange",
                )
                continue
            stay = (_iso(proposal["start"]), _iso(proposal["end"]))
            busiest = _busiest(stays.get(pair[1], []), stay)
            limit = capacity.get(pair[1])
            if limit is not None and busiest + 1 > limit:
                problem(
                    row, "decision", decision,
                    f"host {pair[1]} would receive {busiest + 1} accepted visitors on "
                    f"{stay[0]}..{stay[1]} for a capacity of {limit}",
                )  # fmt: skip
                continue
            host_of_visitor[(pair[0], mode)] = pair[1]
            stays.setdefault(pair[1], []).append(stay)
        plan.rows.append(
            {
                "visitor_id": pair[0],
                "host_id": pair[1],
                "decision": decision,
                "decided_on": r["decided_on"] or today.isoformat(),
                "decided_by": r["decided_by"],
                "note": r["note"],
                "mode": proposal["mode"],
                "start_day": _iso(proposal["start"]),
                "end_day": _iso(proposal["end"]),
                "score": float(proposal["score"]),
                "run_id": run_id,
            }
        )
    return plan


def _busiest(stays: list[tuple[str, str]], stay: tuple[str, str]) -> int:
    """The most ``stays`` (ISO start, end) that share one day with ``stay``: a day of the
    stay's own interval carries the most where another stay starts, or on its first day."""
    first, last = stay
    overlapping = [(s, e) for s, e in stays if s <= last and e >= first]
    days = {first} | {s for s, _ in overlapping if s >= first}
    return max((sum(1 for s, e in overlapping if s <= day <= e) for day in days), default=0)


def _proposed(proposals: pd.DataFrame) -> dict[Pair, dict[Any, Any]]:
    return {
        (str(r["visitor_id"]), str(r["host_id"])): r
        for r in proposals[["visitor_id", "host_id", "mode", "start", "end", "score"]].to_dict(
            "records"
        )
    }


def _iso(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


# --------------------------------------------------------------------------- SQLite


@contextmanager
def _connect(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    if read_only:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None)  # explicit transactions
    try:
        db.execute("PRAGMA foreign_keys = ON")
        yield db
    finally:
        db.close()


def _create_schema(db: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _records(db: sqlite3.Connection) -> pd.DataFrame:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'decisions'"
    ).fetchone()
    if not exists:
        return pd.DataFrame({column: pd.Series([], dtype=object) for column in LOG_COLUMNS})
    rows = db.execute(f"SELECT {', '.join(LOG_COLUMNS)} FROM decisions ORDER BY seq").fetchall()
    return pd.DataFrame(rows, columns=list(LOG_COLUMNS))


def _record_import(db: sqlite3.Connection, file: DecisionFile, run_id: str, plan: _Plan) -> int:
    cursor = db.execute(
        "INSERT INTO imports (file_name, file_sha256, run_id, imported_at, rows_recorded, "
        "rows_already_recorded) VALUES (?, ?, ?, ?, ?, ?)",
        (
            file.name,
            file.sha256,
            run_id,
            datetime.now(UTC).isoformat(timespec="seconds"),
            len(plan.rows),
            plan.already,
        ),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def _insert_rows(db: sqlite3.Connection, rows: list[dict[str, Any]], import_id: int) -> None:
    columns = LOG_COLUMNS[1:]
    db.executemany(
        f"INSERT INTO decisions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [[*(row[c] for c in columns[:-1]), import_id] for row in rows],
    )
