"""A simulation's figures: KPI progress per night, one row per night, the KPIs at the end and
the headline summary (pure functions of the night's tables)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from engine.check.kpis import kpi_table
from engine.domain.contract import Campaign
from engine.night.expected import still_missing
from scenarios.spec import Scenario

ALREADY_ACCEPTED = "already_accepted"  # scenarios.simulate's outcome of a locked pair


def kpi_progress(
    campaign: Campaign,
    night: int,
    night_date: date | None,
    planned: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per KPI after a night's decisions: target, achieved, shortfall, met; and from the
    night's own ``kpis.csv`` (``planned``) what its proposals were expected to add
    (``expected``, the sum of their ``p_accept``) and why the target could not be reached
    that night (``diagnosis``, empty when nothing blocked it). Night 0 is the start."""
    table = kpi_table(campaign, pd.DataFrame({"visitor_id": pd.Series([], dtype=str)}))
    achieved = table["achieved"]
    out = pd.DataFrame(
        {
            "night": night,
            "night_date": pd.Timestamp(night_date) if night_date else pd.NaT,
            "partnership": table["partnership"],
            "category": table["category"],
            "target": table["target"],
            "achieved": achieved,
            "shortfall": (table["target"] - achieved).clip(lower=0),
            # a target of 0 asks for nothing: met from the start (counts of KPIs met leave it out)
            "met": achieved >= table["target"],
        }
    )
    keys = ["partnership", "category"]
    if planned is None:
        return out.assign(expected=0.0, diagnosis="")
    night_plan = planned[[*keys, "expected", "diagnosis"]].drop_duplicates(keys)
    out = out.merge(night_plan, on=keys, how="left")
    out["expected"] = out["expected"].astype(float).fillna(0.0).round(2)
    out["diagnosis"] = out["diagnosis"].fillna("").astype(str)
    return out


def night_row(
    night: int,
    night_date: date,
    campaign: Campaign,
    matched: set[str],
    decided: pd.DataFrame,
    result: Any,
    kpi_now: pd.DataFrame,
    so_far: pd.DataFrame,
) -> dict[str, Any]:
    """``visitors_open``: published, validated, no exchange accepted on an earlier night.
    ``expected``: tonight's proposals' summed ``p_accept`` (what the plan expects to become
    exchanges) beside ``accepted``; ``sme_share_accepted_cumulative``: the SME share of every
    exchange accepted in the simulation so far (the programme's promise is about these)."""
    profiles = campaign.profiles
    open_ = (
        (profiles["status"] == "published")
        & profiles["validated"]
        & ~profiles["profile_id"].isin(matched)
    )
    new = decided[decided["outcome"] != ALREADY_ACCEPTED]
    accepted = new[new["outcome"] == "accepted"]
    all_accepted = so_far[so_far["outcome"] == "accepted"]
    quotas = kpi_now[kpi_now["target"] > 0]
    return {
        "night": night,
        "night_date": pd.Timestamp(night_date),
        "visitors_open": int((open_ & (profiles["role"] == "visitor")).sum()),
        "hosts_open": int((open_ & (profiles["role"] == "host")).sum()),
        "proposals": len(new),
        "expected": round(float(new["p_accept"].sum()), 2),
        "accepted": len(accepted),
        "acceptance_rate": ratio(len(accepted), len(new)),
        "sme_share_proposed": ratio(int((new["category"] == "sme").sum()), len(new)),
        "sme_share_accepted": ratio(int((accepted["category"] == "sme").sum()), len(accepted)),
        "sme_share_accepted_cumulative": ratio(
            int((all_accepted["category"] == "sme").sum()), len(all_accepted)
        ),
        "mean_score_proposed": mean_of(new["score"]),
        "mean_score_accepted": mean_of(accepted["score"]),
        "physical_accepted": int((accepted["mode"] == "physical").sum()),
        "lump_sum_eur": float(accepted["lump_sum_eur"].sum()),
        "kpis_met": int(quotas["met"].sum()),
        "kpis": len(quotas),
        "solver_status": result.solve.status.value,
        "objective": result.solve.objective,
        # expected exchanges the targets still miss after tonight's plan (engine's kpis)
        "still_needed_planned": round(float(result.kpis["still_needed"].sum()), 2)
        if "still_needed" in result.kpis
        else None,
    }


def kpi_end(progress: pd.DataFrame, dates: list[date]) -> pd.DataFrame:
    """Per KPI: target, achieved at the start and at the end, the night it was met, shortfall,
    and ``blocked_by``: for a target missed at the end, the last night's diagnosis (the rule
    that kept it out of reach), empty when the proposals sufficed but too few were accepted."""
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
    # a target of 0 asks for nothing: met from the start, whichever night its row first came
    # in (a category without a quota is listed once something is proposed in it: the audit
    # saw "met on night 2" for one)
    table.loc[table["target"] == 0, "met_night"] = 0
    night_date = {night: pd.Timestamp(day) for night, day in enumerate(dates, start=1)}
    table["met_date"] = table["met_night"].map(lambda n: night_date.get(n) if pd.notna(n) else None)
    table["met_date"] = pd.to_datetime(table["met_date"])
    last = progress[progress["night"] == progress["night"].max()].set_index(keys)
    reason = last["diagnosis"] if "diagnosis" in last else pd.Series("", index=last.index)
    table["blocked_by"] = np.where(
        table["shortfall"] > 0, reason.reindex(table.index).fillna(""), ""
    )
    return table.reset_index()


def summary_of(
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
    # a KPI never met has no met night (<NA>): not met at the start (.all() skips <NA>)
    met_at_start = bool(len(quotas)) and bool((quotas["met_night"].fillna(-1) == 0).all())
    return {
        "scenario": scenario.name,
        "digest": scenario.digest(),
        "seed": seed,
        "nights": len(dates),
        "first_night": dates[0].isoformat(),
        "last_night": dates[-1].isoformat(),
        "proposals": len(new),
        "expected": round(float(new["p_accept"].sum()), 2),
        "accepted": len(accepted),
        "acceptance_rate": ratio(len(accepted), len(new)),
        "sme_share_accepted": ratio(int((accepted["category"] == "sme").sum()), len(accepted)),
        "mean_score_accepted": mean_of(accepted["score"]),
        "total_score_accepted": round(float(accepted["score"].sum()), 2),
        "physical_accepted": int((accepted["mode"] == "physical").sum()),
        "lump_sum_eur": round(float(accepted["lump_sum_eur"].sum()), 2),
        "kpis": len(quotas),
        "kpis_met": int(quotas["shortfall"].eq(0).sum()),
        "kpi_attainment": round(float(attainment.mean()), 4) if len(quotas) else None,
        # a category's exchanges count in its partnership's total too: never added up
        "shortfall": int(round(still_missing(quotas, "shortfall"))),
        "nights_to_target": 0 if met_at_start else (int(all_met.min()) if len(all_met) else None),
    }


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def mean_of(values: pd.Series) -> float | None:
    return round(float(values.mean()), 3) if len(values) else None
