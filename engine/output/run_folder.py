"""The run folder of one night: proposals, candidates, KPIs and the manifest."""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from engine import __version__
from engine.domain.contract import Campaign
from engine.night.night import NightResult
from engine.night.options import RunOptions
from engine.night.unmatched import tally
from engine.output.exports import write_csv
from engine.output.review_files import review_tables, review_writers
from engine.output.store import Writer, json_writer, write_atomically
from engine.output.words import in_words

PROPOSAL_COLUMNS = (
    "run_id",
    "visitor_id",
    "host_id",
    "group_id",
    "start",
    "end",
    "stay_days",
    "mode",
    "group_language",
    "lump_sum_eur",
    "score",
    "p_accept",
    "band",
    "category",
    "visitor_partnership",
    "host_partnership",
    "visitor_country",
    "host_country",
    "reasons",
)


def versions() -> dict[str, str]:
    found = {"cxmatch": __version__, "python": platform.python_version()}
    for package in ("ortools", "numpy", "pandas", "pyarrow", "scikit-learn", "pandera", "holidays"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[package] = "not installed"
    return found


def manifest(
    run_id: str,
    campaign: Campaign,
    options: RunOptions,
    result: NightResult,
    campaign_folder: Path | None = None,
) -> dict[str, Any]:
    solve = result.solve
    proposals = result.proposals
    smes = int((proposals["category"] == "sme").sum())
    carry = options.carryover
    plan_value = float(proposals["p_accept"].sum() * 100) if "p_accept" in proposals else 0.0
    return {
        "run_id": run_id,
        "campaign": campaign.name,
        # where the campaign (and its decision log) lives: ``cxmatch decide`` finds it here
        "campaign_folder": None
        if campaign_folder is None
        else str(Path(campaign_folder).resolve()),
        "carryover": None if carry is None else carry.summary(),
        # the night's date, the earliest start it proposes, and the working-day calendar
        "calendar": result.calendar,
        "warnings": list(campaign.warnings),
        "input_hashes": dict(sorted(campaign.input_hashes.items())),
        "options": {
            f.name: getattr(options, f.name)
            for f in fields(options)
            if f.name not in ("weights", "carryover", "as_of", "started")
        },
        "policy": campaign.policy.model_dump(),
        "versions": versions(),
        "scorer": result.scorer,
        "counts": {
            "visitors": int((campaign.profiles["role"] == "visitor").sum()),
            "hosts": int((campaign.profiles["role"] == "host").sum()),
            "pairs_seen": result.candidate_stats.pairs_seen,
            "eligible_pairs": result.candidate_stats.eligible,
            "candidate_pairs": result.candidate_stats.kept,
            "proposals": len(proposals),
            "sme_proposals": smes,
            "sme_share": round(smes / len(proposals), 4) if len(proposals) else None,
            # the share the rule holds on: with the generation's exchanges accepted before,
            # unless they are short of it already (then tonight's proposals on their own)
            "exchanges_before": result.sme_past[1],
            "sme_exchanges_before": result.sme_past[0],
            "exchanges_before_in_sme_share": result.sme_past_counted,
            "sme_share_plan": _share(*result.sme_share_plan()),
            "left_out_visitors": int((result.unmatched["side"] == "visitor").sum()),
            "left_out_hosts": int((result.unmatched["side"] == "host").sum()),
        },
        # who is left out tonight, per reason (unmatched.csv has one row each)
        "left_out": tally(result.unmatched),
        "solver": {
            "name": solve.solver,
            "status": solve.status.value,
            "objective": solve.objective,
            "best_bound": solve.best_bound,
            "gap": solve.gap,
            "wall_time_s": round(solve.wall_time_s, 3),
            "workers": solve.workers,
            "seed": solve.seed,
            # exchanges the targets still miss after tonight (expected, when planned on the
            # outcome): the kpis' still_needed, summed over the quotas
            "quota_shortfall_total": round(float(result.kpis["still_needed"].sum()), 2)
            if "still_needed" in result.kpis
            else int(sum(solve.shortfalls)),
            # work budgets make a run reproducible; a cut by the wall clock does not
            "reproducible": "cut_by_wall_clock" not in solve.stats,
            **solve.stats,
        },
        "checker": {"violations": len(result.violations)},
        "diagnosis": None if result.diagnosis is None else result.diagnosis.summary(),
        # what each rule costs tonight, in score points (never quota penalty points)
        "rule_prices": [
            {
                "rule": price.rule,
                "score_points": price.score_points,
                "binding": price.binding,
                "words": price.words(plan_value),
            }
            for price in result.rule_prices
        ],
        "timings_s": result.timings,
    }


def write_run(
    target: Path,
    run_id: str,
    campaign: Campaign,
    options: RunOptions,
    result: NightResult,
    campaign_folder: Path | None = None,
    include_contacts: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """The run folder: proposals, candidates, KPIs, manifest, and the reviewers' files
    (changes, alternatives, workbook, report; see :mod:`engine.output.review_files`). The
    manifest, written last, adds the writing time and the whole run's (from ``options.started``)
    to its ``timings_s``."""
    writing = time.perf_counter()
    proposals = result.proposals.assign(run_id=run_id)[list(PROPOSAL_COLUMNS)]
    facts = manifest(run_id, campaign, options, result, campaign_folder)
    review = review_tables(campaign, options, result, proposals)
    facts["changes"] = review.change_counts()
    facts.update(extra or {})
    kpis = kpis_with_diagnosis(result)
    writers: dict[str, Writer] = {
        "proposals.parquet": lambda p: proposals.to_parquet(p, index=False),
        "proposals.csv": lambda p: _csv(review.proposals, p),  # + organisation names
        "candidates.parquet": lambda p: result.candidates.to_parquet(p, index=False),
        "kpis.csv": lambda p: _csv(kpis, p),
        "unmatched.csv": lambda p: _csv(result.unmatched, p),
        **review_writers(run_id, campaign, kpis, review, facts, include_contacts, result.unmatched),
        "manifest.json": lambda p: json_writer(_timed(facts, writing, options.started))(p),
    }
    return write_atomically(target, writers)


KPI_COLUMNS = (
    "partnership", "category", "target", "achieved", "proposed", "expected", "still_needed",
    "reachable", "diagnosis", "rule_cost_score", "spend_eur", "spent_before_eur", "budget_eur",
    "budget_left_eur",
)  # fmt: skip


def _timed(facts: dict[str, Any], writing: float, started: float | None) -> dict[str, Any]:
    now = time.perf_counter()
    timings = {**facts["timings_s"], "writing": round(now - writing, 4)}
    if started is not None:
        timings["run_total"] = round(now - started, 4)
    return {**facts, "timings_s": timings}


def kpis_with_diagnosis(result: NightResult) -> pd.DataFrame:
    """kpis.csv: per partnership and category, ``target``, ``achieved`` (distinct exchanges
    accepted or completed), ``proposed`` tonight, ``expected`` (their summed ``p_accept``),
    ``still_needed`` (target less achieved less expected), ``reachable`` (most of its members
    tonight's candidates can place at once), ``diagnosis`` (why the target cannot be met
    tonight, in words), ``rule_cost_score`` (what the quota costs, LP relaxation) and the
    lump sums (tonight's, before, budget and what is left)."""
    table = result.kpis
    if result.diagnosis is not None:
        extra = result.diagnosis.quota_table().rename(columns={"supply_max": "reachable"})
        messages = {
            (s.partnership, s.category): s.message() for s in result.diagnosis.supply if s.blocked
        }
        extra["diagnosis"] = [
            messages.get(key, "")
            for key in zip(extra["partnership"], extra["category"], strict=True)
        ]
        keys = ["partnership", "category"]
        # the keys as text on both sides (an empty table's columns have no type of their own:
        # a night without quotas nor exchanges has an empty KPI table and diagnosis)
        extra = extra.astype(dict.fromkeys(keys, object))
        table = table.astype(dict.fromkeys(keys, object))
        table = table.merge(extra.drop(columns="need"), on=keys, how="left")
    for column in KPI_COLUMNS:
        if column not in table.columns:
            table[column] = None
    table["diagnosis"] = table["diagnosis"].astype(object).fillna("")
    return table[list(KPI_COLUMNS)]


def _csv(table: pd.DataFrame, path: Path) -> None:
    write_csv(in_words(table), path)  # labels, formula-safe text, ISO dates, no contact data


def _share(smes: int, total: int) -> float | None:
    return round(smes / total, 4) if total else None
