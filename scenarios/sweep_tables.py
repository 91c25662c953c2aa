"""The tables over every result of a sweep, and its report: ``runs.csv|parquet`` (one row per
scenario x seed), ``scenarios.csv`` (over seeds), ``kpis.csv`` (per scenario x KPI, over seeds),
``sweep.json`` and ``report.html``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import pandas as pd

from engine.output.store import json_writer
from scenarios.forecast import Forecast, SeedRun, forecast
from scenarios.report import sweep_report
from scenarios.settings import settings_in_words
from scenarios.store import read_csv, read_summary, replace_file, text_writer, write_csv
from scenarios.tasks import SweepOutcome, SweepTask

RUN_COLUMNS = (
    "scenario",
    "seed",
    "status",
    "kpi_attainment",
    "kpis_met",
    "kpis",
    "shortfall",
    "nights_to_target",
    "nights",
    "accepted",
    "proposals",
    "acceptance_rate",
    "sme_share_accepted",
    "mean_score_accepted",
    "total_score_accepted",
    "physical_accepted",
    "lump_sum_eur",
    "digest",
    "error",
)


def write_tables(
    tasks: list[SweepTask],
    outcome: SweepOutcome,
    seeds: Sequence[int],
    serial: bool,
    scheduler: str | None,
    workers: int | None,
) -> pd.DataFrame:
    """``runs.csv|parquet`` (one row per scenario x seed), ``scenarios.csv`` (over seeds),
    ``kpis.csv`` (per scenario x KPI, over seeds), ``sweep.json`` and ``report.html``."""
    out = outcome.out
    records, kpi_frames = [], []
    seed_runs: dict[str, list[SeedRun]] = {}
    for task in tasks:
        key = (task.name, task.seed)
        folder = task.folder(out)
        if key in outcome.failed or not (folder / "summary.json").is_file():
            records.append(
                {"scenario": task.name, "seed": task.seed, "status": "failed",
                 "digest": task.loaded.scenario.digest(), "error": outcome.failed.get(key, "missing")}
            )  # fmt: skip
            continue
        summary = read_summary(folder)["summary"]
        records.append({**summary, "status": "ok", "error": ""})
        kpis = read_csv(folder / "kpis.csv")
        kpi_frames.append(kpis.assign(scenario=task.name, seed=task.seed))
        seed_runs.setdefault(task.name, []).append(SeedRun.read(folder))
    runs = pd.DataFrame.from_records(records).reindex(columns=list(RUN_COLUMNS))
    scenarios = aggregate_scenarios(runs)
    kpis = aggregate_kpis(pd.concat(kpi_frames, ignore_index=True) if kpi_frames else None)
    manifest = {
        "scenarios": sorted({task.name for task in tasks}),
        "seeds": list(seeds),
        "results": len(tasks),
        "ran": len(outcome.ran),
        "reused": len(outcome.reused),
        "failed": len(outcome.failed),
        "executor": "serial"
        if serial
        else (
            f"dask scheduler {scheduler}"
            if scheduler
            else f"dask local cluster ({workers or os.cpu_count()} workers)"
        ),
        "wall_time_s": outcome.wall_time_s,
        "failures": [
            {"scenario": name, "seed": seed, "error": error}
            for (name, seed), error in sorted(outcome.failed.items())
        ],
    }
    replace_file(out / "runs.csv", lambda path: write_csv(runs, path))
    replace_file(out / "runs.parquet", lambda path: runs.to_parquet(path, index=False))
    replace_file(out / "scenarios.csv", lambda path: write_csv(scenarios, path))
    replace_file(out / "kpis.csv", lambda path: write_csv(kpis, path))
    replace_file(out / "sweep.json", json_writer(manifest))
    forecasts: list[Forecast] = [forecast(name, found) for name, found in seed_runs.items()]
    settings = {task.name: settings_in_words(task.loaded.scenario.as_dict()) for task in tasks}
    html_text = sweep_report(forecasts, runs, manifest, settings)
    replace_file(out / "report.html", text_writer(html_text))
    return runs


def aggregate_scenarios(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario over its successful seeds: mean and spread of the headline figures."""
    ok = runs[runs["status"] == "ok"]
    rows = []
    for name in sorted(runs["scenario"].unique()):
        group = ok[ok["scenario"] == name]
        reached = group["nights_to_target"].dropna()
        row: dict[str, Any] = {
            "scenario": name,
            "seeds_ok": len(group),
            "seeds_failed": int((runs["scenario"] == name).sum() - len(group)),
        }
        for column in (
            "kpi_attainment",
            "kpis_met",
            "lump_sum_eur",
            "mean_score_accepted",
            "accepted",
            "sme_share_accepted",
        ):
            values = pd.to_numeric(group[column], errors="coerce")
            row[f"{column}_mean"] = round(float(values.mean()), 4) if len(values) else None
            row[f"{column}_std"] = round(float(values.std(ddof=0)), 4) if len(values) else None
            row[f"{column}_min"] = values.min() if len(values) else None
            row[f"{column}_max"] = values.max() if len(values) else None
        row["target_reached_share"] = round(len(reached) / len(group), 4) if len(group) else None
        row["nights_to_target_median"] = float(reached.median()) if len(reached) else None
        row["nights_to_target_max"] = float(reached.max()) if len(reached) else None
        rows.append(row)
    return pd.DataFrame.from_records(rows)


def aggregate_kpis(kpis: pd.DataFrame | None) -> pd.DataFrame:
    """Per scenario and KPI (target > 0): achieved at the end over seeds, share of seeds that
    met it and the median night they did."""
    columns = ["scenario", "partnership", "category", "target", "achieved_mean", "achieved_min",
               "achieved_max", "met_share", "met_night_median", "shortfall_mean"]  # fmt: skip
    if kpis is None or kpis.empty:
        return pd.DataFrame(columns=columns)
    quotas = kpis[kpis["target"] > 0]
    grouped = quotas.groupby(["scenario", "partnership", "category"], sort=True)
    table = grouped.agg(
        target=("target", "first"),
        achieved_mean=("achieved_end", "mean"),
        achieved_min=("achieved_end", "min"),
        achieved_max=("achieved_end", "max"),
        met_share=("shortfall", lambda s: float((s == 0).mean())),
        met_night_median=("met_night", "median"),
        shortfall_mean=("shortfall", "mean"),
    ).reset_index()
    return table[columns].round(4)
