"""Running a sweep's tasks on Dask: a local cluster of worker processes, or an existing one.

One task per (scenario, seed), each on a worker process with one thread (CP-SAT on one
thread): the simulations are CPU-bound Python and C++ and share nothing, so processes, not
threads, scale them. Each distinct base campaign (under 1 MB) is sent once to every worker
(``scatter(broadcast=True)``); a task carries only its scenario and seed. The local cluster
listens on free ports (no dashboard on 8787 to collide with) and its workers log at
``log_level``; results come back as they finish and are written by the caller.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.domain.contract import Campaign
from scenarios.tasks import Finished, Progress, SweepTask, base_key, run_task


def run_on_dask(
    pending: list[SweepTask],
    bases: dict[str, Campaign],
    finished: Finished,
    scheduler: str | None,
    workers: int | None,
    timeout_s: float | None,
    say: Progress,
    log_level: int = logging.WARNING,
) -> None:
    from distributed import as_completed

    with dask_client(scheduler, workers, log_level) as client:
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
        done = set()
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
                done.add(future.key)
                future.release()
        finally:
            left = [future for key, (future, _) in futures.items() if key not in done]
            if left:  # a time-out or an interruption: stop what still runs
                client.cancel(left)


class SchedulerUnreachable(ValueError):
    """The scheduler a sweep was given does not answer: said, exit 2 (not a bug)."""


@contextmanager
def dask_client(
    scheduler: str | None, workers: int | None, log_level: int = logging.WARNING
) -> Iterator[Any]:
    """A client of the given scheduler, or of a new local cluster of one process per core
    (one thread each) on free ports, shut down on exit (client first, then the cluster)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            connected = Client(scheduler, timeout="30s")
        except OSError as refused:  # nobody there, or not a Dask scheduler
            raise SchedulerUnreachable(
                f"--scheduler {scheduler}: no Dask scheduler answered within 30 s ({refused})"
            ) from None
        with connected as client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=":0",  # a free port: never "8787 is already in use"
        silence_logs=log_level,
    )
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
