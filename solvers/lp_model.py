"""The LP relaxation's model: one builder for its rows, HiGHS' budget, and what an LP returns.

Rows (all ``<=``, over the pair columns x_p in [0, 1] and one shortfall column per quota in
[0, need]), in this order:

* one per visitor: ``sum of its x <= 1``;
* one per host: ``sum of its x <= capacity``;
* the side rows: the SME share ``num * total - den * smes <= fixed`` (the
  accepted exchanges counted in ``fixed``), then per quota ``-chosen - shortfall <= -need``,
  then per cap ``sum of cost x <= limit``, then per limited set ``sum of its x <= limit``,
  then (with expected weights) the SME share in expectation, ``sum of w (num - den [SME]) x
  <= fixed x expected_fixed``.

A quota with pair weights counts each member pair's weight instead of 1.

The priced LP (``solvers.relaxation``) slices this matrix by pairs; the slot LP
(``solvers.slot_lp``) takes it whole and adds the slot columns and rows; diagnosis reads the
side rows' prices (``Relaxation.side_duals``) by the same order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)

SME_SIDE_ROW = 0  # the SME share's position among the side rows


def quota_side_row(q: int) -> int:
    """The position of quota ``q``'s row among the side rows."""
    return 1 + q


def expected_sme_side_row(problem: AssignmentProblem) -> int | None:
    """The position of the SME share in expectation among the side rows (None: no such row)."""
    if problem.expected_weight is None:
        return None
    sets = 0 if problem.set_limit is None else len(problem.set_limit)
    return 1 + len(problem.quotas) + len(problem.caps) + sets


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
        return {"maxiter": min(max(1_000, int(cap)), 2**31 - 1)}  # HiGHS counts in int32
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
    side_duals: np.ndarray | None = None  # prices of the side rows (SME, quotas, caps)
    # pair value less the priced side rows (SME share, quotas, caps): Lagrangian weights
    # whose max-weight assignment is an LP optimum when the LP is integral
    lagrangian_values: np.ndarray | None = None
    core: np.ndarray | None = None  # (n_pairs,) bool: the pairs of the last core LP
    slot_values: np.ndarray | None = None  # (n_slots,) LP value of each slot's y
    # prices of every row (``LpRows`` order), each visitor's raised by its best improving
    # reduced cost: a feasible dual of the full LP (its objective is ``bound``)
    row_duals: np.ndarray | None = None

    @property
    def fractional(self) -> int:
        return int(((self.values > 1e-6) & (self.values < 1 - 1e-6)).sum())


class LpRows:
    """The constraint rows over all pairs (see the module) and the quota shortfall columns."""

    def __init__(self, problem: AssignmentProblem):
        n, q = problem.n_pairs, len(problem.quotas)
        sets = 0 if problem.set_limit is None else len(problem.set_limit)
        expected = int(problem.expected_weight is not None)
        self.problem = problem
        self.side_start = problem.n_visitors + problem.n_hosts  # the first side row
        self.n_rows = self.side_start + 1 + q + len(problem.caps) + sets + expected
        columns = np.arange(n)
        ones = np.ones(n)
        share = problem.min_sme_share
        is_sme = problem.visitor_is_sme[problem.pair_visitor]
        # num * total - den * smes <= fixed
        sme_row = np.where(is_sme, share.numerator - share.denominator, share.numerator)
        contributions = [quota.contribution(problem.pair_visitor) for quota in problem.quotas]
        member_rows = [np.flatnonzero(c) for c in contributions]
        quota_rows = sparse.csr_matrix(
            (
                np.concatenate(
                    [c[m].astype(float) for c, m in zip(contributions, member_rows, strict=True)]
                    or [np.zeros(0)]
                ),
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
                _set_rows(problem),
                _expected_sme_row(problem, sme_row),
            ]
        ).T.tocsr()
        self.slack_block = sparse.vstack(
            [
                sparse.csr_matrix((self.side_start + 1, q)),
                -sparse.identity(q, format="csr"),
                sparse.csr_matrix((len(problem.caps) + sets + expected, q)),
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
                np.zeros(0) if problem.set_limit is None else problem.set_limit.astype(float),
                [float(problem.expected_fixed_margin)] if expected else [],
            ]
        )
        self.value = problem.pair_value.astype(float)
        self.penalty = np.array([float(quota.penalty) for quota in problem.quotas])

    def matrix(self, core: np.ndarray) -> sparse.csr_matrix:
        """A_ub over the ``core`` pair columns (indices), then the shortfall columns."""
        return sparse.hstack([self.pairs_by_row[core].T, self.slack_block]).tocsr()

    def cost(self, core: np.ndarray) -> np.ndarray:
        """The minimised cost: minus the core pairs' values, plus each quota's penalty."""
        return np.concatenate([-self.value[core], self.penalty])

    def bounds(self, core: np.ndarray) -> np.ndarray:
        """x in [0, 1] for the core pairs, shortfall in [0, need]."""
        q = len(self.needs)
        return np.column_stack(
            [np.zeros(len(core) + q), np.concatenate([np.ones(len(core)), self.needs])]
        )

    def solve(
        self, core: np.ndarray, limits: dict[str, float | int] | None = None
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
        """LP on the core pairs: (value, pair values on the core, row duals, slack values)."""
        result = linprog(
            self.cost(core),
            A_ub=self.matrix(core),
            b_ub=self.rhs,
            bounds=self.bounds(core),
            method="highs-ds",
            options=limits or {},
        )
        self.iterations = int(getattr(result, "nit", 0) or 0)
        if result.status != 0:
            log.info("LP relaxation not solved: %s", result.message)  # the caller goes without
            return None
        duals = -result.ineqlin.marginals  # >= 0 prices of the <= rows of the max problem
        return float(-result.fun), result.x[: len(core)], duals, result.x[len(core) :]

    def reduced_costs(self, duals: np.ndarray) -> np.ndarray:
        """Score minus the priced rows, for every pair (> 0: the pair improves the LP)."""
        return self.value - self.pairs_by_row @ duals

    def lagrangian_values(self, duals: np.ndarray) -> np.ndarray:
        """Pair value less the priced side rows only (visitor and host rows stay hard)."""
        side = self.side_start
        return self.value - self.pairs_by_row[:, side:] @ duals[side:]


def _set_rows(problem: AssignmentProblem) -> sparse.csr_matrix:
    """One row per limited set over the pairs in it (none without sets)."""
    if problem.limit_set is None or problem.set_limit is None:
        return sparse.csr_matrix((0, problem.n_pairs))
    inside = np.flatnonzero(problem.limit_set >= 0)
    return sparse.csr_matrix(
        (np.ones(len(inside)), (problem.limit_set[inside], inside)),
        shape=(len(problem.set_limit), problem.n_pairs),
    )


def _expected_sme_row(problem: AssignmentProblem, sme_row: np.ndarray) -> sparse.csr_matrix:
    """The SME share in expectation, ``sum of w (num - den [SME]) x <= fixed x expected_fixed``
    (none without expected weights)."""
    if problem.expected_weight is None:
        return sparse.csr_matrix((0, problem.n_pairs))
    return sparse.csr_matrix((problem.expected_weight * sme_row).astype(float)[None, :])
