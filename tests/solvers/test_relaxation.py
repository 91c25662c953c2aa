"""The priced LP relaxation and reduced-cost fixing."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from solvers.lp_model import Relaxation
from solvers.relaxation import first_core, fixable, solve_relaxation
from tests.solvers.builders import problem, random_problem


@pytest.mark.parametrize("seed", [4, 5])
def test_priced_lp_reaches_the_full_lp_bound(seed):
    p = random_problem(seed, n_visitors=80, n_hosts=12, share=Fraction(3, 5), quotas=3)
    full = solve_relaxation(p, price=False)
    priced = solve_relaxation(p, tolerance=0.0)
    assert full is not None and priced is not None
    assert priced.exact and priced.core_pairs < p.n_pairs
    assert priced.bound == pytest.approx(full.bound, abs=1e-6)


def test_an_unfinished_pricing_still_gives_a_valid_bound():
    p = random_problem(6, n_visitors=80, n_hosts=12, share=Fraction(3, 5), quotas=3)
    full = solve_relaxation(p, price=False)
    cut = solve_relaxation(p, max_rounds=1, tolerance=0.0)
    assert full is not None and cut is not None
    assert cut.bound >= full.bound - 1e-6


def test_the_first_core_is_each_visitors_best_pairs_plus_the_starts():
    p = problem([(0, 0, 9), (0, 1, 5), (0, 2, 1), (1, 0, 3)], capacity=[1, 1, 1], sme=[1, 1])
    start = np.array([False, False, True, False])
    assert first_core(p, [start], per_visitor=1).tolist() == [True, False, True, True]


def test_fixing_keeps_only_the_pairs_that_can_beat_the_incumbent():
    p = problem([(0, 0, 10), (1, 0, 8), (2, 1, 5)], capacity=[1, 1], sme=[1, 1, 1])
    # LP bound 15; forcing pair 1 in costs 2, pair 2 is in the LP optimum (reduced cost 0)
    lp = Relaxation(15.0, np.array([1.0, 0.0, 1.0]), np.array([0.0, -2.0, 0.0]), 0.0)
    assert fixable(p, lp, incumbent=12).tolist() == [True, True, True]
    assert fixable(p, lp, incumbent=13).tolist() == [True, False, True]  # 15 - 2 < 13.5
    assert fixable(p, None, incumbent=13).all()  # without an LP nothing is fixed
