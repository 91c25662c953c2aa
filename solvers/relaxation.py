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

PRICE_TOLERANCE = 1e-6  # objective units; a reduced cost above this is an improving pair
CORE_PER_VISITOR = 4  # best pairs per visitor in the first core
ADD_PER_VISITOR = 4  # improving pairs added per visitor and round
MAX_ROUNDS = 30
# stop pricing once the valid bound exceeds the core LP by at most this share of it
BOUND_TOLERANCE = 1e-4


# Deterministic budgets: HiGHS has no deterministic clock, so a time budget becomes an
# iteration cap. A dual simplex iteration costs about this many seconds per LP row
# (measured here: 16,893 iterations of a 110k-row LP in 14.9 s, 2,536 of a 20k-row LP in
# 0.57 s, 2 cores). The cap depends only on the problem and the budget: same inputs, same LP.
SECONDS_PER_ROW_ITERATION = 8e-9


def highs_limits(
    time_limit_s: float | None, rows: int, deterministic: bool
) -> dict[str, float | int]:
    """HiGHS options for a budget: an iteration cap when deterministic, else a time limit."""
    if time_limit_s is None:
        return {}
    if deterministic:
        cap = time_limit_s / (max(rows, 1) * SECONDS_PER_ROW_ITERATION)
        return {"maxiter": max(1_000, int(cap))}
    return {"time_limit": max(0.1, time_limit_s)}


@dataclass(frozen=True)
class Relaxation:
    bound: float  # LP optimum: no integer assignment scores more
    values: np.ndarray  # (n_pairs,) LP value of each pair in [0, 1]
    reduced_costs: np.ndarray  # (n_pairs,) d_p <= 0 for pairs at 0: forcing one in costs >= |d_p|
    wall_time_s: float
    rounds: int = 1  # LPs solved (pricing rounds)
    core_pairs: int = 0  # pairs of the last core LP
    exact: bool = True  # the bound is the full LP optimum (pricing converged)
    side_duals: np.ndarray | None = None  # prices of the SME row, each quota row, each cap
    # pair value less the priced side rows (SME share, quotas, caps): Lagrangian weights
    # whose max-weight assignment is an LP optimum when the LP is integral
    lagrangian_values: np.ndarray | None = None
    core: np.ndarray | None = None  # (n_pairs,) bool: the pairs of the last core LP
    slot_values: np.ndarray | None = None  # (n_slots,) LP value of each slot's y

    @property
    def fractional(self) -> int:
        return int(((self.values > 1e-6) & (self.values < 1 - 1e-6)).sum())


