"""Simulation folders: written atomically (engine.output.store), read back for sweeps and compare.

| file | what |
|---|---|
| ``summary.json`` | the scenario (every setting), the seed and the headline figures |
| ``nights.csv`` | one row per night: open profiles, proposals, accepted, SME shares, scores, lump sums, KPIs met, solver status |
| ``proposals.parquet`` | every proposal of every night with its acceptance probability and outcome |
| ``accepted.csv`` | the accepted exchanges (night, pair, dates, mode, score, lump sum) |
| ``kpi_progress.csv`` | per night (0 = before the first) x partnership x category: target, achieved, shortfall, met |
| ``kpis.csv`` | per partnership x category: target, achieved at start and end, night met (or the shortfall) |
| ``manifest.json`` | versions, input hashes and timings (the only file that differs between identical runs) |
| ``report.html`` | the self-contained report with plots (simulate only) |
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.cells import neutralise, restore
from engine.output.run_folder import versions
from engine.output.store import Writer, file_mode, json_writer, write_atomically
from scenarios.simulate import SimulationResult

SUMMARY = "summary.json"
ACCEPTED_COLUMNS = (
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
    "category",
    "visitor_partnership",
    "host_country",
    "lump_sum_eur",
)


def write_simulation(
    target: Path, result: SimulationResult, report_html: str | None = None
) -> Path:
    """Write the simulation folder ``target`` atomically (it must not exist)."""
    accepted = result.proposals[result.proposals["outcome"] == "accepted"][list(ACCEPTED_COLUMNS)]
    writers: dict[str, Writer] = {
        SUMMARY: json_writer(
            {"summary": result.summary, "seed": result.seed, "scenario": result.scenario}
        ),
        "nights.csv": lambda path: write_csv(result.nights, path),
        "proposals.parquet": lambda path: result.proposals.to_parquet(path, index=False),
        "accepted.csv": lambda path: write_csv(accepted, path),
        "kpi_progress.csv": lambda path: write_csv(result.kpi_progress, path),
        "kpis.csv": lambda path: write_csv(result.kpis, path),
        "manifest.json": json_writer(
            {
                "versions": versions(),
                "input_hashes": result.input_hashes,
                "timings_s": result.timings,
            }
        ),
    }
    if report_html is not None:
        writers["report.html"] = text_writer(report_html)
    return write_atomically(target, writers)


def text_writer(text: str) -> Writer:
    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return write


def is_simulation(folder: Path) -> bool:
    return (Path(folder) / SUMMARY).is_file()


def read_summary(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(folder) / SUMMARY).read_text(encoding="utf-8"))
    return data


def read_simulation(folder: Path) -> SimulationResult:
    """A simulation folder as a :class:`SimulationResult` (timings from the manifest)."""
    folder = Path(folder)
    stored = read_summary(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return SimulationResult(
        scenario=stored["scenario"],
        seed=int(stored["seed"]),
        summary=stored["summary"],
        nights=read_csv(folder / "nights.csv"),
        proposals=pd.read_parquet(folder / "proposals.parquet"),
        kpi_progress=read_csv(folder / "kpi_progress.csv"),
        kpis=read_csv(folder / "kpis.csv"),
        timings=manifest.get("timings_s", {}),
        input_hashes=manifest.get("input_hashes", {}),
    )


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """CSV with ISO dates (no time of day) and '\\n' line ends; text a spreadsheet would read
    as a formula (a partnership ``=cmd``) with a leading apostrophe, as a run's CSVs."""
    out = table.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.to_csv(path, index=False, lineterminator="\n")


TEXT_COLUMNS = ("scenario", "digest", "error", "visitor_id", "host_id", "partnership", "category")


def read_csv(path: Path) -> pd.DataFrame:
    """A table written by :func:`write_csv`, with dates parsed and ids kept as text."""
    header = pd.read_csv(path, nrows=0).columns
    table = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS if c in header})
    for column in table.columns:
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(restore)
    for column in table.columns:
        if column in ("night_date", "met_date", "start", "end", "date"):
            table[column] = pd.to_datetime(table[column])
    return table


def replace_file(path: Path, write: Callable[[Path], None]) -> None:
    """Write one file atomically: a temporary file beside it, then a rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".tmp-{path.name}-", dir=path.parent)
    os.close(handle)
    try:
        os.chmod(temporary, file_mode())  # as a run's files, not mkstemp's 0600
        write(Path(temporary))
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
