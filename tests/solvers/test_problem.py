"""The assignment problem: validation, objective, the slot layer's helpers."""

from __future__ import annotations

import numpy as np
import pytest

from solvers.problem import Quota
from tests.solvers.builders import WEEKS, problem, slotted, with_fields


def test_malformed_problem_is_refused():
    with pytest.raises(ValueError):
        problem([(0, 3, 10)], capacity=[1], sme=[1])


def test_a_pair_may_not_fit_a_slot_of_another_host():
    with pytest.raises(ValueError, match="another host"):
        slotted(pairs=[(0, 0, 1)], fits=[[1]], slot_host=[0, 1], capacity=[1, 1], sme=[1])


def test_the_objective_is_value_plus_group_bonus_minus_quota_penalties():
    quota = Quota("P/x", np.array([True, False, False]), need=1, penalty=7)
    p = with_fields(slotted(**WEEKS, group_bonus=np.array([3])), quotas=(quota,))
    selected, open_slots = np.array([False, True, True]), np.array([False, True])
    assert p.shortfalls(selected) == [1]
    assert p.objective(selected, open_slots) == 60 + 50 + 3 * (2 - 1) - 7
    assert p.slots_ok(selected, open_slots)
    assert not p.slots_ok(selected, np.array([True, False]))


def test_restricted_keeps_the_rules_and_drops_the_slot_layer():
    p = slotted(**WEEKS, group_bonus=np.array([3]))
    keep = np.array([True, False, True])
    sub = p.restricted(keep)
    assert sub.slot_host is None and sub.group_bonus is None
    assert sub.pair_score.tolist() == [100, 50] and sub.n_visitors == p.n_visitors
    assert p.fitting(np.array([False, True])).tolist() == [False, True, True]
