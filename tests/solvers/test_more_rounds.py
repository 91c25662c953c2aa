"""The group LP's rounds going on where its work budget stopped them (``GroupRounds``,
``solvers.more_rounds``): they reach the bound of rounds never stopped, their bound stays
above the optimum, the pool the group IP chooses among is untouched by them, and the
solver's answer never depends on them."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solvers.group_lp as group_lp
import solvers.slotted as slotted_module
from solvers.cpsat_model import run_cpsat
from solvers.greedy import greedy_solution
from solvers.group_lp import group_bound
from solvers.options import SolverOptions
from solvers.slotted import solve_slotted
from tests.solvers.test_dated_search import EXACT, dated_problem


@pytest.mark.parametrize("seed", range(3))
def test_rounds_stopped_by_their_budget_go_on_to_the_bound_of_rounds_never_stopped(seed):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    status, _, optimum = run_cpsat(
        p, np.ones(p.n_pairs, dtype=bool), greedy_solution(p), EXACT, time.perf_counter(), {}
    )
    assert status.value == "optimal" and optimum is not None
    full = group_bound(p, None, [greedy_solution(p)], max_rounds=100)
    assert full is not None and full.resumable is None  # converged: nothing to go on with
    short = group_bound(p, None, [greedy_solution(p)], max_rounds=100, work_s=full.work_s / 4)
    assert short is not None and short.resumable is not None and short.rounds < full.rounds
    assert short.pool is not None
    pool_before = [(h, s, m.tobytes()) for h, s, m in zip(*_groups(short.pool), strict=True)]
    rounds = short.resumable
    bound = rounds.run(None, None)
    assert rounds.done and rounds.rounds > short.rounds
    assert optimum - 1e-6 <= bound <= short.bound
    tolerance = 2 * group_lp.GROUP_TOLERANCE * abs(full.bound) + 1.0
    assert bound == pytest.approx(full.bound, abs=tolerance)
    # the pool the group IP chooses among is the stopped rounds' own, whatever the others do
    pool_after = [(h, s, m.tobytes()) for h, s, m in zip(*_groups(short.pool), strict=True)]
    assert pool_after == pool_before


def _groups(pool):
    return pool.host, pool.slot, pool.members


@pytest.mark.parametrize("seed", [7, 8])
def test_the_answer_never_depends_on_the_further_rounds_and_their_bound_is_tighter(
    seed, monkeypatch
):
    p = dated_problem(seed, n_visitors=200, n_hosts=50)
    # a group LP stopped after a few masters, and no integer program over its groups (which
    # proves these small problems optimal at once)
    monkeypatch.setattr(slotted_module, "GROUP_LP_SHARE", 0.01)
    monkeypatch.setattr(slotted_module, "choose_groups", lambda *args, **kwargs: None)
    options = SolverOptions(time_limit_s=3, workers=1, seed=0)
    monkeypatch.setattr(slotted_module, "MORE_ROUNDS_SHARE", 0.0)
    alone = solve_slotted(p, options)
    monkeypatch.setattr(slotted_module, "MORE_ROUNDS_SHARE", 100.0)
    beside = solve_slotted(p, options)
    assert "group_lp_more_rounds" not in alone.stats
    assert beside.stats["group_lp_more_rounds"] > beside.stats["group_lp_rounds"]
    assert beside.selected.tolist() == alone.selected.tolist()
    assert beside.open_slots is not None and alone.open_slots is not None
    assert beside.open_slots.tolist() == alone.open_slots.tolist()
    assert alone.best_bound is not None and beside.best_bound is not None
    assert beside.stats["group_lp_more_bound"] <= beside.stats["group_lp_bound"]
    assert beside.objective <= beside.best_bound <= alone.best_bound
    assert "cut_by_wall_clock" not in beside.stats
