"""Replay a campaign night by night through the nightly job's own code path.

Each night: the campaign *as it stands that night* (the profiles that have arrived) goes
through the one checked night (:func:`engine.review.checked_night.checked_night`, what
``cxmatch run`` and ``nightly`` run) *as of the night's date*, so the same rules hold: no
proposal starts before the night plus the policy's ``lead_days``, and the decisions so far,
kept as decision-log records, become history rows (:func:`engine.review.log.with_decisions`)
and locked exchanges (:func:`engine.review.carryover.carryover`): an accepted exchange
occupies its host on its dates, its visitor gets no new proposal (but a physical one after a
virtual exchange), its organisation's physical visit is used; rejected pairs are never
proposed again; KPIs progress.

Everything random is drawn from streams keyed by (seed, purpose, ...), so the same scenario and
seed give the same results in any process, and two scenarios share their draws for the same
pair on the same night (common random numbers: their difference is the scenario's, not noise).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import POSITIVE_OUTCOMES, Campaign
from engine.night.options import RunOptions
from engine.output.run_folder import kpis_with_diagnosis
from engine.review.carryover import carryover
from engine.review.checked_night import NightRefused, checked_night
from engine.review.log import LOG_COLUMNS, with_decisions
from engine.synthetic.generator import hidden_acceptance_probability
from scenarios.figures import ALREADY_ACCEPTED, kpi_end, kpi_progress, night_row, summary_of
from scenarios.lumpsum import lump_sums
from scenarios.spec import Acceptance
from scenarios.whatif import PreparedScenario, night_dates
from scoring.eligibility import in_generation

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

PROPOSAL_COLUMNS = (
    "night",
    "night_date",
    "visitor_id",
    "host_id",
    "group_id",
    "start",
    "end",
    "stay_days",
    "mode",
    "score",
    "band",
    "category",
    "visitor_partnership",
    "host_partnership",
    "visitor_country",
    "host_country",
    "p_accept",
    "acceptance_probability",
    "outcome",
    "lump_sum_eur",
)
# outcome of a proposal: "accepted" / "rejected" (decided tonight), or "already_accepted" for an
# exchange of the generation proposed again in its own mode (never by the engine's rules; a
# physical proposal after a virtual exchange of the pair is decided as any): not decided twice.


class SimulationFailed(Exception):
    """A night could not be run; ``reason`` is the night's refusal
    (:data:`engine.review.checked_night.NO_ASSIGNMENT` or ``RULES_BROKEN``), empty for
    anything else. The command line maps it to an exit code."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message, reason)  # args as given: the error pickles (Dask workers)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Everything a simulation produced. All but ``timings`` is deterministic in (scenario, seed)."""

    scenario: dict[str, Any]
    seed: int
    summary: dict[str, Any]
    nights: pd.DataFrame  # one row per night
    proposals: pd.DataFrame  # every proposal of every night, with its decision
    kpi_progress: pd.DataFrame  # per night (0 = before the first) x partnership x category
    kpis: pd.DataFrame  # per partnership x category: start, end, night met, shortfall
    timings: dict[str, float] = field(default_factory=dict)
    # SHA-256 of the base campaign's input files (and, from the command line, the scenario
    # file's), for the manifest
    input_hashes: dict[str, str] = field(default_factory=dict)


def simulate(prepared: PreparedScenario, progress: Progress | None = None) -> SimulationResult:
    """Run every night of a prepared scenario. Raises :class:`SimulationFailed`."""
    say = progress or (lambda _message: None)
    scenario, seed = prepared.scenario, prepared.seed
    options = RunOptions(
        time_limit_s=scenario.engine.time_limit_s,
        workers=scenario.engine.workers,
        seed=seed,
        top_k=scenario.engine.top_k,
    )
    records = empty_records()
    dates = night_dates(prepared.first_night, scenario.nights, scenario.days_between_nights)
    night_rows: list[dict[str, Any]] = []
    proposal_frames: list[pd.DataFrame] = []
    progress_frames = [kpi_progress(_view(prepared, 1, dates[0]), 0, None)]
    timings: dict[str, float] = {}
    for night, night_date in enumerate(dates, start=1):
        started = time.perf_counter()
        view = _view(prepared, night, night_date)
        campaign = with_decisions(view, records)
        carry = carryover(records) if len(records) else None
        say(f"night {night}/{len(dates)} ({night_date}): running the nightly job")
        try:
            result = checked_night(campaign, replace(options, carryover=carry, as_of=night_date))
        except NightRefused as refused:
            raise SimulationFailed(f"night {night}: {refused}", refused.reason) from None
        decided = _decide(campaign, result.proposals, scenario.acceptance, seed, night)
        decided.insert(0, "night_date", pd.Timestamp(night_date))
        decided.insert(0, "night", night)
        records = pd.concat(
            [records, _records(decided, night, night_date, len(records))], ignore_index=True
        )
        after = with_decisions(view, records)
        kpi_now = kpi_progress(after, night, night_date, kpis_with_diagnosis(result))
        progress_frames.append(kpi_now)
        proposal_frames.append(decided[list(PROPOSAL_COLUMNS)])
        matched = set(carry.locked["visitor_id"]) if carry is not None else set()
        so_far = pd.concat(proposal_frames, ignore_index=True)
        night_rows.append(
            night_row(night, night_date, campaign, matched, decided, result, kpi_now, so_far)
        )
        timings[f"night_{night}_s"] = round(time.perf_counter() - started, 3)
        say(
            f"night {night}: {len(decided)} proposals, "
            f"{int((decided['outcome'] == 'accepted').sum())} accepted"
        )
    proposals = pd.concat(proposal_frames, ignore_index=True)
    progress_table = pd.concat(progress_frames, ignore_index=True)
    nights = pd.DataFrame.from_records(night_rows)
    kpis = kpi_end(progress_table, dates)
    summary = summary_of(scenario, seed, dates, nights, proposals, kpis)
    summary["min_sme_share"] = prepared.campaign.policy.min_sme_share
    summary["budgets"] = dict(sorted(prepared.campaign.policy.budgets.items()))
    return SimulationResult(
        scenario=scenario.as_dict(),
        seed=seed,
        summary=summary,
        nights=nights,
        proposals=proposals,
        kpi_progress=progress_table,
        kpis=kpis,
        timings=timings,
        input_hashes=dict(prepared.campaign.input_hashes),
    )


