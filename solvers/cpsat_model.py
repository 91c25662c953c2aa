"""The CP-SAT model of the assignment, one function per rule, and its solve.

Variables, created in this order: one boolean x_p per kept pair, one shortfall integer per
quota (in [0, need]), one boolean per slot some kept pair fits (with a slot layer).

Rules (hard):

* a visitor at most once: ``AddAtMostOne`` over its pairs;
* a host at most its capacity;
* the SME share as one linear inequality ``den * smes >= num * total`` (the accepted
  exchanges counted in ``fixed_smes`` / ``fixed_total``);
* each quota: ``members chosen + shortfall >= need`` (the shortfall is paid in the objective);
* each cap: ``sum of cost over chosen pairs <= limit``;
* group slots: a chosen pair needs one of the slots it fits open (``x_p => OR of its
  slots``), and a host opens at most ``max_groups_per_host`` *new* slots (joining an accepted
  group opens none);
* slot room: a host's members are at most the room of each slot it opens
  (``sum of its x + (capacity - room_s) y_s <= capacity``);
* limited sets: at most ``set_limit[k]`` chosen pairs of set ``k`` (one physical visit per
  visiting organisation).

Objective: maximise total pair value (score plus bonus) minus quota penalty times shortfall,
plus the group bonus (bonus_h per member beyond one per new open slot). Every variable is hinted
with the start (AddHint). In deterministic mode the search is interleaved and ends on
CP-SAT's deterministic time, so the same model, seed and workers give the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from ortools.sat.python import cp_model

from solvers.options import (
    CP_SAT_DETERMINISTIC_SHARE,
    WALL_SAFETY_FACTOR,
    SolverOptions,
    remaining_budget,
    wall_limit,
)
from solvers.problem import AssignmentProblem
from solvers.result import Solution, SolveStatus

Bools = list[cp_model.IntVar]

_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
}


@dataclass
class AssignmentModel:
    """A CP-SAT model over a subset of the pairs, and its variables."""

    model: cp_model.CpModel
    pairs: np.ndarray  # the problem's index of each x
    x: list[cp_model.IntVar]  # one boolean per pair in ``pairs``
    shortfall: list[cp_model.IntVar]  # one per quota
    opened: dict[int, cp_model.IntVar]  # slot -> boolean, for the slots some pair fits


class CpsatRun(NamedTuple):
    status: SolveStatus
    solution: Solution  # nothing chosen when the status has no solution
    bound: int | None  # CP-SAT's best objective bound, when it found a solution


def run_cpsat(
    problem: AssignmentProblem,
    keep: np.ndarray,
    start: Solution,
    options: SolverOptions,
    started: float,
    stats: dict[str, float | int | str],
) -> CpsatRun:
    """CP-SAT over the pairs in ``keep`` (and the start's), hinted with ``start``; records
    its status and effort in ``stats``."""
    built = build_model(problem, keep, start)
    return solve_model(problem, built, options, started, stats)


def build_model(problem: AssignmentProblem, keep: np.ndarray, start: Solution) -> AssignmentModel:
    """The model over ``keep`` plus the start's pairs (the start must stay expressible)."""
    start_pairs, _ = start
    pairs = np.flatnonzero(keep | start_pairs)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{p}") for p in pairs]
    add_visitor_once(model, problem, pairs, x)
    add_host_capacity(model, problem, pairs, x)
    add_sme_share(model, problem, pairs, x)
    shortfall = add_quotas(model, problem, pairs, x)
    add_caps(model, problem, pairs, x)
    add_limit_sets(model, problem, pairs, x)
    opened = add_group_slots(model, problem, pairs, x)
    add_max_groups_per_host(model, problem, opened)
    add_slot_room(model, problem, pairs, x, opened)
    built = AssignmentModel(model, pairs, x, shortfall, opened)
    set_objective(built, problem)
    add_hints(built, problem, start)
    return built


def add_visitor_once(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> None:
    """Each visitor at most one host."""
    for members in _groups(problem.pair_visitor[pairs], problem.n_visitors):
        if len(members) > 1:
            model.add_at_most_one(x[i] for i in members)


def add_host_capacity(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> None:
    """Each host at most its capacity (only where its pairs could exceed it)."""
    for host, members in enumerate(_groups(problem.pair_host[pairs], problem.n_hosts)):
        if len(members) > problem.host_capacity[host]:
            capacity = int(problem.host_capacity[host])
            model.add(cp_model.LinearExpr.sum([x[i] for i in members]) <= capacity)


def add_sme_share(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> None:
    """``den * smes >= num * total``, accepted exchanges included, as one linear row."""
    share = problem.min_sme_share
    if share > 0 and len(pairs):
        is_sme = problem.visitor_is_sme[problem.pair_visitor[pairs]]
        coefficients = np.where(is_sme, share.denominator - share.numerator, -share.numerator)
        fixed = share.denominator * problem.fixed_smes - share.numerator * problem.fixed_total
        model.add(cp_model.LinearExpr.weighted_sum(x, coefficients.tolist()) + fixed >= 0)
        if problem.expected_weight is not None:  # the share in expectation too
            weights = problem.expected_weight[pairs].astype(np.int64) * coefficients
            model.add(
                cp_model.LinearExpr.weighted_sum(x, weights.tolist())
                + problem.expected_fixed_margin
                >= 0
            )


def add_quotas(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> list[cp_model.IntVar]:
    """Per quota a shortfall in [0, need] with ``members chosen + shortfall >= need`` (each
    chosen member pair counting its weight when the quota has pair weights)."""
    visitors = problem.pair_visitor[pairs]
    shortfall = []
    for q, quota in enumerate(problem.quotas):
        slack = model.new_int_var(0, quota.need, f"shortfall{q}")
        if quota.pair_weight is None:
            members = np.flatnonzero(quota.members[visitors])
            chosen = cp_model.LinearExpr.sum([x[i] for i in members])
        else:
            weight = quota.contribution(problem.pair_visitor)[pairs]
            members = np.flatnonzero(weight)
            chosen = cp_model.LinearExpr.weighted_sum(
                [x[i] for i in members], weight[members].tolist()
            )
        model.add(chosen + slack >= quota.need)
        shortfall.append(slack)
    return shortfall


def add_caps(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> None:
    """Each budget: the chosen pairs' cost within its limit."""
    for cap in problem.caps:
        model.add(cp_model.LinearExpr.weighted_sum(x, cap.cost[pairs].tolist()) <= cap.limit)


def add_limit_sets(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> None:
    """Each limited set: at most its limit of chosen pairs (AddAtMostOne for a limit of 1)."""
    if problem.limit_set is None or problem.set_limit is None:
        return
    keys = problem.limit_set[pairs]
    inside = np.flatnonzero(keys >= 0)
    for key, members in enumerate(_groups(keys[inside], len(problem.set_limit))):
        limit = int(problem.set_limit[key])
        if len(members) <= limit:
            continue
        chosen = [x[i] for i in inside[members]]
        if limit == 1:
            model.add_at_most_one(chosen)
        else:
            model.add(cp_model.LinearExpr.sum(chosen) <= limit)


def add_group_slots(
    model: cp_model.CpModel, problem: AssignmentProblem, pairs: np.ndarray, x: Bools
) -> dict[int, cp_model.IntVar]:
    """A boolean per slot some pair fits; a chosen pair needs one of its slots open.
    Returns the slot variables (none without a slot layer)."""
    if problem.slot_host is None:
        return {}
    fitting = [problem.slots_of(int(p)) for p in pairs]
    used = np.unique(np.concatenate(fitting)) if fitting else np.zeros(0, dtype=np.int64)
    opened = {int(slot): model.new_bool_var(f"slot{slot}") for slot in used}
    for i, slots in enumerate(fitting):
        model.add_bool_or([x[i].Not(), *(opened[int(slot)] for slot in slots)])
    return opened


def add_max_groups_per_host(
    model: cp_model.CpModel, problem: AssignmentProblem, opened: dict[int, cp_model.IntVar]
) -> None:
    """A host opens at most ``max_groups_per_host`` of its new slots."""
    if problem.slot_host is None:
        return
    for host_slots in _slots_per_host(problem, opened, new_only=True):
        if len(host_slots) > problem.max_groups_per_host:
            model.add(
                cp_model.LinearExpr.sum([opened[slot] for slot in host_slots])
                <= problem.max_groups_per_host
            )


def add_slot_room(
    model: cp_model.CpModel,
    problem: AssignmentProblem,
    pairs: np.ndarray,
    x: Bools,
    opened: dict[int, cp_model.IntVar],
) -> None:
    """A host's members at most the room of each slot it opens:
    ``sum of its x + (capacity - room_s) y_s <= capacity`` for each slot with less room."""
    if problem.slot_host is None or not opened:
        return
    rooms = problem.rooms
    members = _groups(problem.pair_host[pairs], problem.n_hosts)
    for host, host_slots in enumerate(_slots_per_host(problem, opened)):
        capacity = int(problem.host_capacity[host])
        chosen = [x[i] for i in members[host]]
        for slot in host_slots:
            room = int(rooms[slot])
            if room < min(capacity, len(chosen)):
                model.add(
                    cp_model.LinearExpr.sum(chosen) + (capacity - room) * opened[slot] <= capacity
                )


def set_objective(built: AssignmentModel, problem: AssignmentProblem) -> None:
    """Maximise pair value, minus quota penalties, plus the group bonus."""
    pairs, x = built.pairs, built.x
    built.model.maximize(
        cp_model.LinearExpr.weighted_sum(x, problem.pair_value[pairs].tolist())
        - cp_model.LinearExpr.weighted_sum(built.shortfall, [q.penalty for q in problem.quotas])
        + _group_bonus(built, problem)
    )


def _group_bonus(built: AssignmentModel, problem: AssignmentProblem) -> cp_model.LinearExpr | int:
    """bonus_h x (members_h - new open slots_h), summed over the hosts with a bonus."""
    if problem.slot_host is None or problem.group_bonus is None:
        return 0
    terms = []
    members = _groups(problem.pair_host[built.pairs], problem.n_hosts)
    for host, host_slots in enumerate(_slots_per_host(problem, built.opened, new_only=True)):
        bonus = int(problem.group_bonus[host])
        if bonus and len(members[host]):
            chosen = cp_model.LinearExpr.sum([built.x[i] for i in members[host]])
            groups = cp_model.LinearExpr.sum([built.opened[slot] for slot in host_slots])
            terms.append(bonus * (chosen - groups))
    return cp_model.LinearExpr.sum(terms) if terms else 0


def add_hints(built: AssignmentModel, problem: AssignmentProblem, start: Solution) -> None:
    """Hint every variable with the start: shortfalls, slots, then pairs."""
    start_pairs, start_slots = start
    model = built.model
    for slack, value in zip(built.shortfall, problem.shortfalls(start_pairs), strict=True):
        model.add_hint(slack, value)
    for slot, var in built.opened.items():
        model.add_hint(var, bool(start_slots is not None and start_slots[slot]))
    for i, p in enumerate(built.pairs):
        model.add_hint(built.x[i], bool(start_pairs[p]))


def solve_model(
    problem: AssignmentProblem,
    built: AssignmentModel,
    options: SolverOptions,
    started: float,
    stats: dict[str, float | int | str],
) -> CpsatRun:
    """Solve with the options' budget and read back the chosen pairs and open slots."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    # Ctrl+C is the run's: CP-SAT's own handler (on by default) ended its search and the run went
    # on to write a full run folder, exit 0, and left SIGINT unhandled after it (the failures
    # audit: at 11 s of a demo run Ctrl+C was swallowed, at 10 and 12 s it killed the process)
    params.catch_sigint_signal = False
    params.num_workers = options.workers
    params.random_seed = options.seed
    params.log_search_progress = options.log_search
    if options.deterministic:
        # work, not wall time, ends the search: the same answer however loaded the machine;
        # the wall-clock limit is only a safety net
        params.interleave_search = True
        params.max_deterministic_time = max(0.1, CP_SAT_DETERMINISTIC_SHARE * options.time_limit_s)
        params.max_time_in_seconds = wall_limit(options, WALL_SAFETY_FACTOR)
    else:
        params.max_time_in_seconds = min(remaining_budget(options, started), wall_limit(options, 1))
    status = _STATUS[solver.solve(built.model)]
    stats.update(
        cp_sat_status=status.value,
        cp_sat_branches=int(solver.num_branches),
        cp_sat_deterministic_time=round(float(solver.deterministic_time), 3),
        cp_sat_wall_time_s=round(float(solver.wall_time), 3),
    )
    selected = np.zeros(problem.n_pairs, dtype=bool)
    if not status.has_solution:
        return CpsatRun(status, (selected, None), None)
    values = np.array([solver.boolean_value(var) for var in built.x], dtype=bool)
    selected[built.pairs[values]] = True
    open_slots = None
    if problem.slot_host is not None:
        open_slots = np.zeros(problem.n_slots, dtype=bool)
        for slot, var in built.opened.items():
            open_slots[slot] = solver.boolean_value(var)
    return CpsatRun(status, (selected, open_slots), math.floor(solver.best_objective_bound + 1e-6))


def _slots_per_host(
    problem: AssignmentProblem, opened: dict[int, cp_model.IntVar], new_only: bool = False
) -> list[list[int]]:
    """For each host, its slots among ``opened`` (in slot order; only new ones if asked)."""
    assert problem.slot_host is not None
    used = np.fromiter(opened, dtype=np.int64, count=len(opened))
    if new_only:
        used = used[problem.new_slots[used]]
    return [used[members].tolist() for members in _groups(problem.slot_host[used], problem.n_hosts)]


def _groups(keys: np.ndarray, size: int) -> list[np.ndarray]:
    """For each key value 0..size-1, the positions holding it."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(size)]
