"""Differences between two simulation folders, or two sweep folders.

Two simulations: the accepted pairs each has alone, KPI deltas (achieved at the end, night
met) and the deltas of the headline figures (score, spend, ...). Two sweeps: the same per
scenario (means over seeds) and per (scenario, seed) result both hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.store import is_simulation, read_csv, read_simulation

HEADLINES = (
    "accepted",
    "proposals",
    "acceptance_rate",
    "kpis_met",
    "kpi_attainment",
    "shortfall",
    "nights_to_target",
    "sme_share_accepted",
    "mean_score_accepted",
    "total_score_accepted",
    "lump_sum_eur",
)


class NotComparable(Exception):
    """The two folders are not both simulations or both sweeps."""


@dataclass
class Comparison:
    kind: str  # "simulation" or "sweep"
    headlines: pd.DataFrame  # figure, a, b, delta (per scenario for sweeps)
    kpis: pd.DataFrame  # per KPI: a, b, delta
    pairs: pd.DataFrame  # accepted pairs in only one of the two
    notes: list[str] = field(default_factory=list)


def kind_of(folder: Path) -> str:
    folder = Path(folder)
    if is_simulation(folder):
        return "simulation"
    if (folder / "sweep.json").is_file():
        return "sweep"
    raise NotComparable(f"{folder} is neither a simulation folder nor a sweep folder")


def compare(a: Path, b: Path) -> Comparison:
    kinds = (kind_of(a), kind_of(b))
    if kinds[0] != kinds[1]:
        raise NotComparable(f"cannot compare a {kinds[0]} ({a}) with a {kinds[1]} ({b})")
    return compare_simulations(a, b) if kinds[0] == "simulation" else compare_sweeps(a, b)


def compare_simulations(a: Path, b: Path) -> Comparison:
    left, right = read_simulation(a), read_simulation(b)
    headlines = pd.DataFrame.from_records(
        [_delta(name, left.summary.get(name), right.summary.get(name)) for name in HEADLINES]
    )
    keys = ["partnership", "category"]
    kpis = _kpi_deltas(left.kpis, right.kpis, keys)
    pairs = _pair_changes(left.proposals, right.proposals)
    notes = []
    if left.summary.get("digest") == right.summary.get("digest") and left.seed == right.seed:
        notes.append("same scenario and seed")
    return Comparison("simulation", headlines, kpis, pairs, notes)


def compare_sweeps(a: Path, b: Path) -> Comparison:
    left, right = read_csv(Path(a) / "runs.csv"), read_csv(Path(b) / "runs.csv")
    left, right = left[left["status"] == "ok"], right[right["status"] == "ok"]
    names = sorted(set(left["scenario"]) & set(right["scenario"]))
    records = []
    for name in names:
        for figure in HEADLINES:
            mean_a = pd.to_numeric(
                left.loc[left["scenario"] == name, figure], errors="coerce"
            ).mean()
            mean_b = pd.to_numeric(
                right.loc[right["scenario"] == name, figure], errors="coerce"
            ).mean()
            records.append({"scenario": name, **_delta(figure, _number(mean_a), _number(mean_b))})
    headlines = pd.DataFrame.from_records(records)
    kpi_a, kpi_b = read_csv(Path(a) / "kpis.csv"), read_csv(Path(b) / "kpis.csv")
    kpis = _kpi_deltas(
        kpi_a.rename(columns={"achieved_mean": "achieved_end"}),
        kpi_b.rename(columns={"achieved_mean": "achieved_end"}),
        ["scenario", "partnership", "category"],
    )
    pair_frames = []
    for name in names:
        for seed in sorted(
            set(left.loc[left["scenario"] == name, "seed"])
            & set(right.loc[right["scenario"] == name, "seed"])
        ):
            folders = [
                _result_folder(Path(root), runs, name, seed)
                for root, runs in ((a, left), (b, right))
            ]
            if all((folder / "proposals.parquet").is_file() for folder in folders):
                proposals = [pd.read_parquet(folder / "proposals.parquet") for folder in folders]
                changes = _pair_changes(proposals[0], proposals[1])
                pair_frames.append(changes.assign(scenario=name, seed=seed))
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else _pair_changes(None, None)
    only = sorted(set(left["scenario"]) ^ set(right["scenario"]))
    notes = [f"scenarios in only one sweep: {', '.join(only)}"] if only else []
    return Comparison("sweep", headlines, kpis, pairs, notes)


def _result_folder(root: Path, runs: pd.DataFrame, name: str, seed: int) -> Path:
    """The result folder of (scenario, seed) that the sweep's table lists (by digest)."""
    row = runs[(runs["scenario"] == name) & (runs["seed"] == seed)].iloc[0]
    return root / "results" / f"{name}-{row['digest']}" / f"seed-{seed}"


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _delta(figure: str, a: Any, b: Any) -> dict[str, Any]:
    delta = None
    if isinstance(a, int | float) and isinstance(b, int | float):
        delta = round(float(b) - float(a), 4)
    return {"figure": figure, "a": a, "b": b, "delta": delta}


def _kpi_deltas(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    a, b = a[a["target"] > 0], b[b["target"] > 0]
    columns = [
        column
        for column in ("target", "achieved_end", "met_night", "shortfall")
        if column in a.columns
    ]
    merged = a[keys + columns].merge(b[keys + columns], on=keys, how="outer", suffixes=("_a", "_b"))
    merged["achieved_delta"] = merged["achieved_end_b"] - merged["achieved_end_a"]
    return merged.sort_values(keys, kind="stable").reset_index(drop=True)


def _pair_changes(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame:
    """Accepted pairs that only one side has (with the night and mode of that side)."""
    columns = ["visitor_id", "host_id", "only_in", "night", "mode", "score"]
    if a is None or b is None:
        return pd.DataFrame(columns=columns)
    accepted = [side[side["outcome"] == "accepted"] for side in (a, b)]
    keys = [set(zip(side["visitor_id"], side["host_id"], strict=True)) for side in accepted]
    frames = []
    for label, side, other in (("a", accepted[0], keys[1]), ("b", accepted[1], keys[0])):
        alone = [
            pair not in other for pair in zip(side["visitor_id"], side["host_id"], strict=True)
        ]
        frames.append(side[alone].assign(only_in=label)[columns])
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["visitor_id", "host_id", "only_in"])
        .reset_index(drop=True)
    )


def text_report(comparison: Comparison, a: Path, b: Path) -> str:
    """A terminal summary of a comparison."""
    lines = [f"A = {a}", f"B = {b}", *comparison.notes, ""]
    with pd.option_context("display.width", 120, "display.max_columns", 20, "display.max_rows", 80):
        lines += [
            "Headline figures (delta = B - A):",
            comparison.headlines.to_string(index=False),
            "",
        ]
        changed = comparison.kpis[comparison.kpis["achieved_delta"].fillna(1) != 0]
        lines += [f"KPIs that changed: {len(changed)} of {len(comparison.kpis)}"]
        if len(changed):
            lines.append(changed.to_string(index=False))
        only_a = int((comparison.pairs["only_in"] == "a").sum())
        only_b = int((comparison.pairs["only_in"] == "b").sum())
        lines += ["", f"Accepted pairs only in A: {only_a}; only in B: {only_b}"]
    return "\n".join(lines)