# --- the campaign as it stands on a night -----------------------------------------------------


def _view(prepared: PreparedScenario, night: int, night_date: date) -> Campaign:
    """Profiles published by tonight (the night itself keeps proposals after its date plus
    the lead time). History: the campaign's own, before any decision."""
    base = prepared.campaign
    profiles = base.profiles[prepared.arrival_night <= night].reset_index(drop=True)
    return base.replace(profiles=profiles)


# --- decisions ----------------------------------------------------------------------------------


def _decide(
    campaign: Campaign, proposals: pd.DataFrame, acceptance: Acceptance, seed: int, night: int
) -> pd.DataFrame:
    """The proposals with ``acceptance_probability``, ``outcome`` and ``lump_sum_eur``."""
    # an exchange of the generation proposed again in its own mode (the engine proposes a
    # pair again only as a physical exchange after a virtual one, which is decided as any)
    history = campaign.history
    positive = in_generation(history[history["outcome"].isin(POSITIVE_OUTCOMES)], campaign.policy)
    done = set(zip(positive["visitor_id"], positive["host_id"], positive["mode"], strict=True))
    pairs = list(zip(proposals["visitor_id"], proposals["host_id"], strict=True))
    already = np.array(
        [(*pair, mode) in done for pair, mode in zip(pairs, proposals["mode"], strict=True)],
        dtype=bool,
    )
    probability = np.clip(_probability(campaign, proposals, acceptance) * acceptance.scale, 0, 1)
    draws = np.array([uniform_draw(seed, night, v, h) for v, h in pairs], dtype=np.float64)
    outcome = np.where(
        already, ALREADY_ACCEPTED, np.where(draws < probability, "accepted", "rejected")
    )
    accepted = outcome == "accepted"
    sums = lump_sums(
        proposals["host_country"], proposals["stay_days"], proposals["mode"],
        campaign.policy.lump_sums, campaign.policy.short_stay_rate,
    )  # fmt: skip
    return proposals.assign(
        acceptance_probability=probability.round(6),
        outcome=outcome,
        lump_sum_eur=np.where(accepted, sums, 0.0),
    )


def _probability(campaign: Campaign, proposals: pd.DataFrame, acceptance: Acceptance) -> np.ndarray:
    if acceptance.model == "constant":
        assert acceptance.probability is not None  # checked when the scenario is read
        return np.full(len(proposals), acceptance.probability)
    if acceptance.model == "hidden":
        position = pd.Series(
            np.arange(len(campaign.profiles)), index=campaign.profiles["profile_id"]
        )
        return hidden_acceptance_probability(
            campaign.profiles,
            position.loc[proposals["visitor_id"]].to_numpy(),
            position.loc[proposals["host_id"]].to_numpy(),
        )
    return proposals["p_accept"].to_numpy(np.float64)  # the calibrated chance (the score is a rank)


def uniform_draw(seed: int, night: int, visitor_id: str, host_id: str) -> float:
    """A uniform [0, 1) number for one decision, keyed by (seed, night, pair)."""
    key = f"{seed}|{night}|{visitor_id}|{host_id}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") / 2.0**64


def empty_records() -> pd.DataFrame:
    """An empty decision log (the columns :func:`engine.review.log.read_log` returns)."""
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in LOG_COLUMNS})


def _records(decided: pd.DataFrame, night: int, night_date: date, seq: int) -> pd.DataFrame:
    """Tonight's decisions as decision-log records, as reviewers' decision files become."""
    new = decided[decided["outcome"] != ALREADY_ACCEPTED]
    day = night_date.isoformat()
    rows = pd.DataFrame(
        {
            "seq": np.arange(seq + 1, seq + 1 + len(new), dtype=np.int64),
            "visitor_id": new["visitor_id"].astype(str).to_numpy(),
            "host_id": new["host_id"].astype(str).to_numpy(),
            "decision": new["outcome"].astype(str).to_numpy(),
            "decided_on": day,
            "decided_by": "simulation",
            "note": "",
            "mode": new["mode"].astype(str).to_numpy(),
            "start_day": new["start"].dt.strftime("%Y-%m-%d").to_numpy(),
            "end_day": new["end"].dt.strftime("%Y-%m-%d").to_numpy(),
            "score": new["score"].astype(float).to_numpy(),
            "run_id": f"night-{night}",
            "import_id": night,
        }
    )
    return rows[list(LOG_COLUMNS)].astype(object)
