"""Decision files coming in: one file recorded in the decision log (``cxmatch decide`` and the
inbox share it), and the nightly inbox (``CAMPAIGN/inbox/``: imported files move to
``inbox/imported/``; a file with problems stays, with ``<file>.problems.txt`` beside it)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from engine.domain.contract import Campaign
from engine.domain.problems import Problem
from engine.load.decision_files import DecisionFile, read_decision_file
from engine.output.folders import RunFolder, latest_run, list_runs
from engine.output.review_files import host_capacity
from engine.review.log import DecisionsInvalid, ImportResult, import_decisions, log_path

INBOX = "inbox"
IMPORTED = "imported"


def decision_file(path: Path) -> DecisionFile:
    """The file's rows; raises :class:`DecisionsInvalid` with every problem of its form."""
    file, problems = read_decision_file(path)
    if file is None or problems:
        raise DecisionsInvalid(path.name, problems)
    return file


def record_file(
    file: DecisionFile,
    campaign_folder: Path,
    campaign: Campaign,
    run: RunFolder,
    night: date | None = None,
) -> ImportResult:
    """Record one decision file answering ``run`` in the campaign's decision log, all or
    nothing; raises :class:`DecisionsInvalid` with every problem. Undated decisions are dated
    ``night`` (default: today)."""
    return import_decisions(
        log_path(campaign_folder), file, run.proposals(), run.run_id, host_capacity(campaign), night
    )


def import_inbox(
    folder: Path, runs_root: Path, campaign: Campaign, night: date | None = None
) -> tuple[list[ImportResult], list[DecisionsInvalid]]:
    """Import every decision file in the inbox, in name order; one transaction per file.
    A decision without ``decided_on`` is dated ``night`` (default: today)."""
    inbox = folder / INBOX
    if not inbox.is_dir():
        return [], []
    files = sorted(
        p
        for p in inbox.iterdir()
        if p.is_file()
        and p.suffix.lower() in (".csv", ".xlsx")
        and not p.name.startswith((".", "~$"))
    )
    imported: list[ImportResult] = []
    invalid: list[DecisionsInvalid] = []
    for path in files:
        problems_file = path.with_name(path.name + ".problems.txt")
        try:
            file = decision_file(path)
            run = _answered_run(file, path, folder, runs_root)
            result = record_file(file, folder, campaign, run, night)
        except DecisionsInvalid as error:
            invalid.append(error)
            problems_file.write_text(str(error) + "\n", encoding="utf-8")
            continue
        imported.append(result)
        problems_file.unlink(missing_ok=True)
        _move_imported(path, inbox / IMPORTED)
    return imported, invalid


def _answered_run(file: DecisionFile, path: Path, folder: Path, runs_root: Path) -> RunFolder:
    """The run a file answers: the one its ``run_id`` column names, else the latest."""
    run_ids = sorted(set(file.rows["run_id"]) - {""})
    runs = {run.run_id: run for run in list_runs(runs_root, folder)}
    if len(run_ids) > 1:
        message = f"answers several runs ({', '.join(run_ids)}); one file per run"
        raise DecisionsInvalid(path.name, [Problem(path.name, None, "run_id", None, message)])
    if run_ids:
        run = runs.get(run_ids[0])
        if run is None:
            message = f"names no run of this campaign in {runs_root}"
            raise DecisionsInvalid(
                path.name, [Problem(path.name, None, "run_id", run_ids[0], message)]
            )
    else:
        run = latest_run(runs_root, folder)
        if run is None:
            message = "cannot be checked: the campaign has no run yet"
            raise DecisionsInvalid(path.name, [Problem(path.name, None, None, None, message)])
    return run


def _move_imported(path: Path, done: Path) -> None:
    done.mkdir(exist_ok=True)
    target = done / path.name
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = done / f"{path.stem}-{stamp}{path.suffix}"
    os.replace(path, target)
