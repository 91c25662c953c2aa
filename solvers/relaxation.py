"""The LP relaxation of the assignment: a valid upper bound and a (nearly integral) start.

The assignment polytope (visitor once, host capacity) is integral; only the SME share and
the quotas can make LP vertices fractional, so the LP optimum is usually an integer
assignment or very close to one. Its reduced costs also prove which pairs cannot appear in
any solution better than a known one (reduced-cost fixing).

Solved with HiGHS' dual simplex as shipped inside SciPy (no extra dependency; SciPy's HiGHS
lives in its own extension module and coexists with OR-Tools in one process).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relaxation:
    bound: float  # LP optimum: no integer assignment scores more
    values: np.ndarray  # (n_pairs,) LP value of each pair in [0, 1]
    reduced_costs: np.ndarray  # (n_pairs,) d_p <= 0 for pairs at 0: forcing one in costs >= |d_p|
    wall_time_s: float

    @property
    def fractional(self) -> int:
        return int(((self.values > 1e-6) & (self.values < 1 - 1e-6)).sum())


def solve_relaxation(problem: AssignmentProblem) -> Relaxation | None:
    """The LP optimum, or None if HiGHS does not reach it (the caller then goes without)."""
    started = time.perf_counter()
    n, quotas = problem.n_pairs, problem.quotas
    q = len(quotas)
    columns = np.arange(n)
    ones = np.ones(n)
    visitor_rows = sparse.csr_matrix(
        (ones, (problem.pair_visitor, columns)), shape=(problem.n_visitors, n)
    )
    host_rows = sparse.csr_matrix((ones, (problem.pair_host, columns)), shape=(problem.n_hosts, n))
    share = problem.min_sme_share
    is_sme = problem.visitor_is_sme[problem.pair_visitor]
    # num * total - den * smes <= 0
    sme_row = np.where(is_sme, share.numerator - share.denominator, share.numerator).astype(float)
    quota_rows = sparse.csr_matrix(
        np.array([quota.members[problem.pair_visitor] for quota in quotas], dtype=float).reshape(
            q, n
        )
    )
    g = problem.n_groups
    blocks = [
        [visitor_rows, sparse.csr_matrix((problem.n_visitors, q))],
        [host_rows, sparse.csr_matrix((problem.n_hosts, q))],
        [sparse.csr_matrix(sme_row), sparse.csr_matrix((1, q))],
        [-quota_rows, -sparse.identity(q)],  # chosen + shortfall >= need
    ]
    fixed = share.denominator * problem.fixed_smes - share.numerator * problem.fixed_total
    limits: list[np.ndarray] = [
        np.ones(problem.n_visitors),
        problem.host_capacity.astype(float),
        np.array([float(fixed)]),
        -np.array([quota.need for quota in quotas], dtype=float),
    ]
    for cap in problem.caps:
        blocks.append([sparse.csr_matrix(cap.cost.astype(float)), sparse.csr_matrix((1, q))])
        limits.append(np.array([float(cap.limit)]))
    a_ub = sparse.bmat(blocks, format="csr")
    needs = np.array([quota.need for quota in quotas], dtype=float)
    b_ub: np.ndarray = np.concatenate(limits)
    cost = np.concatenate(
        [-problem.pair_value.astype(float), [float(quota.penalty) for quota in quotas]]
    )
    if g:
        a_ub, b_ub, cost = _with_groups(problem, a_ub, b_ub, cost)
    bounds = np.column_stack(
        [np.zeros(n + q + g), np.concatenate([np.ones(n), needs, np.ones(g)])]
    )
    if n == 0:
        return Relaxation(-float(np.dot(needs, cost[n : n + q])), np.zeros(0), np.zeros(0), 0.0)
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs-ds")
    wall = time.perf_counter() - started
    if result.status != 0:
        log.warning("LP relaxation not solved: %s", result.message)
        return None
    values = np.clip(result.x[:n], 0.0, 1.0)
    # reduced cost of a pair in the maximisation: score - duals of the rows it appears in
    duals = -result.ineqlin.marginals  # >= 0 prices of the <= rows of the max problem
    reduced = -(cost[:n] + a_ub[:, :n].T @ duals)
    # the upper bounds x <= 1 carry the rest: only pairs at 0 give a fixing certificate
    reduced = np.where(values < 1e-9, np.minimum(reduced, 0.0), 0.0)
    return Relaxation(float(-result.fun), values, reduced, wall)


def _with_groups(
    problem: AssignmentProblem, a_ub: sparse.csr_matrix, b_ub: np.ndarray, cost: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Add one column y_g per group and the rows that tie pairs to open groups:
    x_p <= y_g, sum of a group's pairs <= capacity * y_g, groups per host <= the limit;
    the group bonus pays bonus_g per member and costs bonus_g per open group."""
    assert problem.pair_group is not None and problem.group_host is not None
    n, g = problem.n_pairs, problem.n_groups
    extra = a_ub.shape[1] - n  # shortfall columns
    pairs = np.arange(n)
    group_of = problem.pair_group
    link = sparse.hstack(
        [
            sparse.identity(n, format="csr"),
            sparse.csr_matrix((n, extra)),
            -sparse.csr_matrix((np.ones(n), (pairs, group_of)), shape=(n, g)),
        ]
    )
    capacity = problem.host_capacity[problem.group_host].astype(float)
    group_capacity = sparse.hstack(
        [
            sparse.csr_matrix((np.ones(n), (group_of, pairs)), shape=(g, n)),
            sparse.csr_matrix((g, extra)),
            -sparse.diags(capacity),
        ]
    )
    per_host = sparse.hstack(
        [
            sparse.csr_matrix((problem.n_hosts, n + extra)),
            sparse.csr_matrix(
                (np.ones(g), (problem.group_host, np.arange(g))), shape=(problem.n_hosts, g)
            ),
        ]
    )
    widened = sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], g))])
    a_ub = sparse.vstack([widened, link, group_capacity, per_host]).tocsr()
    b_ub = np.concatenate(
        [b_ub, np.zeros(n), np.zeros(g), np.full(problem.n_hosts, problem.max_groups_per_host)]
    )
    bonus = (
        np.zeros(g) if problem.group_bonus is None else problem.group_bonus.astype(float)
    )
    cost = cost.copy()
    cost[:n] -= bonus[group_of]
    return a_ub, b_ub, np.concatenate([cost, bonus])
