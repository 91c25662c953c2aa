"""Many scenarios x seeds, on Dask (a local cluster by default) or serially, resumable.

Each (scenario, seed) is one task: prepare the scenario's campaign with that seed and simulate
it, CP-SAT on one thread (:mod:`scenarios.cluster` runs them on Dask). The client writes each
finished result to its own folder ``results/<scenario>-<digest>/seed-<seed>/`` atomically as
soon as it arrives; a re-run skips every result already there (the digest changes when the
scenario file does, so an edited scenario is simulated afresh). A task that fails is reported
and the others finish. The tables and the report over all results are rewritten at the end of
every run (:mod:`scenarios.sweep_tables`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from engine.domain.contract import Campaign
from scenarios.checks import check_loaded
from scenarios.cluster import run_on_dask
from scenarios.simulate import SimulationResult
from scenarios.spec import LoadedScenario
from scenarios.store import write_simulation
from scenarios.sweep_tables import write_tables
from scenarios.tasks import Finished, Progress, SweepOutcome, SweepTask, base_key, run_task

log = logging.getLogger(__name__)

__all__ = ["SweepOutcome", "SweepTask", "run_sweep"]


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
    log_level: int = logging.WARNING,
    bases: dict[str, Campaign] | None = None,
) -> SweepOutcome:
    """Run every (scenario, seed) not already in ``out``; write the tables and the report.

    Bad input (an invalid base campaign or changes) raises :class:`ScenariosInvalid` with every
    problem of every scenario before anything is written.
    ``log_level``: what the local cluster's workers log. ``bases``: the base campaigns of
    scenarios already checked (:func:`scenarios.checks.check_files`)."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    if bases is None:
        bases = check_loaded(scenarios, seeds[0]).bases
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
        run_on_dask(pending, bases, finished, scheduler, workers, timeout_s, say, log_level)
    outcome.wall_time_s = round(time.perf_counter() - started, 3)
    outcome.runs = write_tables(tasks, outcome, seeds, serial, scheduler, workers)
    return outcome


def _run_serially(task: SweepTask, bases: dict[str, Campaign], finished: Finished) -> None:
    try:
        result = run_task(task.loaded, bases[base_key(task.loaded)], task.seed)
    except Exception as error:  # one failed scenario is reported; the others go on
        log.debug("task failed", exc_info=True)
        finished(task, None, f"{type(error).__name__}: {error}")
        return
    finished(task, result, None)
