"""Decision files coming in: one file recorded in the decision log (``cxmatch decide`` and the
nightly inbox share it), and the nightly inbox (``CAMPAIGN/inbox/``).

A file's valid rows are recorded and every problem row is listed at once; ``strict`` keeps the
old all-or-nothing. In the inbox, an imported file moves to ``inbox/imported/``; when some of
its rows had problems, ``<file>.problems.txt`` stays in the inbox listing them (fix those rows
and drop them in again: rows recorded already change nothing).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from engine.domain.contract import Campaign
from engine.load.decision_files import DecisionFile, read_decision_file, unknown_runs
from engine.output.folders import RunFolder, list_runs
from engine.review.limits import exchange_limits
from engine.review.log import (
    DecisionsInvalid,
    FileInfo,
    ImportResult,
    log_path,
    read_log,
    record_requests,
)
from engine.review.parties import Reviewer
from engine.review.proposed import campaign_runs, proposals_by_run, proposed_pairs
from engine.review.rules import Request

INBOX = "inbox"
IMPORTED = "imported"


def decision_file(path: Path) -> DecisionFile:
    """The file's rows; raises :class:`DecisionsInvalid` with every problem of its form."""
    file, problems = read_decision_file(path)
    if file is None or problems:
        raise DecisionsInvalid(path.name, problems)
    return file


def requests_of(file: DecisionFile, answering: str = "") -> list[Request]:
    """The file's rows as answers, each to the run its ``run_id`` names (else ``answering``:
    the run ``decide`` is given; else whichever run proposed the pair last)."""
    return [
        Request(
            visitor_id=r["visitor_id"],
            host_id=r["host_id"],
            decision=r["decision"],
            side=r["side"],
            note=r["note"],
            decided_by=r["decided_by"],
            decided_on=r["decided_on"],
            partnership=r["partnership"],
            row=int(r["row"]),
            run_id=str(r.get("run_id") or answering or ""),
        )  # fmt: skip
        for r in file.rows.to_dict("records")
    ]


def record_file(
    file: DecisionFile,
    campaign_folder: Path,
    campaign: Campaign,
    runs: Sequence[RunFolder] = (),
    night: date | None = None,
    *,
    dry_run: bool = False,
    strict: bool = False,
    reviewer: Reviewer | None = None,
    answering: str = "",
) -> ImportResult:
    """Record one decision file in the campaign's decision log: every valid row (all or
    nothing with ``strict``; nothing with ``dry_run``). Pairs are matched to the run of the
    campaign that proposed them (``runs`` kept elsewhere count too): the run a row's
    ``run_id`` names, else ``answering`` (the run ``decide`` is given), where it proposed the
    pair, else the latest that did. Undated answers are dated ``night`` (default: today)."""
    every_run = campaign_runs(campaign_folder, *runs)
    file, unknown = unknown_runs(file, {run.run_id for run in every_run})  # issue 16
    by_run = proposals_by_run(every_run, campaign)  # every run's proposals, read once
    result = record_requests(
        log_path(campaign_folder),
        requests_of(file, answering),
        reviewer or Reviewer(),
        proposed_pairs(every_run, campaign, read_log(log_path(campaign_folder)), by_run),
        exchange_limits(campaign),
        today=night,
        file=FileInfo(file.name, file.sha256, file.unanswered),
        dry_run=dry_run or (strict and bool(unknown)),
        strict=strict,
        policy=campaign.policy,
        by_run=by_run,
    )
    if not unknown:
        return result
    return replace(result, problems=[*unknown, *result.problems], dry_run=dry_run)


def record_answers(
    campaign_folder: Path,
    campaign: Campaign,
    requests: Sequence[Request],
    reviewer: Reviewer,
    *,
    source: str = "api",
    night: date | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Record answers that come without a file (the review web app and its API): the same
    validation as a file's rows, against every run of the campaign."""
    return record_requests(
        log_path(campaign_folder),
        requests,
        reviewer,
        proposed_pairs(
            campaign_runs(campaign_folder), campaign, read_log(log_path(campaign_folder))
        ),
        exchange_limits(campaign),
        today=night,
        source=source,
        dry_run=dry_run,
        policy=campaign.policy,
    )


def import_inbox(
    folder: Path, campaign: Campaign, night: date | None = None, runs_root: Path | None = None
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
    elsewhere = list_runs(runs_root, folder) if runs_root is not None else []
    imported: list[ImportResult] = []
    invalid: list[DecisionsInvalid] = []
    for path in files:
        problems_file = path.with_name(path.name + ".problems.txt")
        try:
            file = decision_file(path)
        except DecisionsInvalid as error:  # unreadable: it stays, with its problems
            invalid.append(error)
            problems_file.write_text(str(error) + "\n", encoding="utf-8")
            continue
        result = record_file(file, folder, campaign, elsewhere, night)
        imported.append(result)
        notes = [*file.warnings]
        if result.problems:
            listed = DecisionsInvalid(file.name, result.problems, result.recorded)
            invalid.append(listed)
            notes.insert(0, str(listed))
        if notes:
            problems_file.write_text("\n".join(notes) + "\n", encoding="utf-8")
        else:
            problems_file.unlink(missing_ok=True)
        _move_imported(path, inbox / IMPORTED)
    return imported, invalid


def _move_imported(path: Path, done: Path) -> None:
    done.mkdir(exist_ok=True)
    target = done / path.name
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = done / f"{path.stem}-{stamp}{path.suffix}"
    os.replace(path, target)
