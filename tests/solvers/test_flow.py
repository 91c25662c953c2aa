"""The min-cost flow: the exact optimum without side rules."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from solvers.flow import max_weight_assignment
from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.result import SolveStatus
from tests.solvers.builders import problem, random_problem


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_min_cost_flow_is_the_optimum_without_side_rules(seed):
    p = random_problem(seed, share=Fraction(0))
    flow = max_weight_assignment(p, p.pair_value)
    assert np.bincount(p.pair_visitor[flow], minlength=p.n_visitors).max() <= 1
    assert (np.bincount(p.pair_host[flow], minlength=p.n_hosts) <= p.host_capacity).all()
    plain = solve_plain(p, SolverOptions(time_limit_s=10, workers=1, use_relaxation=False))
    assert plain.status is SolveStatus.OPTIMAL
    assert int(p.pair_value[flow].sum()) == plain.objective


def test_pairs_of_no_positive_weight_are_never_chosen():
    p = problem([(0, 0, 5), (1, 0, 9)], capacity=[2], sme=[1, 1])
    assert max_weight_assignment(p, np.array([0, -3])).tolist() == [False, False]
    assert max_weight_assignment(p, np.array([4, 0])).tolist() == [True, False]
