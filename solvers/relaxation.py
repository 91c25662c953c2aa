"""The LP relaxation of the assignment: a valid upper bound and a (nearly integral) start.

The assignment polytope (visitor once, host capacity) is integral; only the SME share and
the quotas can make LP vertices fractional, so the LP optimum is usually an integer
assignment or very close to one. Its reduced costs also prove which pairs cannot appear in
any solution better than a known one (reduced-cost fixing).

Large instances are solved by *pricing*: the LP runs on a core of pairs (each visitor's
best few plus the pairs of the known starts); the duals then price every pair, the pairs
with a positive reduced cost join the core, and this repeats until none is left (the core
LP optimum is then the full LP optimum). When the rounds run out, the bound stays valid:
raising each visitor's dual by its best positive reduced cost makes the duals feasible
for all pairs, and the dual objective bounds the full LP.

The rows come from ``solvers.lp_model`` (one builder for every LP); a problem with group
slots gets one full LP over pairs and slots instead (``solvers.slot_lp``). ``fixable`` is the
reduced-cost fixing the strategies use before CP-SAT.

Solved with HiGHS' dual simplex as shipped inside SciPy (no extra dependency; SciPy's HiGHS
lives in its own extension module and coexists with OR-Tools in one process).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from solvers.lp_model import LpRows, Relaxation, highs_limits
from solvers.problem import AssignmentProblem
from solvers.slot_lp import solve_slot_relaxation

log = logging.getLogger(__name__)

PRICE_TOLERANCE = 1e-6  # objective units; a reduced cost above this is an improving pair
CORE_PER_VISITOR = 4  # best pairs per visitor in the first core
ADD_PER_VISITOR = 4  # improving pairs added per visitor and round
MAX_ROUNDS = 30
# stop pricing once the valid bound exceeds the core LP by at most this share of it
BOUND_TOLERANCE = 1e-4


def first_core(
    problem: AssignmentProblem, starts: list[np.ndarray], per_visitor: int
) -> np.ndarray:
    """Each visitor's ``per_visitor`` best pairs plus every pair of the given starts."""
    keep = np.zeros(problem.n_pairs, dtype=bool)
    for start in starts:
        keep |= start
    order = np.lexsort((-problem.pair_value, problem.pair_visitor))
    visitors = problem.pair_visitor[order]
    first = np.searchsorted(visitors, visitors, side="left")
    rank = np.arange(len(order)) - first
    keep[order[rank < per_visitor]] = True
    return keep


