"""What a scenario forecasts for each partnership, over one seed or many: each KPI's
exchanges night by night (mean, lowest and highest seed) against its target, the night it is
met or the shortfall and what blocked it, the SME share of accepted exchanges night by night,
and the lump sums spent against the budget. The simulation, sweep and comparison reports all
read a :class:`Forecast`; :func:`beyond_spread` says whether two scenarios differ by more than
their seeds do."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scenarios.simulate import SimulationResult
from scenarios.store import read_csv, read_summary

KEYS = ["partnership", "category"]


@dataclass(frozen=True, eq=False)
class SeedRun:
    """One simulation's tables that a forecast needs."""

    seed: int
    summary: dict[str, Any]
    nights: pd.DataFrame
    kpi_progress: pd.DataFrame
    accepted: pd.DataFrame  # night, visitor_partnership, category, lump_sum_eur

    @classmethod
    def of(cls, result: SimulationResult) -> SeedRun:
        accepted = result.proposals[result.proposals["outcome"] == "accepted"]
        return cls(result.seed, result.summary, result.nights, result.kpi_progress, accepted)

    @classmethod
    def read(cls, folder: Path) -> SeedRun:
        stored = read_summary(folder)
        return cls(
            int(stored["seed"]),
            stored["summary"],
            read_csv(folder / "nights.csv"),
            read_csv(folder / "kpi_progress.csv"),
            read_csv(folder / "accepted.csv"),
        )


@dataclass(frozen=True, eq=False)
class Forecast:
    name: str
    seeds: list[int]
    night_labels: list[str]  # "start", then each night's date
    kpi_nights: pd.DataFrame  # KEYS, night, target, achieved_mean|min|max, plan_mean
    kpi_end: (
        pd.DataFrame
    )  # KEYS, target, achieved_*, met_seeds, met_night, shortfall_mean, blocked_by
    by_seed: pd.DataFrame  # KEYS, seed, achieved_end (for the spread test)
    sme_nights: pd.DataFrame  # night, night_mean|min|max, cumulative_mean|min|max, accepted_mean
    partner_nights: pd.DataFrame  # partnership, night, sme_share_mean, spent_mean|min|max
    summaries: list[dict[str, Any]] = field(default_factory=list)
    budgets: dict[str, float] = field(default_factory=dict)
    min_sme_share: float = 0.5

    @property
    def partnerships(self) -> list[str]:
        return sorted(set(self.kpi_end["partnership"]))


def forecast(name: str, runs: Sequence[SeedRun]) -> Forecast:
    """Aggregate one scenario's seeds (at least one run)."""
    runs = sorted(runs, key=lambda run: run.seed)
    progress = pd.concat(
        [run.kpi_progress.assign(seed=run.seed) for run in runs], ignore_index=True
    )
    progress = progress[progress["target"] > 0]
    if "expected" not in progress:
        progress = progress.assign(expected=0.0, diagnosis="")
    progress = progress.sort_values([*KEYS, "seed", "night"], kind="stable")
    before = progress.groupby([*KEYS, "seed"])["achieved"].shift(1)
    progress = progress.assign(plan=before + progress["expected"].fillna(0.0))
    kpi_nights = (
        progress.groupby([*KEYS, "night"], sort=True)
        .agg(
            target=("target", "first"),
            achieved_mean=("achieved", "mean"),
            achieved_min=("achieved", "min"),
            achieved_max=("achieved", "max"),
            plan_mean=("plan", "mean"),
        )
        .reset_index()
    )
    nights = runs[0].nights
    labels = ["start", *[_short_day(day) for day in nights["night_date"]]]
    first = runs[0].summary
    return Forecast(
        name=name,
        seeds=[run.seed for run in runs],
        night_labels=labels,
        kpi_nights=kpi_nights,
        kpi_end=_kpi_end(progress),
        by_seed=_by_seed(progress),
        sme_nights=_sme_nights(runs),
        partner_nights=_partner_nights(runs, len(nights)),
        summaries=[run.summary for run in runs],
        budgets={str(k): float(v) for k, v in (first.get("budgets") or {}).items()},
        min_sme_share=float(first.get("min_sme_share") or 0.5),
    )


def _short_day(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b}"


def _by_seed(progress: pd.DataFrame) -> pd.DataFrame:
    last = progress[progress["night"] == progress["night"].max()]
    return last[[*KEYS, "seed", "achieved"]].rename(columns={"achieved": "achieved_end"})


