"""Decision logs for the tests of the log's own defences: answers recorded without a run (a
few proposals of one host), and a writer killed mid-transaction (a hot journal)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from engine.review.log import log_path, record_requests
from engine.review.log_file import journal
from engine.review.parties import Proposal, Reviewer
from engine.review.rules import Request

PROPOSALS = {
    (v, "H1"): Proposal(v, "H1", "physical", "2027-01-11", "2027-01-13", 80.0, "r1", "P1", "P2")
    for v in ("V1", "V2", "V3")
}


def record(folder: Path, *requests: Request):
    return record_requests(
        log_path(folder), list(requests), Reviewer(), PROPOSALS, {"H1": 3}, today=date(2026, 12, 14)
    )


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("PRAGMA cache_size = 2")  # pages spill to the file before COMMIT
    db.execute("BEGIN IMMEDIATE")
    for _ in range(2000):
        db.execute("INSERT INTO reads (run_id, last_event_seq, read_at) VALUES (?, 0, '')",
                   ("r" * 200,))
    os.kill(os.getpid(), signal.SIGKILL)  # killed mid-transaction: a hot journal stays
    """
)


def kill_a_writer(path: Path) -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], capture_output=True)
    assert killed.returncode == -9, killed.stderr
    assert journal(path).stat().st_size > 0
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with pytest.raises(sqlite3.OperationalError, match="readonly database"):  # the old reader
        sqlite3.connect(uri, uri=True).execute("SELECT COUNT(*) FROM reads").fetchone()
