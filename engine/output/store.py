"""Run folders, written atomically: everything goes to a hidden temporary folder beside the
target, which is renamed into place only once every file is complete. A failed or killed run
leaves at most a ``.tmp-*`` folder, never a partial run; existing runs are never overwritten.

The writer holds a lock on ``.lock`` inside its temporary folder while it writes (the OS
releases it when the process dies), so the next write into the same folder removes the
``.tmp-*`` folders of killed writers and never those of a writer still at work.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

Writer = Callable[[Path], None]
STAGING_PREFIX = ".tmp-"
STAGING_LOCK = ".lock"
UNLOCKED_GRACE_S = 3600  # a staging folder without its lock file: a writer's first instant
logger = logging.getLogger(__name__)


class OutputExists(Exception):
    """The run folder exists already; runs are never overwritten."""


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def default_run_folder(root: Path, run_id: str) -> Path:
    return root / run_id


def write_atomically(target: Path, writers: dict[str, Writer]) -> Path:
    """Write each file with its writer into a temporary folder, then rename it to ``target``."""
    target = Path(target)
    if target.exists() or target.is_symlink():
        raise OutputExists(f"{target} exists already; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{target.name}-", dir=target.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes 0700: the run gets the user's umask
        with _held(staging / STAGING_LOCK):
            for name, write in writers.items():
                write(staging / name)
            for entry in staging.iterdir():
                _fsync(entry)
            (staging / STAGING_LOCK).unlink()  # still locked: no cleaner takes the folder
            if target.exists() or target.is_symlink():
                raise OutputExists(f"{target} exists already; choose another --out")
            os.rename(staging, target)  # atomic on one file system
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def remove_stale_staging(folder: Path) -> list[Path]:
    """Remove the ``.tmp-*`` folders that killed writers left in ``folder``: those whose
    lock nobody holds (and, from before locks or a writer's first instant, those without a
    lock file older than an hour). Returns what was removed."""
    removed = []
    for entry in sorted(Path(folder).glob(f"{STAGING_PREFIX}*")):
        if entry.is_symlink() or not entry.is_dir():
            continue
        lock = entry / STAGING_LOCK
        if lock.is_file():
            stale = _free(lock)
        else:
            stale = time.time() - entry.stat().st_mtime > UNLOCKED_GRACE_S
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            logger.warning("removed %s, left by a run that was killed", entry)
            removed.append(entry)
    return removed


@contextmanager
def _held(path: Path) -> Iterator[IO[bytes]]:
    with open(path, "wb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield handle


def _free(lock: Path) -> bool:
    """Nobody holds the lock (its writer is gone)."""
    try:
        with open(lock, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return True
    except BlockingIOError:
        return False
    except OSError:
        return False


def write_text_atomically(path: Path, text: str) -> None:
    """Replace one file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        os.chmod(temporary, file_mode())  # mkstemp makes 0600: the user's umask instead
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def json_writer(payload: object) -> Writer:
    def write(path: Path) -> None:
        path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")

    return write


def file_mode() -> int:
    """The mode a new file gets under the user's umask (``mkstemp`` makes 0600)."""
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    if path.is_file():
        with path.open("rb") as stream:
            os.fsync(stream.fileno())
