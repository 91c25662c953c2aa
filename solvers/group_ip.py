"""The restricted master as an integer program: the best choice among the groups generated.

The group LP (``solvers.group_lp``) ends with a pool of groups (a host, the slot it opens,
its members). Choosing whole groups from that pool, at most one per host, each visitor at
most once, under the same side rows (SME share, quotas with their shortfalls, caps, limited
sets, the expected SME share), is a set-packing integer program whose LP is the master's
("price and branch"). HiGHS' MIP solver takes it from the incumbent's groups: its root
heuristics (sub-MIPs around the LP and the incumbent) trade groups across hosts and quotas
at once, which neighbourhoods of a few hosts cannot. At 1,500 tight visitors (seed 11) it
found -76.23 M in 11 s from the refit's -77.92 M, where the search reached -76.25 M in 60 s
and HiGHS on the whole dated model -76.21 M in 200 s.

CP-SAT was tried on the same program and dropped: after 10 s of deterministic time it had
not left the hint (its bound -39 M where the master's LP is -76.07 M).

Deterministic budget: HiGHS has no deterministic clock, but its MIP solver calls back at
fixed points of its (deterministic) search; the solve stops at the first call back after
``work_s`` as counted by ``SECONDS_PER_CALL_NONZERO`` x calls x nonzeros, so the same pool
gives the same groups however loaded the machine. The wall-clock ``deadline`` is the safety
net (then the answer may differ from run to run: ``cut``).

HiGHS comes through SciPy's own build (``scipy.optimize._highspy``, the one ``linprog`` and
``milp`` use: importing ``highspy`` beside OR-Tools can fail); without it the phase is
skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.group_lp import GroupBound
from solvers.problem import AssignmentProblem
from solvers.result import Solution

log = logging.getLogger(__name__)

# seconds of work per MIP call back and nonzero of the pool (unloaded: at 800 tight visitors,
# 40 call backs in 7.7 s on 48,000 nonzeros; at 1,500, 40 in 11.5 s on 92,000; the first
# call backs, of the root's cut loop, come faster, the sub-MIPs' slower)
SECONDS_PER_CALL_NONZERO = 3.5e-6
# the pools HiGHS' root LP solves in time (at 5,000 tight visitors, 314,000 nonzeros: no
# root LP after 27 s of dual simplex; with the interior point a root in 4 s, then no cut
# round in 19 s)
MAX_NONZEROS = 150_000
# the call backs a solve needs before its first sub-MIP has had its chance: fewer, and the
# phase is skipped (its first better groups came after 31 call backs at 800 tight visitors, 38
# at 1,500 seed 11, 50 at seed 3; a budget that ends the solve sooner wastes it)
MIN_CALLS = 30


@dataclass(frozen=True)
class GroupChoice:
    solution: Solution | None  # the groups chosen, as pairs and open slots (every rule kept)
    work_s: float  # the work counted (call backs x nonzeros, as seconds)
    calls: int
    cut: bool  # the wall-clock deadline ended it


def choose_groups(
    problem: AssignmentProblem,
    group: GroupBound,
    incumbent: Solution,
    *,
    work_s: float,
    seed: int,
    deadline: float | None = None,
) -> GroupChoice | None:
    """The best groups of the pool HiGHS finds from the incumbent's within ``work_s`` (None:
    no pool, a pool too large, or no HiGHS)."""
    pool = group.pool
    highs = _highs_module()
    if pool is None or not pool.host or highs is None:
        return None
    pool.add_solution(incumbent)
    matrix, value = pool.master()
    per_call = SECONDS_PER_CALL_NONZERO * matrix.nnz
    if matrix.nnz > MAX_NONZEROS or work_s < MIN_CALLS * per_call:
        return None
    rows = pool.rows
    k, q = len(value), len(rows.needs)
    rhs = rows.rhs.copy()
    rhs[problem.n_visitors : rows.side_start] = 1.0  # one group per host
    solver = highs._Highs()
    for name, setting in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", int(seed)),
        ("mip_rel_gap", 0.0),
        ("time_limit", np.inf if deadline is None else max(0.0, deadline - time.perf_counter())),
    ):
        solver.setOptionValue(name, setting)
    lp = highs.HighsLp()
    lp.num_col_, lp.num_row_ = k + q, matrix.shape[0]
    lp.sense_ = highs.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([value, -rows.penalty])
    lp.col_lower_ = np.zeros(k + q)
    lp.col_upper_ = np.concatenate([np.ones(k), rows.needs])
    lp.row_lower_ = np.full(matrix.shape[0], -np.inf)
    lp.row_upper_ = rhs
    csc = matrix.tocsc()
    lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr
    lp.a_matrix_.index_ = csc.indices
    lp.a_matrix_.value_ = csc.data
    lp.integrality_ = [highs.HighsVarType.kInteger] * (k + q)
    model = highs.HighsModel()
    model.lp_ = lp
    solver.passModel(model)
    start = highs.HighsSolution()
    start.col_value = np.concatenate(
        [_incumbent_groups(problem, pool.host, pool.members, incumbent).astype(float),
         np.array(problem.shortfalls(incumbent[0]), dtype=float)]
    )  # fmt: skip
    start.value_valid = True
    solver.setSolution(start)
    calls = [0]
    interrupt = highs.cb.HighsCallbackType.kCallbackMipInterrupt

    def call_back(kind: Any, _message: str, _out: Any, data_in: Any, _user: Any) -> None:
        if kind == interrupt:
            calls[0] += 1
            if calls[0] * per_call >= work_s:
                data_in.user_interrupt = True

    solver.setCallback(call_back, None)
    solver.startCallback(interrupt)
    solver.run()
    status = solver.modelStatusToString(solver.getModelStatus())
    info = solver.getInfo()
    cut = "time limit" in status.lower()
    found = info.primal_solution_status > 0
    log.debug(
        "group IP: %s after %d call backs, %s", status, calls[0], info.objective_function_value
    )
    solution = None
    if found:
        picked = np.asarray(solver.getSolution().col_value)[:k] > 0.5
        solution = _as_solution(problem, pool, np.flatnonzero(picked))
    return GroupChoice(
        solution=solution,
        work_s=calls[0] * per_call,
        calls=calls[0],
        cut=cut,
    )


def _highs_module() -> Any:
    try:
        from scipy.optimize._highspy import _core
    except ImportError:  # pragma: no cover - SciPy without its HiGHS bindings
        return None
    return _core if hasattr(_core, "_Highs") and hasattr(_core, "cb") else None


def _incumbent_groups(
    problem: AssignmentProblem, hosts: list[int], members: list[np.ndarray], incumbent: Solution
) -> np.ndarray:
    """(groups,) bool: one pool group per host of the incumbent with exactly its members."""
    chosen = np.flatnonzero(incumbent[0])
    mine = {
        int(h): np.sort(chosen[problem.pair_host[chosen] == h]).tobytes()
        for h in np.unique(problem.pair_host[chosen])
    }
    found = np.zeros(len(hosts), dtype=bool)
    for g, (host, group) in enumerate(zip(hosts, members, strict=True)):
        if mine.get(host) == group.tobytes():
            found[g] = True
            del mine[host]
    return found


def _as_solution(problem: AssignmentProblem, pool: Any, picked: np.ndarray) -> Solution | None:
    """The chosen groups as pairs and open slots: each group's new slot, and at a host with
    accepted groups to join every one of them its members fit with room for the group (the
    groups ``solvers.lagrangian`` prices there). None when that breaks a rule (a group
    bounded slot-free, at a host that may open several, need not fit one slot)."""
    assert problem.slot_host is not None
    selected = np.zeros(problem.n_pairs, dtype=bool)
    open_slots = np.zeros(problem.n_slots, dtype=bool)
    accepted = ~problem.new_slots
    rooms = problem.rooms
    for g in picked.tolist():
        host, slot, members = pool.host[g], pool.slot[g], pool.members[g]
        selected[members] = True
        if slot >= 0:
            open_slots[slot] = True
        if pool.groups.join_host[host]:
            fitted = np.unique(np.concatenate([problem.slots_of(int(p)) for p in members]))
            joins = fitted[accepted[fitted] & (rooms[fitted] >= len(members))]
            open_slots[joins[problem.slot_host[joins] == host]] = True
        elif slot < 0:
            return None
    if not (
        problem.slots_ok(selected, open_slots)
        and problem.sme_share_ok(selected)
        and problem.sets_ok(selected)
        and problem.caps_ok(selected)
    ):
        return None
    return selected, open_slots
