"""The decision log's file defends itself (issue 16): every connection to a log is opened here.

A log that is there is checked before anything reads it: a regular file (not a folder, not a
link to nothing), not empty (a 0-byte ``decisions.sqlite`` is a log that lost its content, not
"no decisions": rejected pairs would be proposed again), an SQLite database that passes
``PRAGMA integrity_check``, of a schema version this cxmatch knows, holding the decision
tables, and no row the schema refuses today (a date an older version let in). Anything else
raises :class:`LogDamaged` (exit 6), which says what is wrong and how to recover; nothing is
read as empty.

A write killed half-way (a ``decide`` killed mid-import, a full disk) leaves SQLite's rollback
journal, ``decisions.sqlite-journal``. The next opening rolls it back when the folder can be
written (a read-only connection cannot, and said "attempt to write a readonly database"), or
refuses with a sentence when it cannot. A first write that fails removes the empty file it
created, so a failed first ``decide`` leaves no log rather than an empty one.

Opening for writing brings a version 2, 3 or 4 log to version 5 first (:func:`schema.migrate`).

Writers (``decide``, the review app for as long as it serves, the nightly's import and read)
hold :func:`writing` shared; a restore takes it alone or refuses (:class:`LogBusy`), so that
no answer is written into the log a restore is replacing (it would be lost with it).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from engine.review import schema

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
RESTORE = (
    "nothing was read or written; restore the last good backup "
    '(cxmatch log restore CAMPAIGN BACKUP, README "When the decision log is refused")'
)
_VERIFIED: dict[tuple[str, int, int], None] = {}  # (path, size, mtime) checked in this process
WRITERS_LOCK = ".cxmatch-writers.lock"  # beside the log: who writes to it now


class LogBusy(Exception):
    """The log cannot be replaced now: a review app or a ``decide`` is writing to it."""


@contextmanager
def writing(folder: Path, alone: bool = False) -> Iterator[None]:
    """The log's writers' lock in ``folder``: shared by writers (waiting while a restore
    holds it), taken ``alone`` by a restore, which never waits: LogBusy while one writes."""
    Path(folder).mkdir(parents=True, exist_ok=True)  # as opening the log for writing does
    with _lock_file(Path(folder) / WRITERS_LOCK) as handle:
        if alone:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LogBusy(
                    "the decision log is being written (cxmatch serve or decide runs on this "
                    "campaign): stop them, then restore; nothing was changed"
                ) from None
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _lock_file(path: Path) -> BinaryIO:
    """The lock file, made if missing; read-only when another user made it (a lock needs no
    write access: the review app and the nightly may run as two users of one group)."""
    try:
        return open(path, "a+b")
    except PermissionError:
        return open(path, "rb")


class LogDamaged(Exception):
    """The decision log cannot be trusted: damaged, empty but present, unfinished, of an
    unknown version, or holding rows its schema refuses (exit 6)."""

    def __init__(self, path: Path, why: str, remedy: str = RESTORE):
        self.path = Path(path)
        self.why = why
        super().__init__(f"the decision log {path} {why}; {remedy}")


def journal(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + "-journal")


def exists(path: Path) -> bool:
    """Whether there is a log (False: none yet, no decisions). A path that is there but is not
    a regular file is refused, never taken for "no log"."""
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise LogDamaged(path, "is a link to nothing")
    if not path.exists():
        return False
    if not path.is_file():
        raise LogDamaged(path, "is not a file (a folder?)")
    return True


def present(path: Path) -> bool:
    """Whether there is a log to read: :func:`exists`, its unfinished write rolled back."""
    return exists(path) and _settled(Path(path))


@contextmanager
def open_log(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """A checked connection in autocommit mode (transactions are explicit: BEGIN IMMEDIATE).
    Reading needs a log (:func:`exists`); writing creates one where there is none."""
    path = Path(path)
    fresh = not present(path)
    if fresh and read_only:
        raise FileNotFoundError(path)
    if not fresh:
        _check_file(path)
    if read_only:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        if not fresh:
            verify(db, path)
            if not read_only:
                _upgrade(db, path)
        db.execute("PRAGMA foreign_keys = ON")
        yield db
    except BaseException:
        db.close()
        if fresh and not read_only:
            _remove_if_empty(path)
        raise
    else:
        db.close()


def verify(db: sqlite3.Connection, path: Path) -> None:
    """Refuse a log SQLite finds damaged, of a version this cxmatch does not know, without the
    decision tables, or holding rows today's schema refuses."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    try:
        found = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
        version = schema.version(db)
        tables = {"events", "decisions"} & {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        refused = schema.refused_rows(db) if tables else []
    except sqlite3.DatabaseError as error:
        raise LogDamaged(path, f"cannot be read by SQLite ({error})") from None
    if found != ["ok"]:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        raise LogDamaged(path, f"fails SQLite's integrity check ({found[0]}{more})")
    if version > schema.VERSION:
        raise LogDamaged(
            path,
            f"has schema version {version}, written by a newer cxmatch (this one knows up to "
            f"{schema.VERSION})",
            "nothing was read or written: use that cxmatch, or restore a backup of this version",
        )
    if not tables:
        raise LogDamaged(path, "holds no decision table: it is not a cxmatch decision log")
    if refused:
        shown = "; ".join(refused[:3]) + (
            f" and {len(refused) - 3} more" if len(refused) > 3 else ""
        )
        raise LogDamaged(
            path,
            f"holds {len(refused)} value(s) no run can read back ({shown}: a date that is not "
            "YYYY-MM-DD within 1900-01-01..2199-12-31, let in by an older cxmatch)",
        )
    _VERIFIED[key] = None


def _settled(path: Path) -> bool:
    """Roll back the write a killed or refused writer left (a hot journal); False when that
    leaves the log empty (its first write never finished: there was no log)."""
    hot = journal(path)
    if not (hot.is_file() and hot.stat().st_size > 0):
        return True
    if not (os.access(path.parent, os.W_OK | os.X_OK) and os.access(path, os.W_OK)):
        raise LogDamaged(
            path,
            f"has an unfinished write ({hot.name}, left by a decide or nightly that was killed "
            "or ran out of disk) that only a writable folder can roll back",
            "nothing was read: make the folder writable and run cxmatch log check CAMPAIGN "
            "(it rolls the unfinished write back)",
        )
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:  # the first read of a read-write connection rolls a hot journal back
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise LogDamaged(path, f"cannot be read by SQLite ({error})") from None
    finally:
        db.close()
    if not (hot.is_file() and hot.stat().st_size > 0):  # else a live writer's own journal
        log.warning("%s: rolled back an unfinished write (%s)", path, hot.name)
    if path.stat().st_size == 0:  # a first write that never finished: no log after all
        _remove_if_empty(path)
        return False
    return True


def _check_file(path: Path) -> None:
    size = path.stat().st_size
    if size == 0:
        raise LogDamaged(
            path,
            "is empty (0 bytes): a log that lost its content is not read as no decisions",
            f"{RESTORE}; a campaign that never recorded a decision may delete the empty file",
        )
    with open(path, "rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise LogDamaged(path, "is not an SQLite database (overwritten or damaged)")


def older(path: Path) -> bool:
    """The log is of an older schema: its first write migrates it (a write that records
    nothing should leave it as it is, readable by the cxmatch that wrote it)."""
    if not present(path):
        return False
    with open_log(path, read_only=True) as db:
        return schema.version(db) < schema.VERSION


def _upgrade(db: sqlite3.Connection, path: Path) -> None:
    """Migrate an older log to version 5 in one transaction, foreign keys off (SQLite's way to
    rebuild a table; they are turned on by the caller afterwards)."""
    if schema.version(db) >= schema.VERSION:
        return
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("BEGIN IMMEDIATE")
    try:
        if schema.version(db) < schema.VERSION:  # another writer may have migrated it
            schema.migrate(db)
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise LogDamaged(path, f"has {len(broken)} row(s) naming rows it does not hold")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    log.info("%s: migrated to schema version %d", path, schema.VERSION)


def _remove_if_empty(path: Path) -> None:
    """Remove a log file this process created and never wrote (and its journal)."""
    if path.is_file() and path.stat().st_size == 0:
        path.unlink()
        journal(path).unlink(missing_ok=True)
