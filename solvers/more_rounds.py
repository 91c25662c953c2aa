"""The group LP's rounds going on beside the search: a tighter bound on a core left idle.

The group LP (``solvers.group_lp``) stops where its work budget ends, often before it
converges (5,000 visitors and up at 60 s): the bound it proves is then weaker than the LP's.
The phases after it (refits, the group IP, the polish) run on one core, so a copy of the
rounds (``GroupRounds.resumable``) goes on in a thread of its own with a work budget of its
own; its best bound joins the solver's at the end. The proposals never depend on it: cut by
the wall clock (the solver's deadline), it still proves what it has, and only the bound may
then differ from run to run (``group_lp_more_cut_by_wall_clock``, not ``cut_by_wall_clock``).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from solvers.group_lp import GroupBound, GroupRounds, integer_bound
from solvers.options import SolverOptions, past_deadline

Rounds = tuple[Future[float], GroupRounds, float]  # the thread's answer, its rounds, its start


def more_rounds(group: GroupBound | None, work_s: float, options: SolverOptions) -> Rounds | None:
    """The group LP's rounds going on where its work budget stopped them, ``work_s`` more,
    in a thread of their own (None: the LP converged, was cut, or no work)."""
    if group is None or group.resumable is None or work_s <= 0 or past_deadline(options):
        return None
    rounds = group.resumable
    worker = ThreadPoolExecutor(1, thread_name_prefix="cxmatch-group-lp")
    future = worker.submit(rounds.run, work_s, options.deadline)
    worker.shutdown(wait=False)  # the thread ends with its rounds
    return future, rounds, time.perf_counter()


def join_rounds(more: Rounds | None, stats: dict[str, float | int | str]) -> int | None:
    """The bound of the further rounds (``more_rounds``) once they end, their figures in
    ``stats`` (rounds and work in all, the group LP's first ones included; the wait is what
    the solver waited for them at the end); None without them."""
    if more is None:
        return None
    future, rounds, since = more
    clock = time.perf_counter()
    value = future.result()
    stats.update(
        group_lp_more_rounds=rounds.rounds,
        group_lp_more_work_s=round(rounds.used * rounds.unit, 3),
        group_lp_more_wait_s=round(time.perf_counter() - clock, 3),
        group_lp_more_time_s=round(time.perf_counter() - since, 3),
    )
    if rounds.cut:
        stats["group_lp_more_cut_by_wall_clock"] = "yes (the bound only)"
    if not np.isfinite(value):
        return None
    bound = integer_bound(value)
    stats["group_lp_more_bound"] = bound
    return bound
