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

from engine.check.kpis import kpi_table
from engine.domain.contract import POSITIVE_OUTCOMES, Campaign
from engine.night.options import RunOptions
from engine.review.carryover import carryover
from engine.review.checked_night import NightRefused, checked_night
from engine.review.log import LOG_COLUMNS, with_decisions
from engine.synthetic.generator import hidden_acceptance_probability
from scenarios.lumpsum import lump_sums
from scenarios.spec import Acceptance, Scenario
from scenarios.whatif import PreparedScenario, night_dates

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
    "acceptance_probability",
    "outcome",
    "lump_sum_eur",
)
# outcome of a proposal: "accepted" / "rejected" (decided tonight), or "already_accepted" for a
# pair the engine proposes again although it is accepted (a locked pair): not decided twice.
ALREADY_ACCEPTED = "already_accepted"


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
    progress_frames = [_kpi_progress(_view(prepared, 1, dates[0]), 0, None)]
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
        kpi_now = _kpi_progress(after, night, night_date)
        progress_frames.append(kpi_now)
        proposal_frames.append(decided[list(PROPOSAL_COLUMNS)])
        matched = set(carry.locked["visitor_id"]) if carry is not None else set()
        night_rows.append(
            _night_row(night, night_date, campaign, matched, decided, result, kpi_now)
        )
        timings[f"night_{night}_s"] = round(time.perf_counter() - started, 3)
        say(
            f"night {night}: {len(decided)} proposals, "
            f"{int((decided['outcome'] == 'accepted').sum())} accepted"
        )
    proposals = pd.concat(proposal_frames, ignore_index=True)
    kpi_progress = pd.concat(progress_frames, ignore_index=True)
    nights = pd.DataFrame.from_records(night_rows)
    kpis = _kpi_end(kpi_progress, dates)
    summary = _summary(scenario, seed, dates, nights, proposals, kpis)
    summary["min_sme_share"] = prepared.campaign.policy.min_sme_share
    return SimulationResult(
        scenario=scenario.as_dict(),
        seed=seed,
        summary=summary,
        nights=nights,
        proposals=proposals,
        kpi_progress=kpi_progress,
        kpis=kpis,
        timings=timings,
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
    positive = campaign.history[campaign.history["outcome"].isin(POSITIVE_OUTCOMES)]
    done = set(zip(positive["visitor_id"], positive["host_id"], strict=True))
    pairs = list(zip(proposals["visitor_id"], proposals["host_id"], strict=True))
    already = np.array([pair in done for pair in pairs], dtype=bool)
    probability = np.clip(_probability(campaign, proposals, acceptance) * acceptance.scale, 0, 1)
    draws = np.array([uniform_draw(seed, night, v, h) for v, h in pairs], dtype=np.float64)
    outcome = np.where(
        already, ALREADY_ACCEPTED, np.where(draws < probability, "accepted", "rejected")
    )
    accepted = outcome == "accepted"
    sums = lump_sums(
        proposals["host_country"], proposals["stay_days"], proposals["mode"],
        campaign.policy.lump_sums,
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


# --- KPIs and per-night figures -------------------------------------------------------------------


def _kpi_progress(campaign: Campaign, night: int, night_date: date | None) -> pd.DataFrame:
    table = kpi_table(campaign, pd.DataFrame({"visitor_id": pd.Series([], dtype=str)}))
    achieved = table["achieved_before"]
    return pd.DataFrame(
        {
            "night": night,
            "night_date": pd.Timestamp(night_date) if night_date else pd.NaT,
            "partnership": table["partnership"],
            "category": table["category"],
            "target": table["target"],
            "achieved": achieved,
            "shortfall": (table["target"] - achieved).clip(lower=0),
            "met": (table["target"] > 0) & (achieved >= table["target"]),
        }
    )


def _night_row(
    night: int,
    night_date: date,
    campaign: Campaign,
    matched: set[str],
    decided: pd.DataFrame,
    result: Any,
    kpi_now: pd.DataFrame,
) -> dict[str, Any]:
    """``visitors_open``: published, validated, no exchange accepted on an earlier night."""
    profiles = campaign.profiles
    open_ = (
        (profiles["status"] == "published")
        & profiles["validated"]
        & ~profiles["profile_id"].isin(matched)
    )
    new = decided[decided["outcome"] != ALREADY_ACCEPTED]
    accepted = new[new["outcome"] == "accepted"]
    quotas = kpi_now[kpi_now["target"] > 0]
    return {
        "night": night,
        "night_date": pd.Timestamp(night_date),
        "visitors_open": int((open_ & (profiles["role"] == "visitor")).sum()),
        "hosts_open": int((open_ & (profiles["role"] == "host")).sum()),
        "proposals": len(new),
        "accepted": len(accepted),
        "acceptance_rate": _ratio(len(accepted), len(new)),
        "sme_share_proposed": _ratio(int((new["category"] == "sme").sum()), len(new)),
        "sme_share_accepted": _ratio(int((accepted["category"] == "sme").sum()), len(accepted)),
        "mean_score_proposed": _mean(new["score"]),
        "mean_score_accepted": _mean(accepted["score"]),
        "physical_accepted": int((accepted["mode"] == "physical").sum()),
        "lump_sum_eur": float(accepted["lump_sum_eur"].sum()),
        "kpis_met": int(quotas["met"].sum()),
        "kpis": len(quotas),
        "solver_status": result.solve.status.value,
        "objective": result.solve.objective,
        "quota_shortfall_solver": int(sum(result.solve.shortfalls)),
    }


def _kpi_end(progress: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    """Per KPI: target, achieved at the start and at the end, the night it was met, shortfall."""
    keys = ["partnership", "category"]
    start = progress[progress["night"] == 0].set_index(keys)
    end = progress[progress["night"] == progress["night"].max()].set_index(keys)
    met = progress[progress["met"]].groupby(keys)["night"].min()
    table = end[["target"]].assign(
        achieved_start=start["achieved"].reindex(end.index).fillna(0).astype(np.int64),
        achieved_end=end["achieved"],
        met_night=met.reindex(end.index).astype("Int64"),
        shortfall=end["shortfall"],
    )
    night_date = {night: pd.Timestamp(day) for night, day in enumerate(dates, start=1)}
    table["met_date"] = table["met_night"].map(lambda n: night_date.get(n) if pd.notna(n) else None)
    table["met_date"] = pd.to_datetime(table["met_date"])
    return table.reset_index()


def _summary(
    scenario: Scenario,
    seed: int,
    dates: list[date],
    nights: pd.DataFrame,
    proposals: pd.DataFrame,
    kpis: pd.DataFrame,
) -> dict[str, Any]:
    new = proposals[proposals["outcome"] != ALREADY_ACCEPTED]
    accepted = new[new["outcome"] == "accepted"]
    quotas = kpis[kpis["target"] > 0]
    attainment = (quotas["achieved_end"] / quotas["target"]).clip(upper=1.0)
    all_met = nights.loc[nights["kpis_met"] == nights["kpis"], "night"]
    met_at_start = bool(len(quotas)) and bool((quotas["met_night"] == 0).all())
    return {
        "scenario": scenario.name,
        "digest": scenario.digest(),
        "seed": seed,
        "nights": len(dates),
        "first_night": dates[0].isoformat(),
        "last_night": dates[-1].isoformat(),
        "proposals": len(new),
        "accepted": len(accepted),
        "acceptance_rate": _ratio(len(accepted), len(new)),
        "sme_share_accepted": _ratio(int((accepted["category"] == "sme").sum()), len(accepted)),
        "mean_score_accepted": _mean(accepted["score"]),
        "total_score_accepted": round(float(accepted["score"].sum()), 2),
        "physical_accepted": int((accepted["mode"] == "physical").sum()),
        "lump_sum_eur": round(float(accepted["lump_sum_eur"].sum()), 2),
        "kpis": len(quotas),
        "kpis_met": int(quotas["shortfall"].eq(0).sum()),
        "kpi_attainment": round(float(attainment.mean()), 4) if len(quotas) else None,
        "shortfall": int(quotas["shortfall"].sum()),
        "nights_to_target": 0 if met_at_start else (int(all_met.min()) if len(all_met) else None),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 3) if len(values) else None