def _kpi_end(progress: pd.DataFrame) -> pd.DataFrame:
    rows = []
    last_night = progress["night"].max()
    for (partnership, category), rows_kpi in progress.groupby(KEYS, sort=True):
        met_nights, shortfalls, blocked = [], [], Counter[str]()
        planned = float(rows_kpi["expected"].fillna(0.0).sum()) / rows_kpi["seed"].nunique()
        for _, seed_rows in rows_kpi.groupby("seed"):
            met = seed_rows.loc[seed_rows["met"].astype(bool), "night"]
            last = seed_rows[seed_rows["night"] == last_night].iloc[0]
            if len(met):
                met_nights.append(int(met.min()))
            else:
                shortfalls.append(float(last["shortfall"]))
                if str(last.get("diagnosis") or "") not in ("", "nan"):
                    blocked[str(last["diagnosis"])] += 1
        end = rows_kpi[rows_kpi["night"] == last_night]["achieved"]
        seeds = rows_kpi["seed"].nunique()
        rows.append(
            {
                "partnership": partnership,
                "category": category,
                "target": int(rows_kpi["target"].iloc[0]),
                "achieved_start": float(rows_kpi[rows_kpi["night"] == 0]["achieved"].mean()),
                "achieved_mean": float(end.mean()),
                "achieved_min": float(end.min()),
                "achieved_max": float(end.max()),
                "seeds": seeds,
                "met_seeds": len(met_nights),
                "met_night": int(np.ceil(np.median(met_nights))) if met_nights else None,
                "met_night_last": max(met_nights) if len(met_nights) == seeds else None,
                "shortfall_mean": float(np.mean(shortfalls)) if shortfalls else 0.0,
                "blocked_by": blocked.most_common(1)[0][0] if blocked else "",
                "expected_total": round(planned, 2),
            }
        )
    return pd.DataFrame.from_records(rows)


def _stats(frame: pd.DataFrame, by: list[str], column: str, prefix: str) -> pd.DataFrame:
    grouped = frame.groupby(by, sort=True)[column]
    return pd.DataFrame(
        {
            f"{prefix}_mean": grouped.mean(),
            f"{prefix}_min": grouped.min(),
            f"{prefix}_max": grouped.max(),
        }
    )


def _sme_nights(runs: Sequence[SeedRun]) -> pd.DataFrame:
    """Programme-wide: the SME share of the exchanges accepted each night and of all accepted
    so far, over seeds."""
    frames = []
    for run in runs:
        nights = run.nights
        cumulative = nights.get("sme_share_accepted_cumulative")
        frames.append(
            pd.DataFrame(
                {
                    "night": nights["night"],
                    "tonight": nights["sme_share_accepted"],
                    "cumulative": cumulative if cumulative is not None else np.nan,
                    "accepted": nights["accepted"],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    out = _stats(table, ["night"], "tonight", "night").join(
        _stats(table, ["night"], "cumulative", "cumulative")
    )
    out["accepted_mean"] = table.groupby("night")["accepted"].mean()
    return out.reset_index()


def _partner_nights(runs: Sequence[SeedRun], nights: int) -> pd.DataFrame:
    """Per partnership and night (0 = start): the SME share of its accepted exchanges so far
    and the lump sums spent so far (cumulative, over seeds)."""
    frames = []
    partnerships = sorted(set().union(*(set(r.kpi_progress["partnership"]) for r in runs)))
    grid = pd.MultiIndex.from_product(
        [partnerships, range(nights + 1)], names=["partnership", "night"]
    )
    for run in runs:
        accepted = run.accepted.rename(columns={"visitor_partnership": "partnership"})
        grouped = accepted.assign(sme=accepted["category"] == "sme").groupby(
            ["partnership", "night"]
        )
        per_night = pd.DataFrame(
            {
                "sme": grouped["sme"].sum(),
                "all": grouped["sme"].size(),
                "spent": grouped["lump_sum_eur"].sum(),
            }
        ).reindex(grid, fill_value=0)
        # numbers whatever was accepted (a run accepting nothing had object columns)
        per_night = per_night.astype({"sme": "int64", "all": "int64", "spent": "float64"})
        cumulative = per_night.groupby(level="partnership").cumsum()
        share = (cumulative["sme"] / cumulative["all"].where(cumulative["all"] > 0)).astype(float)
        frames.append(
            pd.DataFrame({"sme_share": share, "spent": cumulative["spent"].astype(float)})
            .reset_index()
            .assign(seed=run.seed)
        )
    table = pd.concat(frames, ignore_index=True)
    out = _stats(table, ["partnership", "night"], "spent", "spent")
    out["sme_share_mean"] = table.groupby(["partnership", "night"])["sme_share"].mean()
    return out.reset_index()


def beyond_spread(a: dict[int, float], b: dict[int, float]) -> bool | None:
    """Whether B differs from A by more than the seeds do. Paired seeds (two scenarios with the
    same seed draw the same decisions for the same pair): every common seed moves the same way.
    Otherwise the two ranges over seeds do not overlap. None: one seed each, no spread to judge.
    """
    common = sorted(set(a) & set(b))
    if len(common) >= 2:
        moves = np.array([b[seed] - a[seed] for seed in common])
        return bool((moves > 0).all() or (moves < 0).all())
    if len(a) >= 2 and len(b) >= 2:
        return bool(max(a.values()) < min(b.values()) or max(b.values()) < min(a.values()))
    return None
