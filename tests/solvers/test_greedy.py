"""The greedy assignment: every hard rule kept, the slot it opens, the SME repair."""

from __future__ import annotations

import numpy as np

from solvers.greedy import solve_greedy
from solvers.plain import solve_plain
from solvers.problem import Quota
from tests.solvers.builders import chosen, problem, slotted


def test_greedy_respects_every_rule_and_cp_sat_is_never_worse(options):
    rng = np.random.default_rng(3)
    pairs = [
        (v, h, int(rng.integers(0, 10_000)))
        for v in range(30)
        for h in range(8)
        if rng.random() < 0.5
    ]
    sme = rng.random(30) < 0.3
    p = problem(pairs, capacity=rng.integers(1, 4, 8).tolist(), sme=sme)
    greedy = solve_greedy(p)
    assert p.sme_share_ok(greedy.selected)
    assert np.bincount(p.pair_visitor[greedy.selected], minlength=30).max() <= 1
    assert (np.bincount(p.pair_host[greedy.selected], minlength=8) <= p.host_capacity).all()
    best = solve_plain(p, options)
    assert best.objective >= greedy.objective


def test_greedy_opens_the_slot_that_can_hold_the_group():
    # visitor 0 fits both weeks, visitor 1 only week 1: opening week 1 serves both
    p = slotted(
        pairs=[(0, 0, 100), (1, 0, 60)],
        fits=[[0, 1], [1]],
        slot_host=[0, 0],
        capacity=[2],
        sme=[1, 1],
    )
    result = solve_greedy(p)
    assert result.selected.tolist() == [True, True]
    assert result.open_slots.tolist() == [False, True]


def test_sme_repair_spares_the_visitors_a_quota_needs():
    # non-SMEs 0 (the quota's only member) and 1; the share needs one of them gone: the
    # repair must drop 1, although 0 scores less
    quota = Quota("P1/cluster", np.array([True, False, False]), need=1, penalty=10_000)
    p = problem(
        [(0, 0, 50), (1, 1, 60), (2, 2, 40)],
        capacity=[1, 1, 1],
        sme=[0, 0, 1],
        quotas=[quota],
    )
    greedy = solve_greedy(p)
    assert chosen(p, greedy) == [(0, 0), (2, 2)] and greedy.shortfalls == (0,)


def test_the_greedy_result_names_its_solver_and_has_no_bound():
    p = problem([(0, 0, 7)], capacity=[1], sme=[1])
    result = solve_greedy(p, seed=4)
    assert (result.solver, result.seed, result.workers) == ("greedy", 4, 1)
    assert result.objective == 7 and result.best_bound is None and result.stats == {}
