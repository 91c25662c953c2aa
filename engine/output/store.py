"""Run folders, written atomically: everything goes to a hidden temporary folder beside the
target, which is renamed into place only once every file is complete. A failed or killed run
leaves at most a ``.tmp-*`` folder, never a partial run; existing runs are never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

Writer = Callable[[Path], None]


class OutputExists(Exception):
    """The run folder exists already; runs are never overwritten."""


def new_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


def default_run_folder(root: Path, run_id: str) -> Path:
    return root / run_id


def write_atomically(target: Path, writers: dict[str, Writer]) -> Path:
    """Write each file with its writer into a temporary folder, then rename it to ``target``."""
    target = Path(target)
    if target.exists():
        raise OutputExists(f"{target} exists already; choose another --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    try:
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes 0700: the run gets the user's umask
        for name, write in writers.items():
            write(staging / name)
        for entry in staging.iterdir():
            _fsync(entry)
        os.rename(staging, target)  # atomic on one file system; fails if target appeared
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_text_atomically(path: Path, text: str) -> None:
    """Replace one file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600: the user's umask instead
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


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    if path.is_file():
        with path.open("rb") as stream:
            os.fsync(stream.fileno())
