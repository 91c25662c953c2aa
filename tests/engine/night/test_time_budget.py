"""--time-limit is the whole run's: the solver's work budget is what the other stages leave,
from sizes alone (so a run's budget never depends on the machine's load)."""

from __future__ import annotations

from engine.night.encode import SOLVER_MINIMUM_S, solver_budget


def test_the_solver_gets_what_the_other_stages_leave():
    small, after_small = solver_budget(160_000, 13_000, 60)
    large, after_large = solver_budget(6_250_000, 94_000, 60)
    assert 0 < large < small < 60
    assert after_large > after_small > 0
    assert solver_budget(6_250_000, 94_000, 120)[0] - large == 60  # every extra second


def test_a_limit_the_other_stages_use_up_still_leaves_the_solver_its_minimum():
    assert solver_budget(100_000_000, 400_000, 5)[0] == SOLVER_MINIMUM_S


def test_the_budget_depends_on_sizes_only():
    assert solver_budget(1_000_000, 20_000, 30) == solver_budget(1_000_000, 20_000, 30)
