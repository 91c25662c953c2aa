"""The campaign's decision log: each side's answers, kept in one SQLite file.

``CAMPAIGN/decisions.sqlite`` is the single source of truth for decisions: every run of the
campaign reads it (:func:`mark_read` marks how far a written run read; :func:`with_decisions` turns
the pairs' states into history rows) and :func:`record_requests` is the only writer of
answers (:mod:`engine.review.alternatives` of taken alternatives). Why SQLite: it ships with
Python (nothing to install or run), the whole log is one file a user can back up, open and
query with any SQLite tool, and every write is one ACID transaction, so an import killed
half-way leaves the log exactly as it was. The log is append-only (the schema's triggers
refuse UPDATE and DELETE, :mod:`engine.review.schema`); the current state of a pair is
derived (:mod:`engine.review.state`); what may be appended is decided by the one validation
function (:func:`engine.review.rules.check_requests`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.contract import HISTORY_COLUMNS, HISTORY_OPTIONAL_COLUMNS, Campaign, Policy
from engine.review.log_file import older, open_log, present, writing
from engine.review.results import DecisionsInvalid, FileInfo, ImportResult
from engine.review.rules import (
    ALREADY,
    FORBIDDEN,
    RECORDED,
    Context,
    ExchangeLimits,
    Outcome,
    Pair,
    Proposal,
    Request,
    Reviewer,
    check_requests,
)
from engine.review.schema import EVENT_COLUMNS, TAKEN_COLUMNS, V2_EVENTS, ensure_schema, has_table
from engine.review.state import events_frame, pair_states, with_history_cancellations

LOG_FILE = "decisions.sqlite"
# a decision record of version 2 (one decision for both sides): what the simulator keeps
LOG_COLUMNS = (
    "seq", "visitor_id", "host_id", "decision", "decided_on", "decided_by", "note",
    "mode", "start_day", "end_day", "score", "run_id", "import_id",
)  # fmt: skip
__all__ = ["DecisionsInvalid", "FileInfo", "ImportResult"]  # re-exported: the log's results
HISTORY_OUTCOME = {"exchange": "accepted", "rejected": "rejected", "cancelled": "cancelled"}


# --------------------------------------------------------------------------- reading


def log_path(campaign_folder: Path) -> Path:
    return Path(campaign_folder) / LOG_FILE


def read_log(path: Path) -> pd.DataFrame:
    """Every event in the order recorded (empty when there is no log yet)."""
    if not present(path):
        return _empty(EVENT_COLUMNS)
    with open_log(Path(path), read_only=True) as db:
        return _events(db)


def read_taken(path: Path) -> pd.DataFrame:
    """The alternatives reviewers took (TAKEN_COLUMNS)."""
    if not present(path):
        return _empty(TAKEN_COLUMNS)
    with open_log(Path(path), read_only=True) as db:
        return _taken(db)


def mark_read(path: Path, run_id: str, records: pd.DataFrame) -> None:
    """Record that the run ``run_id`` read the log's events ``records`` (from now on they
    cannot be withdrawn): called once the run is written, so that a refused or killed run
    reads nothing for good. No log, no record: reading never creates a log."""
    path = Path(path)
    if not present(path):
        return
    last = int(records["seq"].max()) if len(records) else 0
    with writing(path.parent), open_log(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            ensure_schema(db)
            db.execute(
                "INSERT INTO reads (run_id, last_event_seq, read_at) VALUES (?, ?, ?)",
                (run_id, last, _now()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def last_read(path: Path) -> int:
    """The last event a run has read (0: none)."""
    if not present(path):
        return 0
    with open_log(Path(path), read_only=True) as db:
        return _last_read(db)


def current_decisions(records: pd.DataFrame) -> pd.DataFrame:
    """Each answered pair's state (:func:`engine.review.state.pair_states`) and its
    ``decision`` in one word: ``accepted`` for an exchange (both sides accepted), else the
    status (rejected, cancelled, hold, awaiting)."""
    states = pair_states(records)
    return states.assign(decision=states["status"].replace({"exchange": "accepted"}))


def log_digest(records: pd.DataFrame) -> str:
    """A content hash of the log (independent of the SQLite file's layout)."""
    events = events_frame(records)
    payload = json.dumps(events[list(EVENT_COLUMNS)].to_numpy().tolist(), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def decision_history(states: pd.DataFrame) -> pd.DataFrame:
    """Pairs' states as history rows: an exchange -> accepted, rejected -> rejected,
    cancelled -> cancelled (a cancelled exchange occupies nothing and blocks the pair)."""
    final = states[states["status"].isin(tuple(HISTORY_OUTCOME))]
    return pd.DataFrame(
        {
            "visitor_id": final["visitor_id"].astype(str),
            "host_id": final["host_id"].astype(str),
            "decided_on": pd.to_datetime(final["decided_on"]),
            "outcome": final["status"].map(HISTORY_OUTCOME).astype(str),
            "mode": final["mode"].astype(str),
            # an accepted exchange keeps its proposal's dates (it occupies its host on them)
            "start": pd.to_datetime(final["start_day"], errors="coerce"),
            "end": pd.to_datetime(final["end_day"], errors="coerce"),
        },
        columns=[*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS],
    ).reset_index(drop=True)


def with_decisions(campaign: Campaign, records: pd.DataFrame) -> Campaign:
    """The campaign with the log's exchanges, rejections and cancellations added to its
    history (once per pair, outcome and mode)."""
    if records.empty:
        return campaign
    records, gone = of_known_profiles(records, campaign)
    rows = decision_history(pair_states(with_history_cancellations(records, campaign.history)))
    # a row the history holds already, in the same mode (a pair's virtual exchange in the
    # history and its physical one in the log are two exchanges)
    history = campaign.history
    known = set(
        zip(history["visitor_id"], history["host_id"], history["outcome"], history["mode"],
            strict=True)
    )  # fmt: skip
    fresh = [
        row not in known
        for row in zip(rows["visitor_id"], rows["host_id"], rows["outcome"], rows["mode"],
                       strict=True)
    ]  # fmt: skip
    history = pd.concat([campaign.history, rows[fresh]], ignore_index=True)
    history["decided_on"] = pd.to_datetime(history["decided_on"])
    hashes = {**campaign.input_hashes, LOG_FILE: log_digest(records)}
    return campaign.replace(
        history=history, input_hashes=hashes, warnings=(*campaign.warnings, *gone)
    )


def of_known_profiles(records: pd.DataFrame, campaign: Campaign) -> tuple[pd.DataFrame, list[str]]:
    """The log's events whose visitor and host are still profiles of the campaign, and a
    warning per exchange left out (a profile no longer in its profiles table: the IT tool
    dropped it, say): nothing can be said of its partnership, category or organisation, so it
    counts nowhere tonight (a night stopped by it could not go on until the log was mended)."""
    ids = set(campaign.profiles["profile_id"].astype(str))
    known = records["visitor_id"].astype(str).isin(ids) & records["host_id"].astype(str).isin(ids)
    if known.all():
        return records, []
    states = pair_states(records[~known])
    gone = states[states["status"] == "exchange"]
    warnings = [
        f"the decision log's exchange {v} -> {h} is left out: "
        f"{' and '.join(x for x in (v, h) if x not in ids)} is no longer in the profiles"
        for v, h in zip(gone["visitor_id"].astype(str), gone["host_id"].astype(str), strict=True)
    ]
    return records[known].reset_index(drop=True), warnings


def night_events(records: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """The log's events a night reads: of the campaign's profiles (:func:`of_known_profiles`),
    with the history's later cancellations of its exchanges
    (:func:`engine.review.state.with_history_cancellations`)."""
    return with_history_cancellations(of_known_profiles(records, campaign)[0], campaign.history)


# --------------------------------------------------------------------------- recording


def record_requests(
    path: Path,
    requests: Sequence[Request],
    reviewer: Reviewer,
    proposals: Mapping[Pair, Proposal],
    limits: ExchangeLimits | Mapping[str, int],
    *,
    today: date | None = None,
    source: str = "file",
    file: FileInfo | None = None,
    dry_run: bool = False,
    strict: bool = False,
    taken: Mapping[str, Any] | None = None,
    policy: Policy | None = None,
    by_run: Mapping[tuple[str, str, str], Proposal] | None = None,
) -> ImportResult:
    """Check ``requests`` (:func:`engine.review.rules.check_requests`) and append what is valid.

    One transaction. Every valid row is recorded and every problem row listed; ``strict``
    records nothing when any row has a problem, ``dry_run`` records nothing at all. A file
    (``file``) imported before changes nothing, and its problem rows are listed again. ``taken``: an alternative a reviewer takes
    (TAKEN_COLUMNS but ``seq``), recorded with its answers only if they are recorded.
    ``limits``: the campaign's (:func:`engine.review.limits.exchange_limits`), or only its
    hosts' places. ``policy``: the campaign's, whose plausible dates bound ``decided_on``."""
    path = Path(path)
    today = today or datetime.now(UTC).date()
    name = file.name if file is not None else source
    unanswered = file.unanswered if file is not None else 0
    if taken is not None:
        proposals = {**proposals, (str(taken["visitor_id"]), str(taken["host_id"])):
                     proposal_from_taken(taken)}  # fmt: skip
    # check before creating a log (bad input creates none) or migrating an older one (a
    # request that records nothing leaves it as it was: the log audit saw a refused answer
    # make a version 4 log version 5, which the cxmatch that wrote it then refused)
    if dry_run or not present(path) or older(path):
        context = Context(
            _with_taken(proposals, read_taken(path)), ExchangeLimits.of(limits), last_read(path),
            today, source, name, policy or Policy(), by_run or {},
        )  # fmt: skip
        outcomes = check_requests(requests, read_log(path), reviewer, context)
        result = _result(name, outcomes, unanswered, dry_run)
        if dry_run or not any(o.events for o in outcomes) or strict and result.problems:
            return result
    with writing(path.parent), open_log(path) as db:
        db.execute("BEGIN IMMEDIATE")
        try:
            ensure_schema(db)
            context = Context(
                _with_taken(proposals, _taken(db)), ExchangeLimits.of(limits), _last_read(db),
                today, source, name, policy or Policy(), by_run or {},
            )  # fmt: skip
            outcomes = check_requests(requests, _events(db), reviewer, context)
            if file is not None and _imported_before(db, file.sha256):
                db.execute("ROLLBACK")  # nothing changes; its problem rows are still listed
                problems = [p for o in outcomes for p in o.problems]
                return ImportResult(
                    name, 0, len(requests), unanswered, already_imported=True, problems=problems
                )
            result = _result(name, outcomes, unanswered, dry_run=False)
            if strict and result.problems:
                db.execute("ROLLBACK")
                return result
            if taken is not None and result.recorded:
                _insert_taken(db, taken)
            events = [e for o in outcomes for e in o.events]
            if not events:  # nothing to record: the log stays as it was, byte for byte, and
                # a file that recorded nothing is no import (once what refused its rows
                # changes, it may come again: the failures and the reviewers' audits)
                db.execute("ROLLBACK")
                return result
            import_id = None
            if file is not None:
                import_id = _record_import(db, file, requests, proposals, result)
            _insert_rows(db, events, import_id)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return result


def _result(name: str, outcomes: list[Outcome], unanswered: int, dry_run: bool) -> ImportResult:
    return ImportResult(
        name,
        recorded=sum(1 for o in outcomes if o.status == RECORDED),
        already_recorded=sum(1 for o in outcomes if o.status == ALREADY),
        unanswered=unanswered,
        problems=[p for o in outcomes for p in o.problems],
        outcomes=outcomes,
        dry_run=dry_run,
    )


def forbidden(result: ImportResult) -> bool:
    return any(o.status == FORBIDDEN for o in result.outcomes)


def proposal_from_taken(row: Mapping[str, Any]) -> Proposal:
    return Proposal(
        str(row["visitor_id"]), str(row["host_id"]), str(row["mode"]), str(row["start_day"]),
        str(row["end_day"]), float(row["score"]), str(row["run_id"]),
        str(row["visitor_partnership"]), str(row["host_partnership"]), str(row["taken_by"]),
        float(row.get("lump_sum_eur") or 0.0),
    )  # fmt: skip


def _with_taken(proposals: Mapping[Pair, Proposal], taken: pd.DataFrame) -> dict[Pair, Proposal]:
    """The runs' proposals and the alternatives reviewers took: of a pair both, the later (a
    run's proposal where it is of the run the alternative was taken from, or later; the
    alternative where an earlier night proposed the pair, unanswered, and the reviewer took it
    from a later run's plan, on that run's dates)."""
    merged = dict(proposals)
    for row in taken.to_dict("records"):
        pair = (str(row["visitor_id"]), str(row["host_id"]))
        alternative = proposal_from_taken({str(k): v for k, v in row.items()})
        if pair not in merged or merged[pair].run_id < alternative.run_id:
            merged[pair] = alternative
    return merged


# --------------------------------------------------------------------------- SQLite


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in columns})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _events(db: sqlite3.Connection) -> pd.DataFrame:
    columns = ", ".join(EVENT_COLUMNS)
    if has_table(db, "events"):
        query = f"SELECT {columns} FROM events ORDER BY seq"
    elif has_table(db, "decisions"):  # a version 2 log, read before its first write
        query = f"SELECT {columns} FROM ({V2_EVENTS}) ORDER BY seq"
    else:
        return _empty(EVENT_COLUMNS)
    return pd.DataFrame(db.execute(query).fetchall(), columns=list(EVENT_COLUMNS))


def _taken(db: sqlite3.Connection) -> pd.DataFrame:
    if not has_table(db, "taken"):
        return _empty(TAKEN_COLUMNS)
    rows = db.execute(f"SELECT {', '.join(TAKEN_COLUMNS)} FROM taken ORDER BY seq").fetchall()
    return pd.DataFrame(rows, columns=list(TAKEN_COLUMNS))


def _last_read(db: sqlite3.Connection) -> int:
    if not has_table(db, "reads"):
        return 0
    return int(db.execute("SELECT COALESCE(MAX(last_event_seq), 0) FROM reads").fetchone()[0])


def _imported_before(db: sqlite3.Connection, sha256: str) -> bool:
    found = db.execute("SELECT 1 FROM imports WHERE file_sha256 = ?", (sha256,))
    return found.fetchone() is not None


def _record_import(
    db: sqlite3.Connection,
    file: FileInfo,
    requests: Sequence[Request],
    proposals: Mapping[Pair, Proposal],
    result: ImportResult,
) -> int:
    runs = sorted({proposals[(r.visitor_id, r.host_id)].run_id
                   for r in requests if (r.visitor_id, r.host_id) in proposals})  # fmt: skip
    cursor = db.execute(
        "INSERT INTO imports (file_name, file_sha256, run_id, imported_at, rows_recorded, "
        "rows_already_recorded) VALUES (?, ?, ?, ?, ?, ?)",
        (file.name, file.sha256, ",".join(runs), _now(), result.recorded, result.already_recorded),
    )
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def _insert_taken(db: sqlite3.Connection, taken: Mapping[str, Any]) -> None:
    columns = [c for c in TAKEN_COLUMNS if c != "seq"]
    db.execute(
        f"INSERT INTO taken ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [taken[c] for c in columns],
    )


def _insert_rows(db: sqlite3.Connection, rows: list[dict[str, Any]], import_id: int | None) -> None:
    """Append events (the last statement before COMMIT: a crash here loses the whole batch)."""
    columns = [c for c in EVENT_COLUMNS if c != "seq"]
    stamp = _now()
    db.executemany(
        f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [
            [
                import_id if c == "import_id" else stamp if c == "recorded_at" else row[c]
                for c in columns
            ]
            for row in rows
        ],
    )
