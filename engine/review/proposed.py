"""Which pairs the campaign's runs proposed: an answer is matched to the run that proposed its
pair, whichever night it comes in (the latest run proposing the pair, when several did).

Runs live in one place, ``CAMPAIGN/runs`` (``cxmatch run`` and ``cxmatch nightly`` both write
there by default), so every entry point sees every run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.domain.contract import Campaign
from engine.output.folders import RunFolder, RunUnreadable, list_runs
from engine.review.parties import Proposal
from engine.review.rules import Pair
from engine.review.state import pair_states

RUNS = "runs"
COLUMNS = ("visitor_id", "host_id", "mode", "start", "end", "score")
LUMP_SUM = "lump_sum_eur"  # what a physical exchange costs its visitor's partnership


def runs_root(campaign_folder: Path) -> Path:
    return Path(campaign_folder) / RUNS


def campaign_runs(campaign_folder: Path, *extra: RunFolder) -> list[RunFolder]:
    """The campaign's runs in time order, and ``extra`` runs kept elsewhere."""
    runs = list_runs(runs_root(campaign_folder), Path(campaign_folder))
    known = {run.path.resolve() for run in runs}
    runs += [run for run in extra if run.path.resolve() not in known]
    return sorted(runs, key=lambda run: (run.run_id, run.path.name))


def proposed_pairs(
    runs: list[RunFolder],
    campaign: Campaign,
    events: pd.DataFrame | None = None,
    by_run: dict[tuple[str, str, str], Proposal] | None = None,
) -> dict[Pair, Proposal]:
    """Every pair the runs proposed, as the latest run proposing it gave it; and, with the
    decision log's ``events``, every exchange it holds whose run is not among them (a run
    written elsewhere than ``CAMPAIGN/runs``): it may still be cancelled. ``by_run``: the
    runs' :func:`proposals_by_run`, where the caller has read them already."""
    partnership = dict(
        zip(
            campaign.profiles["profile_id"].astype(str),
            campaign.profiles["partnership"].astype(str),
            strict=True,
        )
    )
    found: dict[Pair, Proposal] = {}
    if by_run is None:
        by_run = proposals_by_run(runs, campaign)
    for (visitor, host, _), proposal in by_run.items():
        found[(visitor, host)] = proposal  # the runs in time order: the latest stays
    if events is not None and len(events):
        states = pair_states(events)
        for record in states[states["status"] == "exchange"].to_dict("records"):
            visitor, host = str(record["visitor_id"]), str(record["host_id"])
            if (visitor, host) not in found:
                found[(visitor, host)] = Proposal(
                    visitor, host, str(record["mode"]), str(record["start_day"]),
                    str(record["end_day"]), float(record["score"]), str(record["run_id"]),
                    partnership.get(visitor, ""), partnership.get(host, ""),
                )  # fmt: skip
    return found


def proposals_by_run(
    runs: list[RunFolder], campaign: Campaign
) -> dict[tuple[str, str, str], Proposal]:
    """(visitor, host, run_id) -> the pair as that run proposed it, every run in order: an
    answer that names its run (a decision file's ``run_id``, the run ``decide`` is given) is
    to that run's dates (the reviewers' audit: a workbook returned a night late was recorded
    on the next night's dates, an exchange on dates neither side saw)."""
    partnership = dict(
        zip(
            campaign.profiles["profile_id"].astype(str),
            campaign.profiles["partnership"].astype(str),
            strict=True,
        )
    )
    found: dict[tuple[str, str, str], Proposal] = {}
    for run in runs:
        try:
            table = run.proposals()
        except RunUnreadable:
            continue
        if not set(COLUMNS) <= set(table.columns):
            continue
        for record in _with_lump_sums(table)[[*COLUMNS, LUMP_SUM]].to_dict("records"):
            visitor, host = str(record["visitor_id"]), str(record["host_id"])
            found[(visitor, host, run.run_id)] = Proposal(
                visitor, host, str(record["mode"]), _iso(record["start"]), _iso(record["end"]),
                float(record["score"]), run.run_id,
                partnership.get(visitor, ""), partnership.get(host, ""),
                lump_sum_eur=float(record[LUMP_SUM]),
            )  # fmt: skip
    return found


def _with_lump_sums(table: pd.DataFrame) -> pd.DataFrame:
    """The proposals with their lump sums (0 where a run does not say)."""
    if LUMP_SUM not in table.columns:
        return table.assign(**{LUMP_SUM: 0.0})
    return table.assign(**{LUMP_SUM: pd.to_numeric(table[LUMP_SUM], errors="coerce").fillna(0.0)})


def _iso(value: object) -> str:
    return pd.Timestamp(str(value)).date().isoformat()
