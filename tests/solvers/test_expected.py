"""Planning on the outcome: quotas met in expectation (pair weights) and the SME share of the
expected exchanges, in every solver part (problem, CP-SAT, LP, greedy, solve) on hand-checked
instances."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from solvers.greedy import greedy_selection
from solvers.lp_model import LpRows
from solvers.options import SolverOptions
from solvers.problem import AssignmentProblem, Quota
from solvers.relaxation import solve_relaxation
from solvers.solve import solve
from tests.solvers.builders import chosen, problem

FAST = SolverOptions(time_limit_s=5, workers=1)


def expected_quota(p: AssignmentProblem, weights: list[int], need: int, penalty: int) -> Quota:
    members = np.ones(p.n_visitors, dtype=bool)
    return Quota("P/total", members, need, penalty, np.array(weights, dtype=np.int64), unit=100)


def test_a_quota_in_expectation_counts_each_pairs_chance():
    """Three visitors, one host place each. Visitor 0 scores most but is accepted with 20%,
    visitors 1 and 2 with 90%: an expected exchange needs pairs worth 100 units. Counting
    proposals, any one pair meets a need of 1; in expectation visitor 0 alone misses 0.8 of
    it, visitor 1 alone 0.1."""
    base = problem([(0, 0, 900), (1, 1, 500), (2, 2, 400)], capacity=[1, 1, 1], sme=[1, 1, 1])
    weights = [20, 90, 90]
    plan = replace(base, quotas=(expected_quota(base, weights, need=100, penalty=1000),))
    assert plan.shortfalls(np.array([True, False, False])) == [80]
    assert plan.shortfalls(np.array([True, True, False])) == [0]
    # only one proposal allowed in all: cap every pair's cost at 1 of 1
    from solvers.problem import Cap

    one = replace(plan, caps=(Cap("one", np.ones(3, dtype=np.int64), 1),))
    result = solve(one, FAST)
    # visitor 0 alone: 900 - 80 x 1000 < visitor 1 alone: 500 - 10 x 1000
    assert chosen(one, result) == [(1, 1)]
    assert result.shortfalls == (10,)


def test_the_expected_share_of_smes_binds_where_the_proposals_share_does_not():
    """Visitor 0 (SME, 10% likely) and visitor 1 (not SME, 90%) at hosts 0 and 1. Both
    proposed: half the proposals go to SMEs, but 0.1 of 1.0 expected exchanges (10%)."""
    base = problem([(0, 0, 100), (1, 1, 100)], capacity=[1, 1], sme=[1, 0])
    weighted = replace(base, expected_weight=np.array([10, 90], dtype=np.int64))
    both = np.array([True, True])
    assert base.sme_share_ok(both) and not weighted.sme_share_ok(both)
    assert weighted.expected_sme_margin(both) == 10 * (2 - 1) - 90 * 1
    result = solve(weighted, FAST)
    assert chosen(weighted, result) == [(0, 0)]  # the SME alone keeps both shares
    assert weighted.sme_share_ok(result.selected)


def test_accepted_exchanges_weigh_fully_in_the_expected_share():
    """One accepted SME exchange (fixed, certain): a non-SME pair 90% likely may join it."""
    base = problem([(0, 0, 100)], capacity=[1], sme=[0])
    weighted = replace(
        base, expected_weight=np.array([90], dtype=np.int64), fixed_smes=1, fixed_total=1
    )
    # expected 1 SME of 1.9 exchanges: 53% >= 50%
    assert weighted.sme_share_ok(np.array([True]))
    assert chosen(weighted, solve(weighted, FAST)) == [(0, 0)]


def test_the_lp_has_the_weighted_rows():
    base = problem([(0, 0, 100), (1, 1, 100)], capacity=[1, 1], sme=[1, 0])
    weighted = replace(
        base,
        expected_weight=np.array([10, 90], dtype=np.int64),
        quotas=(expected_quota(base, [10, 90], need=50, penalty=10),),
    )
    rows = LpRows(weighted)
    dense = rows.pairs_by_row.toarray().T  # rows x pairs
    side = rows.side_start
    assert dense[side + 1].tolist() == [-10.0, -90.0]  # the quota, as -chosen <= -need
    assert dense[-1].tolist() == [10 * (1 - 2), 90 * 1]  # num - den [SME], weighted
    relaxation = solve_relaxation(weighted)
    assert relaxation is not None
    # the LP keeps the expected share: 10 x_0 >= 90 x_1 (share 1/2)
    x = relaxation.values
    assert 10 * x[0] - 90 * x[1] >= -1e-6


def test_greedy_repairs_the_expected_share():
    base = problem(
        [(0, 0, 50), (1, 1, 100), (2, 2, 100)], capacity=[1, 1, 1], sme=[1, 0, 0],
        share=Fraction(1, 2),
    )  # fmt: skip
    weighted = replace(base, expected_weight=np.array([90, 40, 40], dtype=np.int64))
    selected = greedy_selection(weighted)
    assert weighted.sme_share_ok(selected)
    assert selected[0]  # the SME stays
    # 90 expected SME units against 40 per non-SME: one non-SME may stay (90 >= 40 + ...)
    assert int(selected.sum()) == 2
