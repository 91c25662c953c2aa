"""Verify, back up and restore a campaign's decision log (``cxmatch log check|backup|restore``).

* :func:`check_log`: the checks every opening makes (:mod:`engine.review.log_file`: a file,
  not empty, SQLite's integrity check, the schema version, no value the schema refuses),
  foreign keys too, and what the log holds; an unfinished write is rolled back first.
* :func:`backup_log`: a consistent copy through SQLite's backup API (safe while a review app
  or a ``decide`` writes: the copy is one transaction's view), verified, then renamed into
  place; never over an existing file.
* :func:`restore_log`: the backup verified first, copied beside the log and verified again,
  then renamed over the log in one step (a reader sees the old log or the restored one, never
  none); the replaced log is kept in ``backups/`` (hard-linked, with its journal if it had
  one), so a restore loses nothing either. The nightly lock is held meanwhile, and the
  writers' lock alone: a restore refuses while the review app serves or a ``decide`` writes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.output.store import OutputExists
from engine.review.log_file import LogDamaged, journal, open_log, present, writing
from engine.review.schema import has_table, version

BACKUPS = "backups"
LOCK_FILE = ".cxmatch-nightly.lock"  # one nightly (or restore) per campaign at a time
COUNTED = ("events", "imports", "reads", "taken", "decisions")


@dataclass(frozen=True)
class LogSummary:
    path: Path
    exists: bool
    version: int = 0
    rows: tuple[tuple[str, int], ...] = ()  # (table, rows) of the tables it has
    size_bytes: int = 0

    def __str__(self) -> str:
        if not self.exists:
            return f"{self.path}: no decision log yet (no decision recorded)"
        rows = ", ".join(f"{count} {table}" for table, count in self.rows)
        return (
            f"{self.path}: ok (schema version {self.version}, {rows}; {self.size_bytes:,} "
            "bytes; SQLite's integrity and foreign-key checks pass)"
        )


def check_log(path: Path) -> LogSummary:
    """What the log holds, once every check passed; :class:`LogDamaged` otherwise."""
    path = Path(path)
    if not present(path):
        return LogSummary(path, exists=False)
    with open_log(path, read_only=True) as db:
        try:
            broken = db.execute("PRAGMA foreign_key_check").fetchall()
        except sqlite3.DatabaseError as error:
            raise LogDamaged(path, f"cannot be read by SQLite ({error})") from None
        if broken:
            raise LogDamaged(path, f"has {len(broken)} row(s) naming rows it does not hold")
        rows = tuple(
            (table, int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]))
            for table in COUNTED
            if has_table(db, table)
        )
        return LogSummary(path, True, version(db), rows, path.stat().st_size)


def default_backup(campaign_folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(campaign_folder) / BACKUPS / f"decisions-{stamp}.sqlite"


def backup_log(path: Path, target: Path) -> LogSummary:
    """Copy a verified log to ``target`` (a new file), verified before it is renamed there."""
    path, target = Path(path), Path(target)
    summary = check_log(path)
    if not summary.exists:
        raise LogDamaged(path, "does not exist: there is nothing to back up", "nothing was written")
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; backups are never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _copy(path, target.parent)
    try:
        check_log(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(target.parent)
    return summary


def restore_log(path: Path, backup: Path) -> tuple[LogSummary, Path | None]:
    """Replace the log by a verified backup in one rename; the replaced log (and its journal)
    kept in ``backups/``. Returns the restored log's summary and where the old one went."""
    path, backup = Path(path), Path(backup)
    try:
        summary = check_log(backup)
    except LogDamaged as damaged:  # said of the backup: the log itself was not touched
        raise LogDamaged(
            backup, damaged.why, "nothing was changed: restore another backup"
        ) from None
    if not summary.exists:
        raise FileNotFoundError(2, "no such backup", str(backup))
    if path.is_dir() and not path.is_symlink():
        raise LogDamaged(path, "is a folder", "nothing was changed: move it away, then restore")
    with campaign_lock(path.parent), writing(path.parent, alone=True):
        temporary = _copy(backup, path.parent)
        try:
            check_log(temporary)
            kept = _keep_aside(path)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_folder(path.parent)
    return LogSummary(path, True, summary.version, summary.rows, path.stat().st_size), kept


@contextmanager
def campaign_lock(folder: Path) -> Iterator[None]:
    """One nightly (or restore) per campaign at a time (released by the OS if it dies)."""
    with open(Path(folder) / LOCK_FILE, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _copy(source: Path, folder: Path) -> Path:
    """A consistent copy of ``source`` (SQLite's backup API) in a hidden file of ``folder``."""
    handle, name = tempfile.mkstemp(prefix=".tmp-decisions-", suffix=".sqlite", dir=folder)
    os.close(handle)
    temporary = Path(name)
    try:
        with open_log(source, read_only=True) as db, closing(sqlite3.connect(temporary)) as copy:
            db.backup(copy)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600: as the log itself
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _keep_aside(path: Path) -> Path | None:
    """A second name in ``backups/`` for the log about to be replaced (its journal moved
    beside it: a journal left by the old log must never meet the restored one)."""
    if not (path.exists() or path.is_symlink()):
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = path.parent / BACKUPS / f"decisions-replaced-{stamp}.sqlite"
    aside.parent.mkdir(exist_ok=True)
    if journal(path).exists():
        os.replace(journal(path), journal(aside))
    if path.is_symlink() and not path.exists():
        path.unlink()  # a link to nothing: nothing to keep
        return None
    try:
        os.link(path, aside)
    except OSError:  # a file system without hard links
        shutil.copy2(path, aside)
    return aside


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
