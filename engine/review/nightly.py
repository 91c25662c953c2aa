"""The nightly loop: import reviewers' decisions, run the checked night, write its run folder.

Folders of a campaign ``CAMPAIGN/``:

* ``inbox/``: reviewers drop decision files here (CSV or the run's ``proposals.xlsx``);
  imported files move to ``inbox/imported/``; a file with problems stays, with every
  problem listed in ``<file>.problems.txt`` beside it, until it is fixed;
* ``decisions.sqlite``: the decision log (:mod:`engine.review.log`);
* ``runs/<YYYYMMDD>-nightly/``: one run folder per night (``--runs`` elsewhere).

Safe to re-run: files are imported once (by content), tonight's run folder is written once
(atomically; a second call the same night finds it and stops), and a failure at any step
leaves earlier runs and the decision log as they were. One nightly at a time per campaign
(a lock file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.load.campaign import load_campaign
from engine.night.later import with_later_decisions_said
from engine.night.night import NightResult
from engine.night.options import RunOptions
from engine.output.folders import latest_run
from engine.output.run_folder import write_run
from engine.review.carryover import night_carryover
from engine.review.checked_night import checked_night
from engine.review.drift import drift_report
from engine.review.inbox import import_inbox
from engine.review.log import (
    DecisionsInvalid,
    ImportResult,
    log_path,
    mark_read,
    night_events,
    read_log,
    with_decisions,
)
from engine.review.log_backup import campaign_lock
from engine.review.proposed import RUNS
from engine.review.state import pair_states

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NightlyOptions:
    run: RunOptions = field(default_factory=RunOptions)
    runs: Path | None = None  # default CAMPAIGN/runs
    night: date | None = None  # default today (UTC)
    include_contacts: bool = False


@dataclass(frozen=True)
class NightReport:
    run_folder: Path
    ran: bool  # False: tonight's run existed already (a re-run of the same night)
    imported: list[ImportResult]
    invalid: list[DecisionsInvalid]
    result: NightResult | None = None


def night_id(night: date) -> str:
    return f"{night:%Y%m%d}-nightly"


def run_nightly(
    folder: Path,
    options: NightlyOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> NightReport:
    """One night of a campaign. Raises CampaignInvalid (bad campaign) or NightRefused.

    The score model is chosen by the night itself (:func:`engine.night.scorer.choose_scorer`):
    it learns from the campaign's history, decisions included, whenever there are enough
    labelled decisions; the manifest's ``scorer`` says which model ran and why."""
    options = options or NightlyOptions()
    say = progress or (lambda _message: None)
    folder = Path(folder).resolve()
    runs_root = Path(options.runs) if options.runs else folder / RUNS
    night = options.night or datetime.now(UTC).date()
    name = night_id(night)
    target = runs_root / name
    with campaign_lock(folder):
        say("loading campaign")
        campaign = load_campaign(folder)
        say("importing decisions from the inbox")
        elsewhere = None if runs_root.resolve() == (folder / RUNS).resolve() else runs_root
        imported, invalid = import_inbox(folder, campaign, options.night, elsewhere)
        if (target / "manifest.json").is_file():
            say(f"{target} exists: tonight has run already")
            return NightReport(target, False, imported, invalid)
        records = read_log(log_path(folder))
        night_campaign = with_later_decisions_said(
            with_decisions(campaign, records), night, campaign.history
        )
        for warning in night_campaign.warnings:  # the manifest keeps them too
            log.warning(warning)
        previous = latest_run(runs_root, folder, before=name)
        carry = night_carryover(night_events(records, campaign), previous)
        run_options = replace(options.run, carryover=carry, as_of=night)
        result = checked_night(night_campaign, run_options, say)
        say(f"writing {target}")
        extra: dict[str, Any] = {"nightly": {"night": name, "labels": _labels(records)}}
        if previous is not None:  # last night's expected acceptances against the decisions
            drift = drift_report(previous.proposals(), previous.run_id, records)
            extra["drift"] = drift
            for warning in drift["warnings"]:
                log.warning(warning)
                say(warning)
        write_run(
            target, name, night_campaign, run_options, result,
            campaign_folder=folder, include_contacts=options.include_contacts, extra=extra,
        )  # fmt: skip
        mark_read(log_path(folder), name, records)  # written: its answers are read for good
        return NightReport(target, True, imported, invalid, result)


def _labels(records: pd.DataFrame) -> int:
    """Pairs with a final state (an exchange, rejected or cancelled): labels to learn from."""
    states = pair_states(records)
    return int(states["status"].isin(("exchange", "rejected", "cancelled")).sum())
