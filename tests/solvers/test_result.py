"""One result builder for every strategy and the greedy baseline."""

from __future__ import annotations

import time

import numpy as np

from solvers.problem import Quota
from solvers.result import SolveStatus, solve_result
from tests.solvers.builders import WEEKS, slotted, with_fields


def test_the_objective_and_shortfalls_come_from_the_problem():
    quota = Quota("P/x", np.array([True, False, False]), need=1, penalty=7)
    p = with_fields(slotted(**WEEKS, group_bonus=np.array([3])), quotas=(quota,))
    solution = (np.array([False, True, True]), np.array([False, True]))
    stats = {"start": "greedy"}
    result = solve_result(
        p, SolveStatus.FEASIBLE, solution, 120, started=time.perf_counter(), seed=5, workers=2,
        stats=stats,
    )  # fmt: skip
    assert result.objective == 60 + 50 + 3 - 7 and result.shortfalls == (1,)
    assert result.best_bound == 120 and result.gap == (120 - 106) / 120
    assert result.open_slots.tolist() == [False, True] and result.stats is stats
    assert (result.solver, result.seed, result.workers) == ("cp-sat", 5, 2)


def test_no_solution_selects_nothing_and_reports_no_value():
    p = slotted(**WEEKS)
    result = solve_result(
        p, SolveStatus.INFEASIBLE, None, 99, started=time.perf_counter(), seed=0, workers=1
    )
    assert not result.selected.any() and len(result.selected) == p.n_pairs
    assert result.objective is None and result.best_bound is None and result.gap is None
    assert result.open_slots is None and result.shortfalls == () and result.stats == {}
    assert not result.status.has_solution