class _Rows:
    """The constraint rows over all pairs (visitors, hosts, SME share, quotas) + quota slacks."""

    def __init__(self, problem: AssignmentProblem):
        n, q = problem.n_pairs, len(problem.quotas)
        self.problem = problem
        columns = np.arange(n)
        ones = np.ones(n)
        share = problem.min_sme_share
        is_sme = problem.visitor_is_sme[problem.pair_visitor]
        # num * total - den * smes <= fixed
        sme_row = np.where(is_sme, share.numerator - share.denominator, share.numerator)
        member_rows = [
            np.flatnonzero(quota.members[problem.pair_visitor]) for quota in problem.quotas
        ]
        quota_rows = sparse.csr_matrix(
            (
                np.ones(sum(len(m) for m in member_rows)),
                (
                    np.repeat(np.arange(q), [len(m) for m in member_rows]),
                    np.concatenate(member_rows or [np.zeros(0, dtype=np.int64)]),
                ),
            ),
            shape=(q, n),
        )
        # pairs as rows: the transposed constraint matrix, to slice cores by row
        self.pairs_by_row = sparse.vstack(
            [
                sparse.csr_matrix(
                    (ones, (problem.pair_visitor, columns)), shape=(problem.n_visitors, n)
                ),
                sparse.csr_matrix((ones, (problem.pair_host, columns)), shape=(problem.n_hosts, n)),
                sparse.csr_matrix(sme_row.astype(float)[None, :]),
                -quota_rows,  # chosen + shortfall >= need, as -chosen - shortfall <= -need
                *[sparse.csr_matrix(cap.cost.astype(float)[None, :]) for cap in problem.caps],
            ]
        ).T.tocsr()
        self.slack_block = sparse.vstack(
            [
                sparse.csr_matrix((problem.n_visitors + problem.n_hosts + 1, q)),
                -sparse.identity(q, format="csr"),
                sparse.csr_matrix((len(problem.caps), q)),
            ]
        ).tocsr()
        self.needs = np.array([quota.need for quota in problem.quotas], dtype=float)
        fixed = share.denominator * problem.fixed_smes - share.numerator * problem.fixed_total
        self.rhs = np.concatenate(
            [
                np.ones(problem.n_visitors),
                problem.host_capacity.astype(float),
                [float(fixed)],
                -self.needs,
                [float(cap.limit) for cap in problem.caps],
            ]
        )
        self.value = problem.pair_value.astype(float)
        self.penalty = np.array([float(quota.penalty) for quota in problem.quotas])

    def solve(
        self, core: np.ndarray, limits: dict[str, float | int] | None = None
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
        """LP on the core pairs: (value, pair values on the core, row duals, slack values)."""
        q = len(self.needs)
        a_ub = sparse.hstack([self.pairs_by_row[core].T, self.slack_block]).tocsr()
        cost = np.concatenate([-self.value[core], self.penalty])
        bounds = np.column_stack(
            [np.zeros(len(core) + q), np.concatenate([np.ones(len(core)), self.needs])]
        )
        result = linprog(
            cost, A_ub=a_ub, b_ub=self.rhs, bounds=bounds, method="highs-ds", options=limits or {}
        )
        self.iterations = int(getattr(result, "nit", 0) or 0)
        if result.status != 0:
            log.warning("LP relaxation not solved: %s", result.message)
            return None
        duals = -result.ineqlin.marginals  # >= 0 prices of the <= rows of the max problem
        return float(-result.fun), result.x[: len(core)], duals, result.x[len(core) :]

    def reduced_costs(self, duals: np.ndarray) -> np.ndarray:
        """Score minus the priced rows, for every pair (> 0: the pair improves the LP)."""
        return self.value - self.pairs_by_row @ duals


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
) -> Relaxation | None:
    """The LP optimum, or None if HiGHS does not reach it (the caller then goes without).

    ``price=False`` solves the LP over every pair at once. ``deterministic`` turns the time
    budget into HiGHS iteration caps (see ``highs_limits``), so the result never depends on
    the machine's load.
    """
    started = time.perf_counter()
    n = problem.n_pairs
    if n == 0:
        needs = np.array([quota.need * quota.penalty for quota in problem.quotas], dtype=float)
        return Relaxation(-float(needs.sum()), np.zeros(0), np.zeros(0), 0.0)
    if problem.n_slots:  # group slots add columns and rows per pair: one full LP
        return _solve_slotted(problem, time_limit_s, deterministic)
    rows = _Rows(problem)
    in_core = (
        first_core(problem, starts or [], CORE_PER_VISITOR) if price else np.ones(n, dtype=bool)
    )
    rounds = 0
    last: tuple[np.ndarray, tuple[float, np.ndarray, np.ndarray, np.ndarray]] | None = None
    n_rows = problem.n_visitors + problem.n_hosts + 1 + len(problem.quotas) + len(problem.caps)
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
        if out_of_time:
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
        side_duals=duals[problem.n_visitors + problem.n_hosts :],
        lagrangian_values=rows.value
        - rows.pairs_by_row[:, problem.n_visitors + problem.n_hosts :]
        @ duals[problem.n_visitors + problem.n_hosts :],
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


def _solve_slotted(
    problem: AssignmentProblem, time_limit_s: float | None, deterministic: bool = False
) -> Relaxation | None:
    """The LP over every pair and slot of a problem with group slots (no pricing)."""
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
    g = problem.n_slots
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
        a_ub, b_ub, cost = _with_slots(problem, a_ub, b_ub, cost)
    bounds = np.column_stack([np.zeros(n + q + g), np.concatenate([np.ones(n), needs, np.ones(g)])])
    if n == 0:
        return Relaxation(-float(np.dot(needs, cost[n : n + q])), np.zeros(0), np.zeros(0), 0.0)
    highs_options = highs_limits(time_limit_s, a_ub.shape[0], deterministic)
    result = linprog(
        cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs-ds", options=highs_options
    )
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
    return Relaxation(float(-result.fun), values, reduced, wall, slot_values=result.x[n + q :])


def _with_slots(
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
    per_host = sparse.hstack(
        [
            sparse.csr_matrix((problem.n_hosts, n + extra)),
            sparse.csr_matrix(
                (np.ones(g), (problem.slot_host, np.arange(g))), shape=(problem.n_hosts, g)
            ),
        ]
    )
    widened = sparse.hstack([a_ub, sparse.csr_matrix((a_ub.shape[0], g))])
    a_ub = sparse.vstack([widened, link, per_host]).tocsr()
    b_ub = np.concatenate(
        [b_ub, np.zeros(n), np.full(problem.n_hosts, float(problem.max_groups_per_host))]
    )
    bonus = np.zeros(problem.n_hosts) if problem.group_bonus is None else problem.group_bonus
    cost = cost.copy()
    cost[:n] -= bonus[problem.pair_host]
    return a_ub, b_ub, np.concatenate([cost, bonus[problem.slot_host].astype(float)])
