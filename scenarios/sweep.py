"""Many scenarios x seeds, on Dask (a local cluster by default) or serially, resumable.

Each (scenario, seed) is one task: prepare the scenario's campaign with that seed and simulate
it, CP-SAT on one thread. The client writes each finished result to its own folder
``results/<scenario>-<digest>/seed-<seed>/`` atomically as soon as it arrives; a re-run skips
every result already there (the digest changes when the scenario file does, so an edited
scenario is simulated afresh). A task that fails is reported and the others finish. The
tables and the report over all results are rewritten at the end of every run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.contract import Campaign
from engine.output.store import json_writer
from scenarios.report import sweep_report
from scenarios.simulate import SimulationResult, simulate
from scenarios.spec import LoadedScenario, ScenarioInvalid
from scenarios.store import (
    read_csv,
    read_summary,
    replace_file,
    text_writer,
    write_csv,
    write_simulation,
)
from scenarios.whatif import load_base, prepare

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
RESULTS = "results"
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


@dataclass(frozen=True)
class SweepTask:
    loaded: LoadedScenario
    seed: int

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def folder(self, out: Path) -> Path:
        scenario = self.loaded.scenario
        return out / RESULTS / f"{scenario.name}-{scenario.digest()}" / f"seed-{self.seed}"


@dataclass
class SweepOutcome:
    out: Path
    ran: list[tuple[str, int]] = field(default_factory=list)
    reused: list[tuple[str, int]] = field(default_factory=list)
    failed: dict[tuple[str, int], str] = field(default_factory=dict)
    wall_time_s: float = 0.0
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)


def load_bases(scenarios: Sequence[LoadedScenario]) -> dict[str, Campaign]:
    """Every distinct base campaign, loaded once (raises CampaignInvalid on a bad folder)."""
    bases: dict[str, Campaign] = {}
    for loaded in scenarios:
        key = base_key(loaded)
        if key not in bases:
            bases[key] = load_base(loaded)
    return bases


def base_key(loaded: LoadedScenario) -> str:
    folder = loaded.base_folder()
    return str(folder) if folder is not None else repr(loaded.scenario.base)


def check_scenarios(
    scenarios: Sequence[LoadedScenario], bases: dict[str, Campaign], seed: int
) -> None:
    """Fail fast on bad input: duplicate names, and changes the campaign does not allow.

    Raises :class:`ScenarioInvalid` listing the problems of every scenario."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for loaded in scenarios:
        name = loaded.scenario.name
        if name in seen:
            problems.append(f"{loaded.path}: scenario name {name!r} is also used by {seen[name]}")
        seen[name] = loaded.path
        try:
            prepare(loaded.scenario, bases[base_key(loaded)], seed, loaded.path)
        except ScenarioInvalid as invalid:
            problems += [f"{loaded.path}: {problem}" for problem in invalid.problems]
    if problems:
        raise ScenarioInvalid("sweep", problems)


def run_task(loaded: LoadedScenario, base: Campaign, seed: int) -> SimulationResult:
    """One (scenario, seed): the unit of work a Dask worker runs (CP-SAT on one thread)."""
    scenario = loaded.scenario
    single = scenario.model_copy(
        update={"engine": scenario.engine.model_copy(update={"workers": 1})}
    )
    return simulate(prepare(single, base, seed, loaded.path))


def run_sweep(
    scenarios: Sequence[LoadedScenario],
    seeds: Sequence[int],
    out: Path,
    *,
    serial: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    timeout_s: float | None = None,
    progress: Progress | None = None,
) -> SweepOutcome:
    """Run every (scenario, seed) not already in ``out``; write the tables and the report.

    Bad input (an invalid base campaign or changes) raises before anything is written."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    bases = load_bases(scenarios)
    check_scenarios(scenarios, bases, seeds[0])
    out = Path(out)
    tasks = [SweepTask(loaded, seed) for loaded in scenarios for seed in seeds]
    outcome = SweepOutcome(out=out)
    pending = []
    for task in tasks:
        if (task.folder(out) / "summary.json").is_file():
            outcome.reused.append((task.name, task.seed))
        else:
            pending.append(task)
    say(f"{len(tasks)} results: {len(outcome.reused)} already done, {len(pending)} to run")

    def finished(task: SweepTask, result: SimulationResult | None, error: str | None) -> None:
        key = (task.name, task.seed)
        if result is None:
            outcome.failed[key] = error or "failed"
            say(f"FAILED {task.name} seed {task.seed}: {error}")
            return
        write_simulation(task.folder(out), result)
        outcome.ran.append(key)
        say(
            f"done {task.name} seed {task.seed} ({len(outcome.ran) + len(outcome.failed)}/{len(pending)})"
        )

    if serial:
        for task in pending:
            _run_serially(task, bases, finished)
    elif pending:
        _run_on_dask(pending, bases, finished, scheduler, workers, timeout_s, say)
    outcome.wall_time_s = round(time.perf_counter() - started, 3)
    outcome.runs = write_tables(tasks, outcome, seeds, serial, scheduler, workers)
    return outcome


def _run_serially(
    task: SweepTask,
    bases: dict[str, Campaign],
    finished: Callable[[SweepTask, SimulationResult | None, str | None], None],
) -> None:
    try:
        result = run_task(task.loaded, bases[base_key(task.loaded)], task.seed)
    except Exception as error:  # one failed scenario is reported; the others go on
        log.debug("task failed", exc_info=True)
        finished(task, None, f"{type(error).__name__}: {error}")
        return
    finished(task, result, None)


def _run_on_dask(
    pending: list[SweepTask],
    bases: dict[str, Campaign],
    finished: Callable[[SweepTask, SimulationResult | None, str | None], None],
    scheduler: str | None,
    workers: int | None,
    timeout_s: float | None,
    say: Progress,
) -> None:
    from distributed import as_completed

    with dask_client(scheduler, workers) as client:
        say(
            f"Dask: {len(client.scheduler_info()['workers'])} workers at {client.scheduler.address}"
        )
        scattered = {key: client.scatter(base, broadcast=True) for key, base in bases.items()}
        futures = {}
        for task in pending:
            future = client.submit(
                run_task,
                task.loaded,
                scattered[base_key(task.loaded)],
                task.seed,
                key=f"simulate-{task.name}-{task.loaded.scenario.digest()}-seed{task.seed}",
                pure=False,
            )
            futures[future.key] = (future, task)
        try:
            for future in as_completed(
                [future for future, _ in futures.values()], timeout=timeout_s
            ):
                task = futures[future.key][1]
                if future.status == "error":
                    error = future.exception()
                    finished(task, None, f"{type(error).__name__}: {error}")
                else:
                    finished(task, future.result(), None)
                future.release()
        finally:
            for future, _ in futures.values():
                future.cancel()


@contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the given scheduler, or of a new local cluster of one process per core
    (one thread each), shut down on exit."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


# --- the tables over every result ---------------------------------------------------------------


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
    html_text = sweep_report(runs, scenarios, kpis, manifest)
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
