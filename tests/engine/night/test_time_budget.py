"""--time-limit is the whole run's: the solver's work budget is what the other stages leave,
from sizes and the machine's pace alone (a run's budget never depends on the machine's load)."""

from __future__ import annotations

import pytest

from engine.night.encode import (
    AFTER_S,
    AFTER_S_PER_CANDIDATE,
    BEFORE_S,
    BEFORE_S_PER_CANDIDATE,
    LOAD_FACTOR,
    OVERRUN,
    OVERRUN_S,
    SOLVER_MINIMUM_S,
    SOLVER_OVERRUN,
    UNLOADED_SHARE,
    diagnosis_time,
    solver_budget,
)


def _stages(candidates: int, limit: float, pace: float = 1.0) -> float:
    """The predicted time of every stage but the solver's, on a machine of ``pace``."""
    before = BEFORE_S + BEFORE_S_PER_CANDIDATE * candidates
    after = AFTER_S + AFTER_S_PER_CANDIDATE * candidates
    return pace * (before + after) + diagnosis_time(limit)


def test_the_solver_gets_what_the_other_stages_leave():
    small, after_small = solver_budget(13_000, 60)
    large, after_large = solver_budget(94_000, 60)
    assert 0 < large < small < 60
    assert after_large > after_small > 0
    assert solver_budget(94_000, 120)[0] > large + 30  # most of every extra second


@pytest.mark.parametrize("candidates", [13_000, 27_000, 94_000, 420_000])
@pytest.mark.parametrize("limit", [30.0, 60.0, 120.0, 600.0])
@pytest.mark.parametrize("pace", [0.7, 1.0, 1.3, 2.0])
def test_the_plan_ends_in_the_limit_unloaded_and_within_its_overrun_loaded(candidates, limit, pace):
    """On a machine of any pace: the solver's work budget is in the reference machine's
    seconds, so it takes ``pace`` x its budget there."""
    work, _ = solver_budget(candidates, limit, pace)
    planned = _stages(candidates, limit, pace) + SOLVER_OVERRUN * pace * work
    if work > SOLVER_MINIMUM_S:  # a limit the other stages leave room in
        assert planned <= UNLOADED_SHARE * limit + 1e-9
        assert LOAD_FACTOR * planned <= (1 + OVERRUN) * limit + OVERRUN_S + 1e-9


def test_a_limit_the_other_stages_use_up_still_leaves_the_solver_its_minimum():
    assert solver_budget(400_000, 5)[0] == SOLVER_MINIMUM_S


def test_a_slower_machine_gets_less_work_and_more_reserve():
    work, after = solver_budget(94_000, 60, 1.0)
    slow_work, slow_after = solver_budget(94_000, 60, 1.3)
    assert slow_work < work / 1.3  # its stages take longer too
    assert slow_after == pytest.approx(1.3 * after)


def test_the_budget_depends_on_sizes_only():
    assert solver_budget(20_000, 30) == solver_budget(20_000, 30)
