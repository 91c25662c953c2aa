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
import sys
import threading
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
        except KeyboardInterrupt:
            _quiet()  # what Dask says while it stops is not the user's business
            raise
        finally:
            left = [future for key, (future, _) in futures.items() if key not in done]
            if left:  # a time-out or an interruption: stop what still runs
                client.cancel(left)


def _quiet() -> None:
    """Dask's and its event loop's logs off for the rest of the process (an interrupted sweep:
    the scenarios' audit saw 36 lines of tracebacks and warnings before the one sentence)."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


class SchedulerUnreachable(ValueError):
    """The scheduler a sweep was given does not answer: said, exit 2 (not a bug)."""


CONNECT_S = 30  # how long a sweep waits for the scheduler it was given
# what a reply that is not Dask's protocol raises as Dask reads it (a frame's length of
# exabytes, bytes that are no message): another service at that address
NOT_DASK = (MemoryError, ValueError, TypeError, KeyError, IndexError, EOFError)


def _connected(scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, or :class:`SchedulerUnreachable` within
    ``CONNECT_S`` (and a margin): nobody there, or something that is no Dask scheduler (the
    scenarios' audit: an HTTP server never ended Dask's handshake, and a sweep waited for 12
    minutes; another service's reply was read as a frame's length, a MemoryError)."""
    from distributed import Client

    box: dict[str, Any] = {}
    lock = threading.Lock()

    def connect() -> None:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_S}s")
        except Exception as error:  # said below, in the sweep's words
            box["error"] = error
            return
        with lock:
            if box.get("abandoned"):  # the sweep stopped waiting: it is nobody's
                client.close()
            else:
                box["client"] = client

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_S + 10)
    with lock:
        box["abandoned"] = "client" not in box
    if "client" in box:
        return box["client"]
    error = box.get("error")
    if error is None:
        why = "something answered, but no Dask scheduler's handshake"
    elif isinstance(error, OSError):
        why = str(error)
    elif isinstance(error, NOT_DASK):
        why = "something answered that is not a Dask scheduler"
    else:
        raise error  # a bug, said as one
    raise SchedulerUnreachable(
        f"--scheduler {scheduler}: no Dask scheduler answered within {CONNECT_S} s ({why})"
    )


@contextmanager
def dask_client(
    scheduler: str | None, workers: int | None, log_level: int = logging.WARNING
) -> Iterator[Any]:
    """A client of the given scheduler, or of a new local cluster of one process per core
    (one thread each) on free ports, shut down on exit (client first, then the cluster)."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            with _connected(scheduler) as client:
                yield client
        except KeyboardInterrupt:
            _quiet()
            raise
        return
    cluster = None
    try:
        with _workers_apart(log_level):
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                dashboard_address=":0",  # a free port: never "8787 is already in use"
                silence_logs=log_level,
            )
        with Client(cluster) as client:
            yield client
    except KeyboardInterrupt:
        _quiet()
        raise
    finally:
        if cluster is not None:
            cluster.close()


@contextmanager
def _workers_apart(log_level: int) -> Iterator[None]:
    """While a local cluster starts, its worker processes get a standard error of their own
    (the null device) unless Dask's messages are asked for (-v): a Ctrl+C reaches every
    process of the sweep, and each worker printed its traceback and Dask's warnings while
    the sweep stopped (the scenarios' audit: 36 to 83 lines before the one sentence). A task
    that fails comes back as its result's error; the sweep takes Ctrl+C and stops them."""
    if log_level <= logging.INFO:
        yield
        return
    sys.stderr.flush()
    own = os.dup(2)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)  # the processes started now inherit it
        os.close(null)
        yield
    finally:
        os.dup2(own, 2)
        os.close(own)