def solve_relaxation(
    problem: AssignmentProblem,
    starts: list[np.ndarray] | None = None,
    *,
    price: bool = True,
    max_rounds: int = MAX_ROUNDS,
    tolerance: float = BOUND_TOLERANCE,
    time_limit_s: float | None = None,
    deterministic: bool = False,
    deadline: float | None = None,
) -> Relaxation | None:
    """The LP optimum, or None if HiGHS does not reach it (the caller then goes without).

    ``price=False`` solves the LP over every pair at once. ``deterministic`` turns the time
    budget into HiGHS iteration caps (see ``highs_limits``), so the result never depends on
    the machine's load; ``deadline`` (a ``time.perf_counter`` value) is the wall-clock
    safety net: the pricing stops with the bound it has (a bound still).
    """
    started = time.perf_counter()
    n = problem.n_pairs
    if n == 0:
        needs = np.array([quota.need * quota.penalty for quota in problem.quotas], dtype=float)
        return Relaxation(-float(needs.sum()), np.zeros(0), np.zeros(0), 0.0)
    if problem.n_slots:  # group slots add columns and rows per pair: one full LP
        return solve_slot_relaxation(problem, time_limit_s, deterministic)
    rows = LpRows(problem)
    in_core = (
        first_core(problem, starts or [], CORE_PER_VISITOR) if price else np.ones(n, dtype=bool)
    )
    rounds = 0
    last: tuple[np.ndarray, tuple[float, np.ndarray, np.ndarray, np.ndarray]] | None = None
    n_rows = rows.n_rows
    iteration_budget = highs_limits(time_limit_s, n_rows, True).get("maxiter")
    used = 0
    while True:
        trial = np.flatnonzero(in_core)
        if deterministic:
            limits = (
                {} if iteration_budget is None else {"maxiter": max(1, iteration_budget - used)}
            )
        else:
            remaining = (
                None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)
            )
            limits = highs_limits(remaining, n_rows, False)
        if deadline is not None:
            limits = {**limits, "time_limit": max(0.05, deadline - time.perf_counter())}
        solved = rows.solve(trial, limits)
        used += rows.iterations
        if solved is None:  # out of time (or numerical trouble): the last round stands
            if last is None:
                return None
            break
        rounds += 1
        last = (trial, solved)
        value, _, duals, _ = solved
        reduced = rows.reduced_costs(duals)
        improving = (reduced > PRICE_TOLERANCE) & ~in_core
        raise_by = _visitor_raise(problem, reduced, improving)
        if deterministic:
            out_of_time = iteration_budget is not None and used >= iteration_budget
        else:
            out_of_time = time_limit_s is not None and time.perf_counter() - started > time_limit_s
        if raise_by.sum() <= tolerance * max(1.0, abs(value)) or rounds >= max_rounds:
            break
        if out_of_time or (deadline is not None and time.perf_counter() > deadline):
            break
        in_core |= _best_per_visitor(problem, reduced, improving, ADD_PER_VISITOR)
        log.debug(
            "pricing round %d: %d core pairs, %d improving, bound %.1f + %.1f",
            rounds, len(trial), improving.sum(), value, raise_by.sum(),
        )  # fmt: skip
    core, (value, core_values, duals, _) = last
    in_core = np.zeros(n, dtype=bool)
    in_core[core] = True
    reduced = rows.reduced_costs(duals)
    improving = (reduced > PRICE_TOLERANCE) & ~in_core
    raise_by = _visitor_raise(problem, reduced, improving)
    exact = not improving.any()
    # raise each visitor's dual by its best improving reduced cost: a feasible dual again
    bound = value + float(raise_by.sum())
    reduced = reduced - raise_by[problem.pair_visitor]
    row_duals = duals.copy()
    row_duals[: problem.n_visitors] += raise_by
    values = np.zeros(n)
    values[core] = np.clip(core_values, 0.0, 1.0)
    # only pairs at 0 give a fixing certificate (the x <= 1 bounds carry the rest)
    reduced = np.where(values < 1e-9, np.minimum(reduced, 0.0), 0.0)
    wall = time.perf_counter() - started
    return Relaxation(
        bound=bound,
        values=values,
        reduced_costs=reduced,
        wall_time_s=wall,
        rounds=rounds,
        core_pairs=len(core),
        core=in_core,
        exact=exact,
        side_duals=duals[rows.side_start :],
        lagrangian_values=rows.lagrangian_values(duals),
        row_duals=row_duals,
    )


def _visitor_raise(
    problem: AssignmentProblem, reduced: np.ndarray, improving: np.ndarray
) -> np.ndarray:
    """(n_visitors,) each visitor's largest improving reduced cost (0 if none)."""
    best = np.zeros(problem.n_visitors)
    np.maximum.at(best, problem.pair_visitor, np.where(improving, reduced, 0.0))
    return best


def _best_per_visitor(
    problem: AssignmentProblem, reduced: np.ndarray, candidates: np.ndarray, per_visitor: int
) -> np.ndarray:
    """Among ``candidates``, each visitor's ``per_visitor`` pairs of largest reduced cost."""
    pairs = np.flatnonzero(candidates)
    order = pairs[np.lexsort((-reduced[pairs], problem.pair_visitor[pairs]))]
    visitors = problem.pair_visitor[order]
    rank = np.arange(len(order)) - np.searchsorted(visitors, visitors, side="left")
    chosen = np.zeros(problem.n_pairs, dtype=bool)
    chosen[order[rank < per_visitor]] = True
    return chosen


def fixable(
    problem: AssignmentProblem, relaxation: Relaxation | None, incumbent: int
) -> np.ndarray:
    """Reduced-cost fixing: (n_pairs,) bool, the pairs that may still be in a solution better
    than ``incumbent`` (all of them without a relaxation)."""
    if relaxation is None:
        return np.ones(problem.n_pairs, dtype=bool)
    # with the pair forced in, no solution exceeds bound + reduced cost (reduced cost <= 0)
    return relaxation.bound + relaxation.reduced_costs > incumbent + 0.5
