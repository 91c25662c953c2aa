"""Helpers for the reviewer-side tests: a small campaign on disk, a run of it, decision files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd

from engine.load.campaign import load_campaign
from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.output.run_folder import write_run
from engine.review.carryover import campaign_with_log
from engine.review.log import log_path, mark_read
from engine.synthetic.generator import generate_campaign, write_campaign
from tests.factory import NIGHT

FAST = RunOptions(time_limit_s=5, workers=1, as_of=NIGHT)


def campaign_with_a_run(folder: Path, visitors: int = 60, hosts: int = 15, seed: int = 11) -> Path:
    """A small campaign with one run, ``runs/r1`` (a module's original: tests work on copies)."""
    small_campaign(folder, visitors, hosts, seed)
    run_campaign(folder, folder / "runs" / "r1", "r1")
    return folder


def working_copy(original: Path, tmp_path: Path) -> Path:
    """A copy of ``original`` a test may change."""
    copy = tmp_path / "campaign"
    shutil.copytree(original, copy)
    return copy


def small_campaign(folder: Path, visitors: int = 60, hosts: int = 15, seed: int = 11) -> Path:
    write_campaign(generate_campaign(visitors, hosts, seed), folder)
    return folder


def run_campaign(folder: Path, target: Path, run_id: str, previous: Path | None = None) -> Path:
    """One run of the campaign as ``cxmatch run`` makes it (decision log read)."""
    campaign, carry, read = campaign_with_log(load_campaign(folder), folder, previous)
    options = RunOptions(time_limit_s=FAST.time_limit_s, workers=1, carryover=carry, as_of=NIGHT)
    result = run_night(campaign, options)
    assert result.violations == []
    written = write_run(target, run_id, campaign, options, result, campaign_folder=folder)
    mark_read(log_path(folder), run_id, read)
    return written


def decisions_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = ["visitor_id", "host_id", "decision", "note", "decided_by", "decided_on"]
    pd.DataFrame(rows, columns=columns).astype(object).fillna("").to_csv(path, index=False)
    return path


def answer(proposals: pd.DataFrame, decision: str, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"visitor_id": v, "host_id": h, "decision": decision, **extra}
        for v, h in zip(proposals["visitor_id"], proposals["host_id"], strict=True)
    ]


def withdraw_directly(path: Path, seq: int) -> None:
    """Insert, past every check of cxmatch's own, a withdrawal of the event ``seq`` by its own
    author (what the schema's trigger must judge alone)."""
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO events (visitor_id, host_id, side, decision, withdraws, partnership,"
            " decided_by, decided_on, note, actor, source, mode, start_day, end_day, score,"
            " run_id, proposed_by, recorded_at) SELECT visitor_id, host_id, side,"
            " 'withdrawn', seq, partnership, decided_by, decided_on, note, actor, source,"
            " mode, start_day, end_day, score, run_id, proposed_by, recorded_at"
            " FROM events WHERE seq = ?",
            (seq,),
        )
