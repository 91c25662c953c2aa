"""Differences between two simulation folders, or two sweep folders.

Two simulations: B against A. Two sweeps: per scenario both hold, B's against A's, paired by
seed. Per headline figure and per partnership and KPI: A, B, the difference and whether it
exceeds the seed spread (:func:`scenarios.forecast.beyond_spread`); and the accepted pairs
that only one side has. :mod:`scenarios.compare_views` says it on a terminal and in HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.forecast import Forecast, SeedRun, beyond_spread, forecast
from scenarios.store import is_simulation, read_csv, read_simulation

# headline figure -> its words and kind (how it is written)
HEADLINES: dict[str, tuple[str, str]] = {
    "accepted": ("exchanges accepted", "count"),
    "expected": ("exchanges expected by the plans", "count"),
    "proposals": ("proposals", "count"),
    "acceptance_rate": ("acceptance rate", "share"),
    "kpis_met": ("KPI targets met", "count"),
    "kpi_attainment": ("KPI attainment (capped at each target)", "share"),
    "shortfall": ("exchanges still missing for the targets", "count"),
    "nights_to_target": ("night every target is met", "night"),
    "sme_share_accepted": ("SME share of accepted exchanges", "share"),
    "mean_score_accepted": ("mean score of accepted exchanges", "count"),
    "lump_sum_eur": ("lump sums", "euros"),
}


class NotComparable(Exception):
    """The two folders are not both simulations or both sweeps."""


@dataclass
class Comparison:
    kind: str  # "simulation" or "sweep"
    headlines: pd.DataFrame  # scenario, figure, label, kind, a, b, delta, beyond_spread
    kpis: pd.DataFrame  # scenario, partnership, category, target, a, b, delta, beyond_spread
    pairs: pd.DataFrame  # accepted pairs in only one of the two
    forecasts: list[Forecast] = field(default_factory=list)  # A, B (per scenario for sweeps)
    notes: list[str] = field(default_factory=list)

    @property
    def column_pairs(self) -> list[tuple[int, int]]:
        return [(k, k + 1) for k in range(0, len(self.forecasts), 2)]


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


def _labels(name_a: str, name_b: str) -> tuple[str, str]:
    return (f"A: {name_a}", f"B: {name_b}")


def compare_simulations(a: Path, b: Path) -> Comparison:
    left, right = read_simulation(a), read_simulation(b)
    names = _labels(left.summary["scenario"], right.summary["scenario"])
    forecasts = [
        forecast(names[0], [SeedRun.of(left)]),
        forecast(names[1], [SeedRun.of(right)]),
    ]
    headlines = _headlines("", {left.seed: left.summary}, {right.seed: right.summary}, paired=False)
    kpis = _kpi_deltas("", forecasts[0], forecasts[1])
    pairs = _pair_changes(left.proposals, right.proposals)
    notes = []
    if left.summary.get("digest") == right.summary.get("digest") and left.seed == right.seed:
        notes.append("same scenario and seed")
    else:
        notes.append("one seed each: run both in a sweep with several seeds to see the spread")
    return Comparison("simulation", headlines, kpis, pairs, forecasts, notes)


def compare_sweeps(a: Path, b: Path) -> Comparison:
    left, right = read_csv(Path(a) / "runs.csv"), read_csv(Path(b) / "runs.csv")
    left, right = left[left["status"] == "ok"], right[right["status"] == "ok"]
    names = sorted(set(left["scenario"]) & set(right["scenario"]))
    headline_frames, kpi_frames, pair_frames, forecasts = [], [], [], []
    notes: list[str] = []
    for name in names:
        # paired by seed: the seeds both sweeps hold (the audit: seeds only one had moved the
        # means, with byte-identical common seeds)
        held = [
            set(runs.loc[runs["scenario"] == name, "seed"].astype(int)) for runs in (left, right)
        ]
        common = held[0] & held[1]
        if held[0] != held[1]:
            alone = sorted((held[0] | held[1]) - common)
            notes.append(
                f"{name}: seed{'s' if len(alone) > 1 else ''} {', '.join(map(str, alone))} "
                "in one sweep only, left out"
                if common
                else f"{name}: no seed in both sweeps, not compared"
            )
        if not common:
            continue
        sides = []
        for root, runs in ((Path(a), left), (Path(b), right)):
            rows = runs[(runs["scenario"] == name) & runs["seed"].astype(int).isin(common)]
            folders = {
                int(seed): root / "results" / f"{name}-{digest}" / f"seed-{seed}"
                for seed, digest in zip(rows["seed"], rows["digest"], strict=True)
            }
            sides.append({seed: SeedRun.read(folder) for seed, folder in folders.items()})
        labels = _labels(name, name)
        pair = [forecast(labels[k], list(sides[k].values())) for k in (0, 1)]
        forecasts += pair
        summaries = [{seed: run.summary for seed, run in side.items()} for side in sides]
        headline_frames.append(_headlines(name, summaries[0], summaries[1]))
        kpi_frames.append(_kpi_deltas(name, pair[0], pair[1]))
        for seed in sorted(set(sides[0]) & set(sides[1])):
            proposals = [
                pd.read_parquet(_folder_of(Path(root), runs, name, seed) / "proposals.parquet")
                for root, runs in ((a, left), (b, right))
            ]
            pair_frames.append(
                _pair_changes(proposals[0], proposals[1]).assign(scenario=name, seed=seed)
            )
    only = sorted(set(left["scenario"]) ^ set(right["scenario"]))
    notes = ([f"scenarios in only one sweep: {', '.join(only)}"] if only else []) + notes
    return Comparison(
        "sweep",
        pd.concat(headline_frames, ignore_index=True)
        if headline_frames
        else _headlines("", {}, {}),
        pd.concat(kpi_frames, ignore_index=True) if kpi_frames else pd.DataFrame(),
        pd.concat(pair_frames, ignore_index=True) if pair_frames else _pair_changes(None, None),
        forecasts,
        notes,
    )


def _folder_of(root: Path, runs: pd.DataFrame, name: str, seed: int) -> Path:
    row = runs[(runs["scenario"] == name) & (runs["seed"] == seed)].iloc[0]
    return root / "results" / f"{name}-{row['digest']}" / f"seed-{seed}"


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _headlines(
    scenario: str,
    a: dict[int, dict[str, Any]],
    b: dict[int, dict[str, Any]],
    paired: bool = True,
) -> pd.DataFrame:
    """Per figure: the mean over A's and B's seeds, B − A, and whether it exceeds the spread."""
    records = []
    for figure, (words, kind) in HEADLINES.items():
        values = [
            {seed: v for seed, s in side.items() if (v := _number(s.get(figure))) is not None}
            for side in (a, b)
        ]
        means = [sum(v.values()) / len(v) if v else None for v in values]
        delta = None if None in means else round(float(means[1]) - float(means[0]), 4)  # type: ignore[arg-type]
        beyond = beyond_spread(values[0], values[1]) if paired and delta is not None else None
        records.append(
            {"scenario": scenario, "figure": figure, "label": words, "kind": kind,
             "a": means[0], "b": means[1], "delta": delta, "beyond_spread": beyond}
        )  # fmt: skip
    return pd.DataFrame.from_records(records)


def _kpi_deltas(scenario: str, a: Forecast, b: Forecast) -> pd.DataFrame:
    keys = ["partnership", "category"]
    ends = [
        f.kpi_end[[*keys, "target", "achieved_mean", "met_night", "met_seeds", "seeds"]]
        for f in (a, b)
    ]
    merged = ends[0].merge(ends[1], on=keys, how="outer", suffixes=("_a", "_b"))
    merged.insert(0, "scenario", scenario)
    merged["delta"] = (merged["achieved_mean_b"] - merged["achieved_mean_a"]).round(4)
    spreads = []
    for partnership, category in zip(merged["partnership"], merged["category"], strict=True):
        sides = [
            f.by_seed[
                (f.by_seed["partnership"] == partnership) & (f.by_seed["category"] == category)
            ]
            for f in (a, b)
        ]
        spreads.append(
            beyond_spread(
                *(dict(zip(s["seed"].astype(int), s["achieved_end"].astype(float), strict=True))
                  for s in sides)
            )
        )  # fmt: skip
    merged["beyond_spread"] = spreads
    return merged.sort_values(keys, kind="stable").reset_index(drop=True)


def _pair_changes(a: pd.DataFrame | None, b: pd.DataFrame | None) -> pd.DataFrame:
    """Accepted pairs that only one side has (with the night and mode of that side)."""
    columns = ["visitor_id", "host_id", "visitor_partnership", "only_in", "night", "mode", "score"]
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
