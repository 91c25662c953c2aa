"""How long and how a solve may run: the options every strategy reads, and its budgets.

In deterministic mode (the default) budgets are work, not wall time: CP-SAT stops after a
share of the time limit in its deterministic time units, HiGHS after an iteration cap
(``solvers.lp_model.highs_limits``); the wall clock is only a safety net. The same inputs,
seed and workers then give the same answer however loaded the machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from solvers.problem import SCORE_SCALE


@dataclass(frozen=True)
class SolverOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = True  # interleaved search: same inputs, seed, workers -> same answer
    use_relaxation: bool = True  # LP bound, LP-rounded start and reduced-cost fixing
    log_search: bool = False
    # stop as soon as a solution is proven within this relative gap of the bound (as a MIP
    # solver's relative gap limit; HiGHS' default is the same 1e-4)
    gap_limit: float = 1e-4
    # of the time left: the LP stops pricing then (its bound holds); measured at 50,000 tight
    # visitors, 0.6 stopped after 2 pricing rounds (gap 0.2% to the flow bound), 0.8 after 3
    lp_time_share: float = 0.8
    # CP-SAT sees at most this many pairs: past it, only pairs whose LP reduced cost is
    # within core_reduced_cost objective units of zero (a heuristic core, no longer exact)
    max_core_pairs: int = 20_000
    core_reduced_cost: float = 3 * SCORE_SCALE
    # the wall-clock safety net (a ``time.perf_counter`` value): a phase still running then
    # stops with the best it has, and the result says so (``stats["cut_by_wall_clock"]``);
    # None: only the work budgets end the solve
    deadline: float | None = None


# Deterministic mode (the default): CP-SAT stops after this share of the time limit in its
# deterministic time units (0.3 to 1 wall second each here, more under load; interleaved
# search checks the limit between batches and may overshoot it about twice), and the wall
# clock only cuts a run that takes WALL_SAFETY_FACTOR times the limit.
CP_SAT_DETERMINISTIC_SHARE = 0.15
WALL_SAFETY_FACTOR = 3.0


def past_deadline(options: SolverOptions) -> bool:
    """The wall-clock deadline has passed (never, without one)."""
    return options.deadline is not None and time.perf_counter() > options.deadline


def wall_limit(options: SolverOptions, share_of_limit: float) -> float:
    """Seconds a phase may run on the wall clock: ``share_of_limit`` x the time limit as a
    safety net, and never past the deadline."""
    limit = max(0.1, share_of_limit * options.time_limit_s)
    if options.deadline is not None:
        limit = min(limit, max(0.05, options.deadline - time.perf_counter()))
    return limit


def remaining_budget(options: SolverOptions, started: float) -> float:
    """The budget left: the whole limit when deterministic (never the wall clock)."""
    if options.deterministic:
        return options.time_limit_s
    return max(0.1, options.time_limit_s - (time.perf_counter() - started))
