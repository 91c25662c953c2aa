"""The assignment without group slots: min-cost flow and LP relaxation for starts and bounds,
then CP-SAT.

1. Baselines: the greedy assignment (every rule) and the min-cost-flow optimum without
   side rules (``solvers.flow``: no SME share, no quotas, no caps). When that unconstrained
   optimum happens to keep every rule it is proven optimal and nothing else runs.
2. LP relaxation (``solvers.relaxation``, priced over a core of pairs): a valid upper bound,
   a nearly integral optimum and the prices of the side rules.
3. Starts, all repaired to keep every hard rule: the one given (if any), the greedy, the
   flow optimum, the LP optimum rounded, and the max-weight assignment under the LP's
   Lagrangian weights (pair value less the priced side rules, tie-broken towards the LP
   optimum). The best is the incumbent, and the fallback result.
4. If the incumbent reaches the LP bound it is proven optimal and CP-SAT has nothing to add;
   within ``gap_limit`` of it, the solve stops too (as a MIP solver's relative gap limit).
5. Otherwise CP-SAT (``solvers.cpsat_model``) improves it on a core: the pairs that can
   still improve on the incumbent after reduced-cost fixing, narrowed to those within
   ``core_reduced_cost`` of zero reduced cost when that is still over ``max_core_pairs``;
   CP-SAT starts from the incumbent (AddHint). The best bound is the LP bound (or CP-SAT's,
   when the core is the exact fixed model and CP-SAT proves it).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from solvers.cpsat_model import run_cpsat
from solvers.flow import max_weight_assignment
from solvers.greedy import greedy_selection, round_relaxation
from solvers.options import SolverOptions, remaining_budget
from solvers.problem import AssignmentProblem
from solvers.relaxation import fixable, solve_relaxation
from solvers.result import SolveResult, SolveStatus, solve_result

log = logging.getLogger(__name__)


def solve_plain(
    problem: AssignmentProblem, options: SolverOptions, start: np.ndarray | None = None
) -> SolveResult:
    """The best assignment of a problem without a slot layer (see the module), never worse
    than ``start`` (a selection keeping every hard rule) when one is given."""
    if problem.slot_host is not None:
        raise ValueError("solve_plain takes a problem without group slots (see solvers.solve)")
    started = time.perf_counter()
    stats: dict[str, float | int | str] = {"pairs": problem.n_pairs}

    def result(status: SolveStatus, selected: np.ndarray | None, bound: int | None) -> SolveResult:
        return solve_result(
            problem,
            status,
            None if selected is None else (selected, None),
            bound,
            started=started,
            seed=options.seed,
            workers=options.workers,
            stats=stats,
        )

    greedy = greedy_selection(problem)
    stats["greedy_objective"] = problem.objective(greedy)
    clock = time.perf_counter()
    flow = max_weight_assignment(problem, problem.pair_value)
    flow_value = int(problem.pair_value[flow].sum())
    flow_keeps_rules = keeps_side_rules(problem, flow)
    stats.update(
        mcf_objective=flow_value,  # the unconstrained optimum: what no rule would cost
        mcf_time_s=round(time.perf_counter() - clock, 3),
        mcf_keeps_rules=str(flow_keeps_rules),
    )
    if flow_keeps_rules:
        stats["cp_sat"] = "skipped: the unconstrained optimum keeps every rule (proven optimal)"
        return result(SolveStatus.OPTIMAL, flow, flow_value)
    starts = {} if start is None else {"given": start}
    starts.update(greedy=greedy, mcf_repaired=round_relaxation(problem, flow.astype(float)))
    stats["mcf_repaired_objective"] = problem.objective(starts["mcf_repaired"])

    relaxation = (
        solve_relaxation(
            problem,
            [greedy, flow],
            time_limit_s=options.lp_time_share * remaining_budget(options, started),
            deterministic=options.deterministic,
        )
        if options.use_relaxation
        else None
    )
    bound = flow_value  # the flow optimum bounds every assignment of plain pairs
    if relaxation is not None:
        lp_bound = math.floor(relaxation.bound + 1e-6)
        bound = min(bound, lp_bound)
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

    if start_objective >= bound:
        stats["cp_sat"] = "skipped: the start reaches the bound (proven optimal)"
        return result(SolveStatus.OPTIMAL, start, bound)
    if bound - start_objective <= options.gap_limit * max(1, abs(bound)):
        stats["cp_sat"] = f"skipped: the start is within the gap limit {options.gap_limit}"
        return result(SolveStatus.FEASIBLE, start, bound)

    keep = fixable(problem, relaxation, start_objective)
    stats["pairs_after_fixing"] = int(keep.sum())
    exact_core = True
    if relaxation is not None and keep.sum() > options.max_core_pairs:
        keep &= (relaxation.reduced_costs >= -options.core_reduced_cost) | (
            relaxation.values > 1e-9
        )
        exact_core = False
    stats["cp_sat_core_pairs"] = int((keep | start).sum())
    status, (selected, _), cp_bound = run_cpsat(
        problem, keep, (start, None), options, started, stats
    )
    if not status.has_solution:
        if status is SolveStatus.UNKNOWN or not exact_core:
            # nothing better found in time (or the narrowed core is too narrow): the start
            log.info("CP-SAT found nothing better in time; keeping the start")
            return result(SolveStatus.FEASIBLE, start, bound)
        return result(status, None, None)  # proven infeasible, or the model was rejected
    if problem.objective(selected) < start_objective:  # never worse than the start
        selected = start
    # CP-SAT's bound on the exactly fixed model is a bound overall: fixing removes only pairs
    # that cannot improve on the start. On a narrowed core it bounds only that core.
    if exact_core and cp_bound is not None:
        bound = min(bound, cp_bound)
    proven = (status is SolveStatus.OPTIMAL and exact_core) or problem.objective(selected) >= bound
    final = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    if proven:
        bound = problem.objective(selected)
    return result(final, selected, bound)


def keeps_side_rules(problem: AssignmentProblem, selected: np.ndarray) -> bool:
    """SME share, every quota met, every cap and limited set kept (capacities hold by
    construction)."""
    return (
        problem.sme_share_ok(selected)
        and not any(problem.shortfalls(selected))
        and problem.caps_ok(selected)
        and problem.sets_ok(selected)
    )
