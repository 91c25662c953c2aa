"""The LP rows: one builder for the priced LP, the slot LP and diagnosis."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from solvers.lp_model import SME_SIDE_ROW, LpRows, highs_limits, quota_side_row
from solvers.problem import Cap, Quota
from solvers.relaxation import solve_relaxation
from tests.solvers.builders import problem, with_fields


def test_the_rows_in_their_documented_order():
    quota = Quota("P/x", np.array([False, True]), need=1, penalty=50)
    p = problem(
        [(0, 0, 10), (1, 0, 20), (1, 1, 30)],
        capacity=[1, 2],
        sme=[1, 0],
        share=Fraction(1, 3),
        quotas=[quota],
    )
    p = with_fields(p, caps=(Cap("budget", np.array([4, 5, 6]), limit=9),), fixed_total=3)
    rows = LpRows(p)
    every = np.arange(p.n_pairs)
    expected = [
        # x0, x1, x2, shortfall
        [1, 0, 0, 0],  # visitor 0
        [0, 1, 1, 0],  # visitor 1
        [1, 1, 0, 0],  # host 0
        [0, 0, 1, 0],  # host 1
        [1 - 3, 1, 1, 0],  # SME share: num * total - den * smes <= fixed
        [0, -1, -1, -1],  # quota: -chosen - shortfall <= -need
        [4, 5, 6, 0],  # cap
    ]
    assert rows.matrix(every).toarray().tolist() == expected
    assert rows.rhs.tolist() == [1, 1, 1, 2, 3 * 0 - 1 * 3, -1, 9]
    assert rows.cost(every).tolist() == [-10, -20, -30, 50]
    assert rows.side_start + SME_SIDE_ROW == 4 and rows.side_start + quota_side_row(0) == 5
    assert rows.n_rows == len(expected)


def test_the_side_duals_follow_the_row_layout():
    # the quota forces visitor 1 (20) over visitor 0 (90) at the only host; no SME rule binds
    quota = Quota("P/x", np.array([False, True]), need=1, penalty=1000)
    p = problem([(0, 0, 90), (1, 0, 20)], capacity=[1], sme=[1, 1], quotas=[quota])
    lp = solve_relaxation(p)
    assert lp is not None and lp.side_duals is not None
    # the quota's price lies between what it forces away (70) and its penalty (1000)
    assert 70 - 1e-6 <= lp.side_duals[quota_side_row(0)] <= 1000 + 1e-6
    assert lp.side_duals[SME_SIDE_ROW] == pytest.approx(0)


def test_a_budget_is_an_iteration_cap_when_deterministic():
    assert highs_limits(None, 10, True) == {}
    assert highs_limits(8.0, 1_000_000, True) == {"maxiter": 1_000}
    assert highs_limits(80.0, 1_000_000, True) == {"maxiter": 10_000}
    assert highs_limits(5.0, 1_000_000, False) == {"time_limit": 5.0}
