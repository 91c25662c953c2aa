"""The global assignment with OR-Tools CP-SAT.

Variables: one boolean per candidate pair, one shortfall integer per quota.
Constraints: each visitor at most one host (AddAtMostOne); each host at most its capacity;
SME share as one linear inequality ``den * smes >= num * total``; each quota
``members chosen + shortfall >= need``.
Objective: maximise total integer score minus quota penalties times shortfalls.
The greedy solution is the warm start (AddHint) and the result if CP-SAT finds nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from solvers.greedy import solve_greedy
from solvers.problem import AssignmentProblem, SolveResult, SolveStatus

log = logging.getLogger(__name__)

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


@dataclass(frozen=True)
class SolverOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    deterministic: bool = True  # interleaved search: same inputs, seed, workers -> same answer
    log_search: bool = False


def solve_cpsat(problem: AssignmentProblem, options: SolverOptions | None = None) -> SolveResult:
    options = options or SolverOptions()
    started = time.perf_counter()
    warm = solve_greedy(problem, seed=options.seed)

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in range(problem.n_pairs)]
    _add_visitor_once(model, problem, x)
    _add_host_capacity(model, problem, x)
    _add_sme_share(model, problem, x)
    shortfall = _add_quotas(model, problem, x)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(x, problem.pair_score.tolist())
        - cp_model.LinearExpr.weighted_sum(shortfall, [q.penalty for q in problem.quotas])
    )
    for p, var in enumerate(x):
        model.add_hint(var, bool(warm.selected[p]))
    for var, value in zip(shortfall, warm.shortfalls, strict=True):
        model.add_hint(var, value)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.log_search_progress = options.log_search
    remaining = max(0.1, options.time_limit_s - (time.perf_counter() - started))
    params.max_time_in_seconds = remaining
    if options.deterministic:
        params.interleave_search = True
        params.max_deterministic_time = remaining
    status = _STATUS[solver.solve(model)]

    stats = {
        "greedy_objective": int(warm.objective or 0),
        "branches": int(solver.num_branches),
        "conflicts": int(solver.num_conflicts),
        "deterministic_time": float(solver.deterministic_time),
        "variables": problem.n_pairs + len(shortfall),
    }
    wall = time.perf_counter() - started
    if not status.has_solution:
        if status is SolveStatus.UNKNOWN:  # nothing found in time: the greedy answer stands
            log.warning("CP-SAT found no solution in %.1fs; returning the greedy assignment", wall)
            return replace(warm, solver="greedy (cp-sat found none)", wall_time_s=wall, stats=stats)
        return SolveResult(
            solver="cp-sat",
            status=status,
            selected=np.zeros(problem.n_pairs, dtype=bool),
            objective=None,
            best_bound=None,
            wall_time_s=wall,
            seed=options.seed,
            workers=options.workers,
            stats=stats,
        )
    selected = np.array([solver.boolean_value(var) for var in x], dtype=bool)
    return SolveResult(
        solver="cp-sat",
        status=status,
        selected=selected,
        objective=int(round(solver.objective_value)),
        best_bound=int(np.floor(solver.best_objective_bound + 1e-6)),
        wall_time_s=wall,
        seed=options.seed,
        workers=options.workers,
        shortfalls=tuple(problem.shortfalls(selected)),
        stats=stats,
    )


def _by_index(keys: np.ndarray, size: int) -> list[np.ndarray]:
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]


def _add_visitor_once(model: cp_model.CpModel, problem: AssignmentProblem, x: list) -> None:
    for pairs in _by_index(problem.pair_visitor, problem.n_visitors):
        if len(pairs) > 1:
            model.add_at_most_one(x[p] for p in pairs)


def _add_host_capacity(model: cp_model.CpModel, problem: AssignmentProblem, x: list) -> None:
    for host, pairs in enumerate(_by_index(problem.pair_host, problem.n_hosts)):
        if len(pairs) > problem.host_capacity[host]:
            model.add(sum(x[p] for p in pairs) <= int(problem.host_capacity[host]))


def _add_sme_share(model: cp_model.CpModel, problem: AssignmentProblem, x: list) -> None:
    share = problem.min_sme_share
    if share <= 0:
        return
    is_sme = problem.visitor_is_sme[problem.pair_visitor]
    # den * sum(sme) - num * sum(all) >= 0, one coefficient per pair
    coefficients = np.where(is_sme, share.denominator - share.numerator, -share.numerator)
    model.add(cp_model.LinearExpr.weighted_sum(x, coefficients.tolist()) >= 0)


def _add_quotas(model: cp_model.CpModel, problem: AssignmentProblem, x: list) -> list:
    shortfall = []
    member_pairs = problem.pair_visitor
    for i, quota in enumerate(problem.quotas):
        slack = model.new_int_var(0, quota.need, f"shortfall{i}")
        pairs = np.flatnonzero(quota.members[member_pairs])
        model.add(sum(x[p] for p in pairs) + slack >= quota.need)
        shortfall.append(slack)
    return shortfall
