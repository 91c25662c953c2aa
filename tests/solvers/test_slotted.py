"""The group-slot strategy on tiny problems with hand-checked optimal answers."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.flow import max_weight_assignment
from solvers.options import SolverOptions
from solvers.slotted import solve_slotted
from tests.solvers.builders import WEEKS, problem, slotted


def test_one_group_per_host_takes_the_week_that_holds_most(options):
    p = slotted(**WEEKS)
    result = solve_slotted(p, options)
    assert result.selected.tolist() == [False, True, True]  # 110 beats 100
    assert result.open_slots.tolist() == [False, True]
    assert p.slots_ok(result.selected, result.open_slots)


def test_two_groups_when_the_policy_allows(options):
    p = slotted(**WEEKS, max_groups_per_host=2)
    result = solve_slotted(p, options)
    assert result.selected.tolist() == [True, True, True]
    assert result.open_slots.tolist() == [True, True]


def test_group_bonus_is_per_member_beyond_one_per_group(options):
    # apart: visitor 0 at host 1 (55) and visitor 1 at host 0 (45) make 100; together at
    # host 0 they make 95, plus the group bonus 30 for the second member
    pairs = [(0, 0, 50), (1, 0, 45), (0, 1, 55)]
    base = dict(pairs=pairs, fits=[[0], [0], [1]], slot_host=[0, 1], capacity=[2, 1], sme=[1, 1])
    plain = slotted(**base)
    assert solve_slotted(plain, options).selected.tolist() == [False, True, True]
    bonus = slotted(**base, group_bonus=np.array([30, 0]))
    result = solve_slotted(bonus, options)
    assert result.selected.tolist() == [True, True, False]
    assert result.objective == 50 + 45 + 30


def test_a_pair_without_a_fitting_slot_is_never_chosen(options):
    p = slotted(pairs=[(0, 0, 100)], fits=[[]], slot_host=[0], capacity=[1], sme=[1])
    assert not solve_slotted(p, options).selected.any()


def test_the_slot_path_reports_the_unconstrained_optimum(options):
    # the flow ignores the slots: all three visitors at host 0 (210), where one week holds 110
    p = slotted(**WEEKS)
    result = solve_slotted(p, options)
    flow = max_weight_assignment(p, p.pair_value)
    assert result.stats["mcf_objective"] == int(p.pair_value[flow].sum()) == 210
    assert result.stats["greedy_objective"] <= result.objective <= result.stats["mcf_objective"]


def test_a_plain_problem_is_not_the_slot_strategys():
    p = problem([(0, 0, 1)], capacity=[1], sme=[1])
    with pytest.raises(ValueError, match="with group slots"):
        solve_slotted(p, SolverOptions(time_limit_s=1, workers=1))
