"""The LP relaxation with the slot layer."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.relaxation import solve_relaxation
from solvers.slot_lp import solve_slot_relaxation
from tests.solvers.builders import WEEKS, slotted


def test_one_open_week_bounds_the_weeks_instance():
    # y0 + y1 <= 1: week 0 holds 100, week 1 holds 60 + 50; the LP opens week 1 whole
    lp = solve_slot_relaxation(slotted(**WEEKS), time_limit_s=None)
    assert lp is not None
    assert lp.bound == pytest.approx(110)
    assert lp.values == pytest.approx([0, 1, 1])
    assert lp.slot_values == pytest.approx([0, 1])


def test_the_relaxation_of_a_slotted_problem_is_the_slot_lp():
    p = slotted(**WEEKS, max_groups_per_host=2, group_bonus=np.array([7]))
    lp = solve_relaxation(p)
    assert lp is not None and lp.slot_values is not None
    # both weeks open: 210 in scores, plus 7 for the second member of week 1
    assert lp.bound == pytest.approx(210 + 7)
