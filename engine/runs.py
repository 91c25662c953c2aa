"""The run folder of one night: proposals, candidates, KPIs and the manifest."""

from __future__ import annotations

import platform
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from engine import __version__
from engine.contract import Campaign
from engine.pipeline import NightResult, RunOptions
from engine.runstore import Writer, json_writer, write_atomically

PROPOSAL_COLUMNS = (
    "run_id",
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
    "reasons",
)


def versions() -> dict[str, str]:
    found = {"cxmatch": __version__, "python": platform.python_version()}
    for package in ("ortools", "numpy", "pandas", "pyarrow", "scikit-learn", "pandera"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            found[package] = "not installed"
    return found


def manifest(
    run_id: str, campaign: Campaign, options: RunOptions, result: NightResult
) -> dict[str, Any]:
    solve = result.solve
    proposals = result.proposals
    smes = int((proposals["category"] == "sme").sum())
    return {
        "run_id": run_id,
        "campaign": campaign.name,
        "input_hashes": dict(sorted(campaign.input_hashes.items())),
        "options": {k: v for k, v in asdict(options).items() if k != "weights"},
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
        },
        "solver": {
            "name": solve.solver,
            "status": solve.status.value,
            "objective": solve.objective,
            "best_bound": solve.best_bound,
            "gap": solve.gap,
            "wall_time_s": round(solve.wall_time_s, 3),
            "workers": solve.workers,
            "seed": solve.seed,
            "quota_shortfall_total": int(sum(solve.shortfalls)),
            **solve.stats,
        },
        "checker": {"violations": len(result.violations)},
        "timings_s": result.timings,
    }


def write_run(
    target: Path, run_id: str, campaign: Campaign, options: RunOptions, result: NightResult
) -> Path:
    proposals = result.proposals.assign(run_id=run_id)[list(PROPOSAL_COLUMNS)]
    writers: dict[str, Writer] = {
        "proposals.parquet": lambda p: proposals.to_parquet(p, index=False),
        "proposals.csv": lambda p: _csv(proposals, p),
        "candidates.parquet": lambda p: result.candidates.to_parquet(p, index=False),
        "kpis.csv": lambda p: _csv(result.kpis, p),
        "manifest.json": json_writer(manifest(run_id, campaign, options, result)),
    }
    return write_atomically(target, writers)


def _csv(table: pd.DataFrame, path: Path) -> None:
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n")
