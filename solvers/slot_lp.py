"""The LP relaxation with the slot layer: one LP over every pair and slot (no pricing).

No longer part of the dated search (``solvers.slotted`` uses the LP over whole groups,
``solvers.group_lp``: tighter, and at 5,000 visitors a fraction of this LP's 141 s); its
rows remain the dated MIP that ``benchmarks/run_highs.py`` gives HiGHS, and the LP of
``solve_relaxation`` on a problem with slots.

The rows of ``solvers.lp_model`` over every pair, plus one column y_s in [0, 1] per slot,
a row per pair ``x_p <= sum of y_s over the slots it fits``, a row per host ``sum of its new
y_s <= max_groups_per_host`` and, per slot with less room than its host's capacity, ``sum of
the host's x + (capacity - room_s) y_s <= capacity``. The group bonus pays bonus_h per member
and costs bonus_h per new open slot, as in the CP-SAT model.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from solvers.lp_model import LpRows, Relaxation, highs_limits
from solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)


def solve_slot_relaxation(
    problem: AssignmentProblem, time_limit_s: float | None, deterministic: bool = False
) -> Relaxation | None:
    """The LP over every pair and slot of a problem with group slots, or None if HiGHS does
    not reach its optimum within the budget."""
    started = time.perf_counter()
    n, q, g = problem.n_pairs, len(problem.quotas), problem.n_slots
    if n == 0:
        needs = np.array([quota.need * quota.penalty for quota in problem.quotas], dtype=float)
        return Relaxation(-float(needs.sum()), np.zeros(0), np.zeros(0), 0.0)
    rows = LpRows(problem)
    every = np.arange(n)
    a_ub, b_ub, cost = rows.matrix(every), rows.rhs, rows.cost(every)
    if g:
        a_ub, b_ub, cost = with_slot_rows(problem, a_ub, b_ub, cost)
    bounds = np.column_stack(
        [np.zeros(n + q + g), np.concatenate([np.ones(n), rows.needs, np.ones(g)])]
    )
    highs_options = highs_limits(time_limit_s, a_ub.shape[0], deterministic)
    result = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs-ds", options=highs_options
    )
    wall = time.perf_counter() - started
    if result.status != 0:
        log.info("LP relaxation not solved: %s", result.message)  # the caller goes without
        return None
    values = np.clip(result.x[:n], 0.0, 1.0)
    # reduced cost of a pair in the maximisation: score - duals of the rows it appears in
    duals = -result.ineqlin.marginals  # >= 0 prices of the <= rows of the max problem
    reduced = -(cost[:n] + a_ub[:, :n].T @ duals)
    # the upper bounds x <= 1 carry the rest: only pairs at 0 give a fixing certificate
    reduced = np.where(values < 1e-9, np.minimum(reduced, 0.0), 0.0)
    return Relaxation(float(-result.fun), values, reduced, wall, slot_values=result.x[n + q :])


def with_slot_rows(
    problem: AssignmentProblem, a_ub: sparse.csr_matrix, b_ub: np.ndarray, cost: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Add one column y_s per slot, a row per pair ``x_p <= sum of y_s over the slots it
    fits``, a row per host ``sum of its y_s <= max_groups_per_host``; the group bonus pays
    bonus_h per member and costs bonus_h per open slot."""
    assert problem.slot_host is not None and problem.slot_indptr is not None
    assert problem.pair_slots is not None
    n, g = problem.n_pairs, problem.n_slots
    extra = a_ub.shape[1] - n  # shortfall columns
    entry_pair = np.repeat(np.arange(n), np.diff(problem.slot_indptr))
    link = sparse.hstack(
        [
            sparse.identity(n, format="csr"),
            sparse.csr_matrix((n, extra)),
            -sparse.csr_matrix(
                (np.ones(len(entry_pair)), (entry_pair, problem.pair_slots)), shape=(n, g)
            ),
        ]
    )
    new = problem.new_slots
    new_slots = np.flatnonzero(new)
    per_host = sparse.hstack(
        [
            sparse.csr_matrix((problem.n_hosts, n + extra)),
            sparse.csr_matrix(
                (np.ones(len(new_slots)), (problem.slot_host[new_slots], new_slots)),
                shape=(problem.n_hosts, g),
            ),
        ]
    )
    capacity = problem.host_capacity[problem.slot_host].astype(float)
    tight = np.flatnonzero(problem.rooms < capacity)  # slots with less room than capacity
    members = sparse.csr_matrix(
        (np.ones(n), (problem.pair_host, np.arange(n))), shape=(problem.n_hosts, n)
    )
    room_rows = sparse.hstack(
        [
            members[problem.slot_host[tight]],
            sparse.csr_matrix((len(tight), extra)),
            sparse.csr_matrix(
                (capacity[tight] - problem.rooms[tight], (np.arange(len(tight)), tight)),
                shape=(len(tight), g),
            ),
        ]
    )
    widened = sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], g))])
    a_ub = sparse.vstack([widened, link, per_host, room_rows]).tocsr()
    b_ub = np.concatenate(
        [
            b_ub,
            np.zeros(n),
            np.full(problem.n_hosts, float(problem.max_groups_per_host)),
            capacity[tight],
        ]
    )
    bonus = np.zeros(problem.n_hosts) if problem.group_bonus is None else problem.group_bonus
    cost = cost.copy()
    cost[:n] -= bonus[problem.pair_host]
    slot_cost = np.where(new, bonus[problem.slot_host], 0).astype(float)
    return a_ub, b_ub, np.concatenate([cost, slot_cost])
