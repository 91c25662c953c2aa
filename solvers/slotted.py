"""The assignment with group slots: which slots each host opens, and who joins them.

A pair may be chosen only if one of the slots it fits (dates, length, language, mode) is
open, and a host opens at most ``max_groups_per_host`` slots. Once the open slots are
chosen, what remains is a plain assignment, which the slot-free solver handles very well;
so the search alternates between choosing slots and re-solving:

0. Baselines: the greedy assignment (every rule, slots included) and the min-cost-flow
   optimum without side rules or slots (``solvers.flow``): what no rule would cost.
1. Slot-free solve (``solve_plain`` on the problem without its slot layer, each pair earning
   ``bonus x (1 - 1/capacity)`` of its host's group bonus, which is at least what the group
   can earn, since members - 1 <= members x (1 - 1/capacity) when members <= capacity): a
   valid upper bound, since slots only restrict, and an assignment.
2. Open, per host, the slots that assignment fills most; re-solve the plain assignment over
   the pairs fitting those slots: a first solution.
3. The LP with the slot layer (time-limited): a tighter bound, and its slot choice re-solved
   the same way.
4. CP-SAT on the full model (``solvers.cpsat_model``: slot booleans, ``x_p => OR of its
   slots``), hinted with the best solution, on the pairs LP reduced costs cannot rule out,
   for the rest of the time.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from solvers.cpsat_model import run_cpsat
from solvers.flow import max_weight_assignment
from solvers.greedy import best_slots, greedy_solution, round_solution
from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.problem import AssignmentProblem
from solvers.relaxation import fixable, solve_relaxation
from solvers.result import Solution, SolveResult, SolveStatus, solve_result

# shares of the time budget
PLAIN_SHARE = 0.15
REFIT_SHARE = 0.15
SLOT_LP_SHARE = 0.6  # of what remains after the slot-free solves


def solve_slotted(problem: AssignmentProblem, options: SolverOptions) -> SolveResult:
    """The best assignment and open slots of a problem with a slot layer (see the module)."""
    if problem.slot_host is None:
        raise ValueError("solve_slotted takes a problem with group slots (see solvers.solve)")
    started = time.perf_counter()
    budget = options.time_limit_s
    stats: dict[str, float | int | str] = {"pairs": problem.n_pairs, "slots": problem.n_slots}

    def result(status: SolveStatus, solution: Solution | None, bound: int | None) -> SolveResult:
        return solve_result(
            problem,
            status,
            solution,
            bound,
            started=started,
            seed=options.seed,
            workers=options.workers,
            stats=stats,
        )

    best: Solution = greedy_solution(problem)
    stats["greedy_objective"] = problem.objective(*best)
    # the unconstrained optimum (no SME share, quotas, slots or budgets): what rules cost
    flow = max_weight_assignment(problem, problem.pair_value)
    stats["mcf_objective"] = int(problem.pair_value[flow].sum())

    def consider(name: str, solution: Solution | None) -> None:
        nonlocal best
        if solution is None:
            return
        value = problem.objective(*solution)
        stats[f"{name}_objective"] = value
        if value > problem.objective(*best):
            best = solution
            stats["start"] = name

    bound: int | None = None
    if options.use_relaxation:
        upper = _without_slots(problem, np.ones(problem.n_pairs, dtype=bool), bonus_all=True)
        plain = solve_plain(upper, replace(options, time_limit_s=budget * PLAIN_SHARE))
        if plain.best_bound is not None:
            bound = plain.best_bound
            stats["slot_free_bound"] = bound
        opened = best_slots(problem, problem.slot_mass(plain.selected.astype(float)))
        consider("slot_free_refit", _refit(problem, opened, options, budget * REFIT_SHARE))

        remaining = budget * (1 - PLAIN_SHARE - REFIT_SHARE)  # a fixed share: deterministic
        if not options.deterministic:
            remaining = budget - (time.perf_counter() - started)
        relaxation = solve_relaxation(
            problem,
            time_limit_s=remaining * SLOT_LP_SHARE,
            deterministic=options.deterministic,
        )
        if relaxation is not None:
            lp_bound = math.floor(relaxation.bound + 1e-6)
            bound = lp_bound if bound is None else min(bound, lp_bound)
            stats.update(
                lp_bound=lp_bound,
                lp_time_s=round(relaxation.wall_time_s, 3),
                lp_fractional_pairs=relaxation.fractional,
            )
            rounded = round_solution(problem, relaxation.values)
            consider("lp_rounded", rounded)
            if rounded[1] is not None:
                consider("lp_refit", _refit(problem, rounded[1], options, budget * REFIT_SHARE))
    else:
        relaxation = None

    objective = problem.objective(*best)
    if bound is not None and objective >= bound:
        stats["cp_sat"] = "skipped: the start reaches the bound (proven optimal)"
        return result(SolveStatus.OPTIMAL, best, objective)

    keep = fixable(problem, relaxation, objective)
    stats["pairs_after_fixing"] = int(keep.sum())
    status, found, cp_bound = run_cpsat(problem, keep, best, options, started, stats)
    if status.has_solution and problem.objective(*found) > objective:
        best, objective = found, problem.objective(*found)
        stats["start"] = "cp-sat"
    if status is SolveStatus.INFEASIBLE or status is SolveStatus.MODEL_INVALID:
        return result(status, None, None)
    if cp_bound is not None:  # exact fixed model: CP-SAT's bound holds overall
        bound = cp_bound if bound is None else min(bound, cp_bound)
    proven = status is SolveStatus.OPTIMAL or (bound is not None and objective >= bound)
    final = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return result(final, best, objective if proven else bound)


def _without_slots(
    problem: AssignmentProblem, keep: np.ndarray, bonus_all: bool = False
) -> AssignmentProblem:
    """The plain problem over ``keep``. With ``bonus_all`` every pair earns its host's group
    bonus times (1 - 1/capacity), rounded up: at least the bonus its group earns, so the
    plain optimum bounds the slotted one (the whole bonus at a host with an accepted group
    to join, where a member may open no group)."""
    plain = problem.restricted(keep)
    if not bonus_all or problem.group_bonus is None:
        return plain
    hosts = problem.pair_host[keep]
    capacity = np.maximum(problem.host_capacity[hosts], 1)
    assert problem.slot_host is not None
    joinable = np.bincount(problem.slot_host[~problem.new_slots], minlength=problem.n_hosts) > 0
    share = np.where(joinable[hosts], 1.0, 1 - 1 / capacity)
    extra = np.ceil(problem.group_bonus[hosts] * share).astype(np.int64)
    base = (
        np.zeros(int(keep.sum()), dtype=np.int64) if plain.pair_bonus is None else plain.pair_bonus
    )
    return replace(plain, pair_bonus=base + extra)


def _refit(
    problem: AssignmentProblem, open_slots: np.ndarray, options: SolverOptions, time_limit_s: float
) -> Solution | None:
    """With the open slots fixed, solve the plain assignment over the pairs fitting them."""
    keep = problem.fitting(open_slots)
    if not keep.any():
        return None
    fixed = replace(_without_slots(problem, keep), host_capacity=problem.host_limits(open_slots))
    sub = solve_plain(fixed, replace(options, time_limit_s=max(1.0, time_limit_s)))
    if not sub.status.has_solution:
        return None
    chosen = np.zeros(problem.n_pairs, dtype=bool)
    chosen[np.flatnonzero(keep)[sub.selected]] = True
    used = open_slots & (problem.slot_mass(chosen.astype(float)) > 0)
    return chosen, used
