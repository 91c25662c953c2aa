"""The CP-SAT model, rule by rule: small submodels where only that rule binds."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from ortools.sat.python import cp_model

from solvers import cpsat_model
from solvers.cpsat_model import build_model, run_cpsat
from solvers.options import SolverOptions
from solvers.problem import Cap, Quota
from solvers.result import SolveStatus
from tests.solvers.builders import WEEKS, problem, slotted, with_fields

OPTIONS = SolverOptions(time_limit_s=5, workers=1)


def solve_model(p, start=None):
    """CP-SAT over every pair, from an empty start (or ``start``): status, pairs, slots."""
    empty = (np.zeros(p.n_pairs, dtype=bool), None)
    run = run_cpsat(p, np.ones(p.n_pairs, dtype=bool), start or empty, OPTIONS, 0.0, {})
    selected, open_slots = run.solution
    return run, selected.tolist(), None if open_slots is None else open_slots.tolist()


def added(family, p, *args):
    """How many constraints ``family`` adds to a model holding only the pair booleans."""
    model = cp_model.CpModel()
    pairs = np.arange(p.n_pairs)
    x = [model.new_bool_var(f"x{i}") for i in pairs]
    before = len(model.Proto().constraints)
    family(model, p, pairs, x, *args)
    return len(model.Proto().constraints) - before


def test_a_visitor_is_chosen_at_most_once():
    # no other rule binds (no share, room everywhere): visitor 0 takes its best host only
    p = problem([(0, 0, 5), (0, 1, 7), (1, 1, 4)], capacity=[2, 2], sme=[0, 0], share=0)
    run, selected, _ = solve_model(p)
    assert run.status is SolveStatus.OPTIMAL
    assert selected == [False, True, True] and run.bound == 11
    assert added(cpsat_model.add_visitor_once, p) == 1  # visitor 1 has one pair: no row


def test_a_host_takes_at_most_its_capacity():
    p = problem([(0, 0, 9), (1, 0, 8), (2, 0, 7), (3, 1, 1)], [2, 1], [0] * 4, share=0)
    _, selected, _ = solve_model(p)
    assert selected == [True, True, False, True]
    assert added(cpsat_model.add_host_capacity, p) == 1  # host 1 cannot overflow: no row


def test_the_sme_share_counts_the_accepted_exchanges():
    # share 1/2: one SME (1) carries one non-SME: the better one (10)
    p = problem([(0, 0, 10), (1, 1, 9), (2, 2, 1)], [1, 1, 1], [0, 0, 1])
    run, selected, _ = solve_model(p)
    assert selected == [True, False, True] and run.bound == 11
    # one accepted SME exchange already: 2 SMEs of 4 keep the share, all three fit
    _, selected, _ = solve_model(with_fields(p, fixed_smes=1, fixed_total=1))
    assert selected == [True, True, True]
    assert added(cpsat_model.add_sme_share, with_fields(p, min_sme_share=Fraction(0))) == 0


def test_a_quota_shortfall_costs_its_penalty():
    # visitor 1 is the quota's only member and needs the only host; visitor 0 scores more
    members = np.array([False, True])
    p = problem([(0, 0, 50), (1, 0, 20)], [1], [1, 1], share=0)
    paid = with_fields(p, quotas=(Quota("P/x", members, need=1, penalty=100),))
    assert solve_model(paid)[1] == [False, True]  # 20 beats 50 - 100
    cheap = with_fields(p, quotas=(Quota("P/x", members, need=1, penalty=10),))
    assert solve_model(cheap)[1] == [True, False]  # 50 - 10 beats 20: the quota is soft
    # a need of 2 cannot be met: a shortfall of at least 1 either way
    short = with_fields(p, quotas=(Quota("P/x", members, need=2, penalty=100),))
    run, selected, _ = solve_model(short)
    assert selected == [False, True] and run.bound == 20 - 100
    built = build_model(short, np.ones(2, dtype=bool), (np.zeros(2, dtype=bool), None))
    assert len(built.shortfall) == 1


def test_a_cap_bounds_the_chosen_pairs_cost():
    p = problem([(0, 0, 100), (1, 1, 90), (2, 2, 80)], [1, 1, 1], [1, 1, 1], share=0)
    capped = with_fields(p, caps=(Cap("budget", np.array([500, 400, 300]), limit=700),))
    run, selected, _ = solve_model(capped)
    assert selected == [False, True, True] and run.bound == 170  # 700 spent; 100 alone is less


def test_a_chosen_pair_needs_one_of_its_slots_open():
    p = slotted(pairs=[(0, 0, 100), (1, 0, 5)], fits=[[], [0]], slot_host=[0], capacity=[2],
                sme=[1, 1])  # fmt: skip
    _, selected, open_slots = solve_model(p)
    assert selected == [False, True] and open_slots == [True]
    # one slot variable, one link per pair (the slotless pair's link forbids it)
    assert added(cpsat_model.add_group_slots, p) == 2


def test_a_host_opens_at_most_its_groups():
    _, selected, open_slots = solve_model(slotted(**WEEKS))
    assert selected == [False, True, True] and open_slots == [False, True]
    _, selected, open_slots = solve_model(slotted(**WEEKS, max_groups_per_host=2))
    assert selected == [True, True, True] and open_slots == [True, True]


def test_the_group_bonus_pays_each_member_beyond_one_per_group():
    # two visitors at host 0 in one slot: 10 + 10 + bonus 30 for the second; host 1 pays 25
    p = slotted(pairs=[(0, 0, 10), (1, 0, 10), (0, 1, 25)], fits=[[0], [0], [1]],
                slot_host=[0, 1], capacity=[2, 1], sme=[1, 1])  # fmt: skip
    assert solve_model(p)[1] == [False, True, True]  # 35 without a bonus
    run, selected, _ = solve_model(with_fields(p, group_bonus=np.array([30, 0])))
    assert selected == [True, True, False] and run.bound == 50


def test_every_variable_is_hinted_with_the_start_and_the_start_stays_expressible():
    quota = Quota("P/x", np.array([True, False, False]), need=2, penalty=1)
    p = with_fields(slotted(**WEEKS), quotas=(quota,))
    start = (np.array([False, True, False]), np.array([False, True]))
    built = build_model(p, np.array([True, False, False]), start)  # pair 1 only in the start
    assert built.pairs.tolist() == [0, 1]
    hint = built.model.Proto().solution_hint
    shortfall, slots = built.shortfall[0].index, [var.index for var in built.opened.values()]
    pairs = [var.index for var in built.x]
    assert list(hint.vars) == [shortfall, *slots, *pairs]  # shortfalls, slots, then pairs
    assert list(hint.values) == [2, 0, 1, 0, 1]


@pytest.mark.parametrize("deterministic", [True, False])
def test_the_budget_is_work_when_deterministic(deterministic):
    p = problem([(0, 0, 5)], [1], [1], share=0)
    options = SolverOptions(time_limit_s=5, workers=1, deterministic=deterministic)
    stats: dict = {}
    run = run_cpsat(p, np.ones(1, dtype=bool), (np.zeros(1, dtype=bool), None), options,
                    time.perf_counter(), stats)  # fmt: skip
    assert run.status is SolveStatus.OPTIMAL and run.solution[0].tolist() == [True]
    assert stats["cp_sat_status"] == "optimal" and stats["cp_sat_branches"] >= 0
