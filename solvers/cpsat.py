"""The global assignment: min-cost flow and LP relaxation for starts and bounds, then CP-SAT.

1. Baselines: the greedy assignment (every rule) and the min-cost-flow optimum without
   side rules (``solvers.flow``: no SME share, no quotas, no caps). When that unconstrained
   optimum happens to keep every rule it is proven optimal and nothing else runs.
2. LP relaxation (``solvers.relaxation``, priced over a core of pairs): a valid upper bound,
   a nearly integral optimum and the prices of the side rules.
3. Starts, all repaired to keep every hard rule: the greedy, the flow optimum, the LP
   optimum rounded, and the max-weight assignment under the LP's Lagrangian weights (pair
   value less the priced side rules, tie-broken towards the LP optimum). The best is the
   incumbent, and the fallback result.
4. If the incumbent reaches the LP bound it is proven optimal and CP-SAT has nothing to add;
   within ``gap_limit`` of it, the solve stops too (as a MIP solver's relative gap limit).
5. Otherwise CP-SAT improves it on a core: the pairs that can still improve on the
   incumbent after reduced-cost fixing, narrowed to those within ``core_reduced_cost`` of
   zero reduced cost when that is still over ``max_core_pairs``; CP-SAT starts from the
   incumbent (AddHint). The best bound is the LP bound (or CP-SAT's, when the core is the
   exact fixed model and CP-SAT proves it).

CP-SAT model: one boolean per pair, one shortfall integer per quota; each visitor at most one
host (AddAtMostOne); each host at most its capacity; SME share as one linear inequality
``den * smes >= num * total``; each quota ``members chosen + shortfall >= need``. Objective:
maximise total integer score minus quota penalty times shortfall.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solvers.flow import max_weight_assignment
from solvers.greedy import greedy_selection, round_relaxation
from solvers.problem import SCORE_SCALE, AssignmentProblem, SolveResult, SolveStatus
from solvers.relaxation import Relaxation, solve_relaxation

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


Solution = tuple[np.ndarray, np.ndarray | None]  # chosen pairs, open slots (if any)

# Deterministic mode (the default): CP-SAT stops after this share of the time limit in its
# deterministic time units (0.3 to 1 wall second each here, more under load; interleaved
# search checks the limit between batches and may overshoot it about twice), and the wall
# clock only cuts a run that takes WALL_SAFETY_FACTOR times the limit.
CP_SAT_DETERMINISTIC_SHARE = 0.15
WALL_SAFETY_FACTOR = 3.0


def _remaining(options: SolverOptions, started: float) -> float:
    """The budget left: the whole limit when deterministic (never the wall clock)."""
    if options.deterministic:
        return options.time_limit_s
    return max(0.1, options.time_limit_s - (time.perf_counter() - started))


def solve_cpsat(problem: AssignmentProblem, options: SolverOptions | None = None) -> SolveResult:
    options = options or SolverOptions()
    if problem.slot_host is not None:
        from solvers.slotted import solve_slotted  # the slot layer's own path

        return solve_slotted(problem, options)
    started = time.perf_counter()
    stats: dict[str, float | int | str] = {"pairs": problem.n_pairs}
    plain = True  # the flow bound needs plain pairs (no group slots)

    greedy = greedy_selection(problem)
    stats["greedy_objective"] = problem.objective(greedy)
    clock = time.perf_counter()
    flow = max_weight_assignment(problem, problem.pair_value)
    flow_value = int(problem.pair_value[flow].sum())
    stats.update(
        mcf_objective=flow_value,  # the unconstrained optimum: what no rule would cost
        mcf_time_s=round(time.perf_counter() - clock, 3),
        mcf_keeps_rules=str(_keeps_side_rules(problem, flow)),
    )
    if plain and _keeps_side_rules(problem, flow):
        stats["cp_sat"] = "skipped: the unconstrained optimum keeps every rule (proven optimal)"
        return _result(problem, SolveStatus.OPTIMAL, flow, flow_value, started, options, stats)
    starts = {"greedy": greedy, "mcf_repaired": round_relaxation(problem, flow.astype(float))}
    stats["mcf_repaired_objective"] = problem.objective(starts["mcf_repaired"])

    relaxation = (
        solve_relaxation(
            problem,
            [greedy, flow],
            time_limit_s=options.lp_time_share * _remaining(options, started),
            deterministic=options.deterministic,
        )
        if options.use_relaxation
        else None
    )
    bound: int | None = flow_value if plain else None
    if relaxation is not None:
        lp_bound = math.floor(relaxation.bound + 1e-6)
        bound = lp_bound if bound is None else min(bound, lp_bound)
        starts["lp_rounded"] = round_relaxation(problem, relaxation.values)
        stats.update(
            lp_bound=lp_bound,
            lp_time_s=round(relaxation.wall_time_s, 3),
            lp_rounds=relaxation.rounds,
            lp_core_pairs=relaxation.core_pairs,
            lp_exact=str(relaxation.exact),
            lp_fractional_pairs=relaxation.fractional,
            lp_rounded_objective=problem.objective(starts["lp_rounded"]),
        )
        if relaxation.lagrangian_values is not None:
            # tie-break towards the LP optimum: one objective unit per unit of LP value
            weights = np.round(relaxation.lagrangian_values + relaxation.values).astype(np.int64)
            lagrangian = max_weight_assignment(problem, weights)
            starts["lagrangian"] = round_relaxation(problem, lagrangian.astype(float))
            stats["lagrangian_objective"] = problem.objective(starts["lagrangian"])
    # the best start, ties to the first listed (deterministic)
    start_name = max(starts, key=lambda name: problem.objective(starts[name]))
    start, start_objective = starts[start_name], problem.objective(starts[start_name])
    stats["start"] = start_name

    if bound is not None and start_objective >= bound:
        stats["cp_sat"] = "skipped: the start reaches the bound (proven optimal)"
        return _result(problem, SolveStatus.OPTIMAL, start, bound, started, options, stats)
    if bound is not None and bound - start_objective <= options.gap_limit * max(1, abs(bound)):
        stats["cp_sat"] = f"skipped: the start is within the gap limit {options.gap_limit}"
        return _result(problem, SolveStatus.FEASIBLE, start, bound, started, options, stats)

    keep = _fixable(problem, relaxation, start_objective)
    stats["pairs_after_fixing"] = int(keep.sum())
    exact_core = True
    if relaxation is not None and keep.sum() > options.max_core_pairs:
        keep &= (relaxation.reduced_costs >= -options.core_reduced_cost) | (
            relaxation.values > 1e-9
        )
        exact_core = False
    stats["cp_sat_core_pairs"] = int((keep | start).sum())
    status, (selected, _), cp_bound = _run_cpsat(
        problem, keep, (start, None), options, started, stats
    )
    if not status.has_solution:
        if status is SolveStatus.UNKNOWN or not exact_core:
            # nothing better found in time (or the narrowed core is too narrow): the start
            log.info("CP-SAT found nothing better in time; keeping the start")
            return _result(problem, SolveStatus.FEASIBLE, start, bound, started, options, stats)
        return no_solution(problem, status, started, options, stats)
    if problem.objective(selected) < start_objective:  # never worse than the start
        selected = start
    # CP-SAT's bound on the exactly fixed model is a bound overall: fixing removes only pairs
    # that cannot improve on the start. On a narrowed core it bounds only that core.
    if exact_core and cp_bound is not None:
        bound = cp_bound if bound is None else min(bound, cp_bound)
    proven = (status is SolveStatus.OPTIMAL and exact_core) or (
        bound is not None and problem.objective(selected) >= bound
    )
    final = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    if proven:
        bound = problem.objective(selected)
    return _result(problem, final, selected, bound, started, options, stats)


def no_solution(
    problem: AssignmentProblem,
    status: SolveStatus,
    started: float,
    options: SolverOptions,
    stats: dict[str, float | int | str],
) -> SolveResult:
    """The result when CP-SAT proves there is none (infeasible) or rejects the model."""
    return SolveResult(
        solver="cp-sat",
        status=status,
        selected=np.zeros(problem.n_pairs, dtype=bool),
        objective=None,
        best_bound=None,
        wall_time_s=time.perf_counter() - started,
        seed=options.seed,
        workers=options.workers,
        stats=stats,
    )


def _keeps_side_rules(problem: AssignmentProblem, selected: np.ndarray) -> bool:
    """SME share, every quota met and every cap kept (capacities hold by construction)."""
    return (
        problem.sme_share_ok(selected)
        and not any(problem.shortfalls(selected))
        and all(int(cap.cost[selected].sum()) <= cap.limit for cap in problem.caps)
    )


def _result(
    problem: AssignmentProblem,
    status: SolveStatus,
    selected: np.ndarray,
    bound: int | None,
    started: float,
    options: SolverOptions,
    stats: dict[str, float | int | str],
) -> SolveResult:
    return SolveResult(
        solver="cp-sat",
        status=status,
        selected=selected,
        objective=problem.objective(selected),
        best_bound=bound,
        wall_time_s=time.perf_counter() - started,
        seed=options.seed,
        workers=options.workers,
        shortfalls=tuple(problem.shortfalls(selected)),
        stats=stats,
    )


def _fixable(
    problem: AssignmentProblem, relaxation: Relaxation | None, incumbent: int
) -> np.ndarray:
    """Pairs that may still be in a solution better than ``incumbent`` (LP reduced costs)."""
    if relaxation is None:
        return np.ones(problem.n_pairs, dtype=bool)
    # with the pair forced in, no solution exceeds bound + reduced cost (reduced cost <= 0)
    return relaxation.bound + relaxation.reduced_costs > incumbent + 0.5


def _run_cpsat(
    problem: AssignmentProblem,
    keep: np.ndarray,
    start_solution: Solution,
    options: SolverOptions,
    started: float,
    stats: dict[str, float | int | str],
) -> tuple[SolveStatus, Solution, int | None]:
    start, start_slots = start_solution
    keep = keep | start  # the start must stay expressible
    pairs = np.flatnonzero(keep)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in pairs]
    visitors, hosts = problem.pair_visitor[pairs], problem.pair_host[pairs]
    for members in _groups(visitors, problem.n_visitors):
        if len(members) > 1:
            model.add_at_most_one(x[i] for i in members)
    for host, members in enumerate(_groups(hosts, problem.n_hosts)):
        if len(members) > problem.host_capacity[host]:
            capacity = int(problem.host_capacity[host])
            model.add(cp_model.LinearExpr.sum([x[i] for i in members]) <= capacity)
    share = problem.min_sme_share
    if share > 0 and len(pairs):
        is_sme = problem.visitor_is_sme[visitors]
        coefficients = np.where(is_sme, share.denominator - share.numerator, -share.numerator)
        fixed = share.denominator * problem.fixed_smes - share.numerator * problem.fixed_total
        model.add(cp_model.LinearExpr.weighted_sum(x, coefficients.tolist()) + fixed >= 0)
    shortfall = []
    start_shortfalls = problem.shortfalls(start)
    for q, quota in enumerate(problem.quotas):
        slack = model.new_int_var(0, quota.need, f"shortfall{q}")
        members = np.flatnonzero(quota.members[visitors])
        model.add(cp_model.LinearExpr.sum([x[i] for i in members]) + slack >= quota.need)
        model.add_hint(slack, start_shortfalls[q])
        shortfall.append(slack)
    for cap in problem.caps:
        model.add(cp_model.LinearExpr.weighted_sum(x, cap.cost[pairs].tolist()) <= cap.limit)
    bonus, opened = _add_slots(model, problem, pairs, x, start_slots)
    model.maximize(
        cp_model.LinearExpr.weighted_sum(x, problem.pair_value[pairs].tolist())
        - cp_model.LinearExpr.weighted_sum(shortfall, [q.penalty for q in problem.quotas])
        + bonus
    )
    for i, p in enumerate(pairs):
        model.add_hint(x[i], bool(start[p]))

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.log_search_progress = options.log_search
    if options.deterministic:
        # work, not wall time, ends the search: the same answer however loaded the machine;
        # the wall-clock limit is only a safety net
        params.interleave_search = True
        params.max_deterministic_time = max(0.1, CP_SAT_DETERMINISTIC_SHARE * options.time_limit_s)
        params.max_time_in_seconds = WALL_SAFETY_FACTOR * options.time_limit_s
    else:
        params.max_time_in_seconds = _remaining(options, started)
    status = _STATUS[solver.solve(model)]
    stats.update(
        cp_sat_status=status.value,
        cp_sat_branches=int(solver.num_branches),
        cp_sat_deterministic_time=round(float(solver.deterministic_time), 3),
        cp_sat_wall_time_s=round(float(solver.wall_time), 3),
    )
    selected = np.zeros(problem.n_pairs, dtype=bool)
    if not status.has_solution:
        return status, (selected, None), None
    values = np.array([solver.boolean_value(var) for var in x], dtype=bool)
    selected[pairs[values]] = True
    open_slots = None
    if problem.slot_host is not None:
        open_slots = np.zeros(problem.n_slots, dtype=bool)
        for slot, var in opened.items():
            open_slots[slot] = solver.boolean_value(var)
    return status, (selected, open_slots), math.floor(solver.best_objective_bound + 1e-6)


def _add_slots(
    model: cp_model.CpModel,
    problem: AssignmentProblem,
    pairs: np.ndarray,
    x: list[cp_model.IntVar],
    start_slots: np.ndarray | None,
) -> tuple[cp_model.LinearExpr | int, dict[int, cp_model.IntVar]]:
    """Slots: a chosen pair needs one of the slots it fits open; a host opens at most
    max_groups_per_host slots. Returns the group bonus term and the slot variables."""
    if problem.slot_host is None:
        return 0, {}
    fitting = [problem.slots_of(int(p)) for p in pairs]
    used = np.unique(np.concatenate(fitting)) if fitting else np.zeros(0, dtype=np.int64)
    opened = {int(slot): model.new_bool_var(f"slot{slot}") for slot in used}
    for i, slots in enumerate(fitting):
        model.add_bool_or([x[i].Not(), *(opened[int(slot)] for slot in slots)])
    for slot, var in opened.items():
        model.add_hint(var, bool(start_slots is not None and start_slots[slot]))
    per_host = _groups(problem.slot_host[used], problem.n_hosts)
    for host_slots in per_host:
        if len(host_slots) > problem.max_groups_per_host:
            model.add(
                cp_model.LinearExpr.sum([opened[int(used[i])] for i in host_slots])
                <= problem.max_groups_per_host
            )
    if problem.group_bonus is None:
        return 0, opened
    terms = []
    members = _groups(problem.pair_host[pairs], problem.n_hosts)
    for host, host_slots in enumerate(per_host):
        bonus = int(problem.group_bonus[host])
        if bonus and len(members[host]):
            chosen = cp_model.LinearExpr.sum([x[i] for i in members[host]])
            groups = cp_model.LinearExpr.sum([opened[int(used[i])] for i in host_slots])
            terms.append(bonus * (chosen - groups))
    return (cp_model.LinearExpr.sum(terms) if terms else 0), opened


def _groups(keys: np.ndarray, size: int) -> list[np.ndarray]:
    """For each key value 0..size-1, the positions holding it."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]
