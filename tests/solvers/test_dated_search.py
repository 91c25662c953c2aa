"""The dated search's parts on random small problems with every rule on (slots with rooms
and accepted groups to join, the group bonus, SME share, quotas with pair weights, the
expected SME share, a cap, limited sets): the neighbourhoods keep every rule exact, every
Lagrangian value and the group LP's bound stay above the optimum CP-SAT proves, the search
never loses what it had, and a deadline cuts it gracefully."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import replace
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

import solvers.group_lp as group_lp
import solvers.group_pool as group_pool
import solvers.slotted as slotted_module
from solvers.cpsat_model import run_cpsat
from solvers.greedy import greedy_solution
from solvers.group_lp import group_bound
from solvers.lagrangian import HostGroups, lagrangian_value
from solvers.lns import _held, _room, improve
from solvers.lp_model import LpRows
from solvers.neighbourhood import Neighbourhood, merge, sub_problem
from solvers.options import SolverOptions
from solvers.problem import AssignmentProblem, Cap, Quota
from solvers.refit import refit
from solvers.slotted import solve_slotted
from tests.solvers.builders import slotted

EXACT = SolverOptions(time_limit_s=20, workers=1, use_relaxation=False)


def dated_problem(seed: int, n_visitors: int = 30, n_hosts: int = 8) -> AssignmentProblem:
    rng = np.random.default_rng(seed)
    pairs = [
        (v, h, int(rng.integers(100, 1000)))
        for v in range(n_visitors)
        for h in range(n_hosts)
        if rng.random() < 0.35
    ]
    slots_per_host = 3
    fits = [
        [h * slots_per_host + s for s in range(slots_per_host) if rng.random() < 0.6]
        for _, h, _ in pairs
    ]
    slot_host = np.repeat(np.arange(n_hosts), slots_per_host).tolist()
    capacity = rng.integers(1, 4, n_hosts).tolist()
    sme = (rng.random(n_visitors) < 0.5).tolist()
    p = slotted(pairs, fits, slot_host, capacity, sme, max_groups_per_host=1)
    n = p.n_pairs
    # the last slot of every other host is an accepted group with room for one more
    new = np.ones(p.n_slots, dtype=bool)
    new[slots_per_host - 1 :: 2 * slots_per_host] = False
    room = np.where(new, np.array(capacity)[p.slot_host], 1)
    weights = rng.integers(20, 100, n).astype(np.int64)
    quota = Quota("P/sme", rng.random(n_visitors) < 0.3, need=150, penalty=800, pair_weight=weights, unit=100)  # fmt: skip
    cap = Cap("budget", rng.integers(0, 3, n).astype(np.int64), limit=12)
    limit_set = np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1)
    return replace(
        p,
        min_sme_share=Fraction(1, 2),
        quotas=(quota,),
        caps=(cap,),
        slot_room=room.astype(np.int64),
        slot_new=new,
        group_bonus=rng.integers(0, 40, n_hosts).astype(np.int64),
        limit_set=limit_set.astype(np.int64),
        set_limit=np.array([1, 1, 2], dtype=np.int64),
        expected_weight=rng.integers(30, 100, n).astype(np.int64),
        expected_fixed=60,
        fixed_smes=1,
        fixed_total=2,
    )


def feasible(p: AssignmentProblem, solution) -> bool:
    selected, open_slots = solution
    return (
        p.slots_ok(selected, open_slots)
        and p.sme_share_ok(selected)
        and p.sets_ok(selected)
        and all(int(cap.cost[selected].sum()) <= cap.limit for cap in p.caps)
        and np.bincount(p.pair_visitor[selected], minlength=p.n_visitors).max(initial=0) <= 1
    )


def solved_exactly(part: Neighbourhood):
    """The neighbourhood's optimum, as CP-SAT proves it."""
    status, found, _ = run_cpsat(
        part.problem, np.ones(part.problem.n_pairs, dtype=bool), part.start, EXACT,
        time.perf_counter(), {},
    )  # fmt: skip
    assert status.value == "optimal"
    return found


@pytest.mark.parametrize("seed", range(4))
def test_a_neighbourhood_keeps_every_rule_and_the_objective_up_to_a_constant(seed):
    p = dated_problem(seed)
    start = greedy_solution(p)
    assert feasible(p, start)
    hosts = np.zeros(p.n_hosts, dtype=bool)
    hosts[[0, 3, 5]] = True
    part = sub_problem(p, start, hosts)
    constant = p.objective(*start) - part.problem.objective(*part.start)
    found = solved_exactly(part)
    merged = merge(p, start, part, found)
    assert feasible(p, merged)
    assert p.objective(*merged) == part.problem.objective(*found) + constant
    assert p.objective(*merged) >= p.objective(*start)
    assert part.problem.expected_sme_margin(found[0]) == p.expected_sme_margin(merged[0])


@pytest.mark.parametrize("seed", range(4))
def test_every_lagrangian_value_and_the_group_bound_stay_above_the_optimum(seed):
    p = dated_problem(seed)
    status, _, optimum = run_cpsat(
        p, np.ones(p.n_pairs, dtype=bool), greedy_solution(p), EXACT, time.perf_counter(), {}
    )
    assert status.value == "optimal" and optimum is not None
    rows = LpRows(p)
    groups = HostGroups(p, rows)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        prices = rng.exponential(300, rows.n_rows) * (rng.random(rows.n_rows) < 0.5)
        assert lagrangian_value(rows, groups, prices) >= optimum - 1e-6
    found = group_bound(p, None, [greedy_solution(p)])
    assert found is not None and found.bound >= optimum - 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_the_boxed_group_lp_converges_to_the_bound_of_the_unboxed_one(seed, monkeypatch):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    boxed = group_bound(p, None, [greedy_solution(p)], max_rounds=100)
    monkeypatch.setattr(group_lp, "BOX_WIDTH", float("inf"))
    unboxed = group_bound(p, None, [greedy_solution(p)], max_rounds=100)
    assert boxed is not None and unboxed is not None
    assert boxed.rounds < 100 and unboxed.rounds < 100  # both converged
    # each ends within the tolerance of its master, the LP's optimum between them
    tolerance = 2 * group_lp.GROUP_TOLERANCE * abs(unboxed.bound) + 1.0
    assert boxed.bound == pytest.approx(unboxed.bound, abs=tolerance)


@pytest.mark.parametrize("seed", range(3))
def test_the_purged_group_lp_converges_to_the_bound_and_keeps_every_group_in_its_pool(
    seed, monkeypatch
):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    monkeypatch.setattr(group_lp, "PURGE", float("inf"))
    kept = group_bound(p, None, [greedy_solution(p)], max_rounds=100)
    added: set[tuple[int, int, bytes]] = set()
    purged = [0]
    add, keep = group_pool.GroupPool.add, group_pool.GroupPool.keep

    def recording_add(self, host, slot, members):
        new = add(self, host, slot, members)
        if new:
            added.add((host, slot, np.sort(members).tobytes()))
        return new

    def counting_keep(self, mask):
        purged[0] += int((~mask).sum())
        keep(self, mask)

    monkeypatch.setattr(group_pool.GroupPool, "add", recording_add)
    monkeypatch.setattr(group_pool.GroupPool, "keep", counting_keep)
    monkeypatch.setattr(group_lp, "PURGE", 0.0)  # every group out of the master's solution
    purging = group_bound(p, None, [greedy_solution(p)], max_rounds=100)
    assert kept is not None and purging is not None and purging.pool is not None
    assert purging.rounds < 100 and purged[0] > 0
    tolerance = 2 * group_lp.GROUP_TOLERANCE * abs(kept.bound) + 1.0
    assert purging.bound == pytest.approx(kept.bound, abs=tolerance)
    pool = purging.pool
    keys = [(h, s, m.tobytes()) for h, s, m in zip(pool.host, pool.slot, pool.members, strict=True)]
    assert len(keys) == len(set(keys))  # each group once, purged or not
    assert set(keys) == added and not pool.retired  # every group generated is back


def test_a_purged_group_priced_again_joins_the_master_once():
    p = dated_problem(2, n_visitors=60, n_hosts=15)
    rows = LpRows(p)
    columns = group_pool.GroupPool(p, rows, HostGroups(p, rows))
    columns.add_solution(greedy_solution(p))
    n = len(columns.host)
    assert n >= 3
    first = (columns.host[0], columns.slot[0], columns.members[0].copy())
    columns.keep(np.arange(n) >= 2)  # the first two purged
    assert len(columns.host) == n - 2 and len(columns.retired) == 2
    assert columns.add(*first)  # priced again: back in the master, no longer retired
    assert len(columns.retired) == 1 and len(columns.host) == n - 1
    columns.restore()
    assert len(columns.host) == n and not columns.retired
    assert not columns.add(*first)  # seen: not twice


@pytest.mark.filterwarnings("ignore::scipy.optimize.OptimizeWarning")  # HiGHS' own option
def test_a_boxed_master_keeps_its_prices_within_the_box():
    p = dated_problem(1, n_visitors=60, n_hosts=15)
    rows = LpRows(p)
    columns = group_pool.GroupPool(p, rows, HostGroups(p, rows))
    columns.add_solution(greedy_solution(p))
    relaxed, rhs = group_lp.master_rows(rows)
    matrix, value = columns.master()
    free = group_lp._master(matrix, value, rows, rhs, {}, relaxed, None)
    prices = -free.ineqlin.marginals
    centre = np.where(relaxed, 0.5 * prices.mean(), 0.0)
    assert np.abs(prices - centre)[relaxed].max() > 50  # the box below binds
    box = (np.maximum(0.0, centre - 50), centre + 50)
    boxed = group_lp._master(matrix, value, rows, rhs, {}, relaxed, box)
    prices = -boxed.ineqlin.marginals
    assert boxed.status == 0
    assert np.all(prices[relaxed] >= box[0][relaxed] - 1e-6)
    assert np.all(prices[relaxed] <= box[1][relaxed] + 1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_neighbourhoods_solved_side_by_side_keep_every_rule_once_both_are_merged(seed):
    # as the search does with two workers: the first may use half the shared rows' room,
    # the second (away from the first's hosts and visitors) the rest and none of the limited
    # sets the first may add to; each solved to its optimum from the same incumbent (empty:
    # both want all of the room)
    p = dated_problem(seed, n_visitors=40, n_hosts=10)
    start = (np.zeros(p.n_pairs, dtype=bool), np.zeros(p.n_slots, dtype=bool))
    room = _room(p, start[0])
    first_hosts = np.isin(np.arange(p.n_hosts), [0, 2, 4, 6, 8])
    first = sub_problem(p, start, first_hosts, None, _held(p, room - room // 2, deque()))
    others = np.zeros(p.n_visitors, dtype=bool)
    others[p.pair_visitor[first.pairs]] = True
    running = deque([SimpleNamespace(part=first)])
    second = sub_problem(p, start, ~first_hosts, others, _held(p, room // 2, running))
    assert not set(p.pair_visitor[first.pairs]) & set(p.pair_visitor[second.pairs])
    merged = start
    for part in (first, second):
        merged = merge(p, merged, part, solved_exactly(part))
    assert feasible(p, merged)


@pytest.mark.parametrize("seed", range(3))
def test_the_search_with_two_workers_keeps_every_rule_and_gives_the_same_answer_twice(seed):
    p = dated_problem(seed, n_visitors=80, n_hosts=20)
    start = greedy_solution(p)
    seeds = list(range(p.n_hosts))
    answers, stats = [], {}
    for _ in range(2):
        stats = {}
        found = improve(p, start, seeds, work=3, workers=2, seed=0, deadline=None, stats=stats)
        assert feasible(p, found) and p.objective(*found) >= p.objective(*start)
        answers.append(found)
    assert stats["lns_parallel"] == 2 and stats["lns_neighbourhoods"] > 2
    assert np.array_equal(answers[0][0], answers[1][0])
    assert np.array_equal(answers[0][1], answers[1][1])


def test_the_wall_clock_cuts_two_workers_between_neighbourhoods_and_says_so():
    p = dated_problem(4, n_visitors=80, n_hosts=20)
    start = greedy_solution(p)
    stats: dict = {}
    found = improve(
        p, start, list(range(p.n_hosts)), work=1_000, workers=2, seed=0,
        deadline=time.perf_counter() + 0.05, stats=stats,
    )  # fmt: skip
    assert stats["lns_cut_by_wall_clock"] == "yes" and stats["lns_deterministic_time"] < 1_000
    assert feasible(p, found) and p.objective(*found) >= p.objective(*start)


@pytest.mark.parametrize("seed", range(3))
def test_the_search_never_loses_what_it_had(seed):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    start = greedy_solution(p)
    stats: dict = {}
    seeds = list(range(p.n_hosts))
    found = improve(p, start, seeds, work=5, workers=1, seed=0, deadline=None, stats=stats)
    assert feasible(p, found) and p.objective(*found) >= p.objective(*start)
    # each neighbourhood ends on its deterministic time (0.2 s, 0.4 s in the second pass),
    # closed or not: one not closed keeps the incumbent's part unless it found better
    assert (
        stats["lns_neighbourhoods"] > 0 and 0 < stats["lns_closed"] <= stats["lns_neighbourhoods"]
    )


def test_a_deadline_in_the_past_cuts_the_search_and_says_so():
    p = dated_problem(7, n_visitors=200, n_hosts=50)
    assert p.n_pairs > 1_500  # past the size solved whole
    cut = solve_slotted(p, SolverOptions(time_limit_s=5, workers=1, deadline=time.perf_counter()))
    assert "cut_by_wall_clock" in cut.stats
    assert cut.status.has_solution and feasible(p, (cut.selected, cut.open_slots))
    assert cut.objective >= cut.stats["greedy_objective"]
    assert cut.best_bound is None or cut.best_bound >= cut.objective


@pytest.mark.parametrize("seed", range(3))
def test_a_refit_from_the_incumbent_is_never_worse_than_it(seed):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    found = improve(
        p, greedy_solution(p), list(range(p.n_hosts)), work=2, workers=1, seed=0,
        deadline=None, stats={},
    )  # fmt: skip
    again = refit(p, found[1], SolverOptions(time_limit_s=0.01, workers=1), 0.01, found[0])
    assert again is not None and feasible(p, again)
    assert p.objective(*again) >= p.objective(*found)


def test_the_group_lp_leaves_the_search_its_least_work_on_the_clock(monkeypatch):
    p = dated_problem(7, n_visitors=200, n_hosts=50)
    seen = {}
    real = slotted_module.group_bound

    def recording(*args, **kwargs):
        seen["deadline"] = kwargs["deadline"]
        return real(*args, **kwargs)

    monkeypatch.setattr(slotted_module, "group_bound", recording)
    # without the integer program over the groups, which proves this one optimal at once
    monkeypatch.setattr(slotted_module, "choose_groups", lambda *args, **kwargs: None)
    deadline = time.perf_counter() + 60
    found = solve_slotted(p, SolverOptions(time_limit_s=5, workers=1, deadline=deadline))
    assert seen["deadline"] == pytest.approx(deadline - slotted_module.LNS_SHARE * 5)
    assert "cut_by_wall_clock" not in found.stats and found.stats["lns_neighbourhoods"] > 0


def with_sets_per_host(p: AssignmentProblem, seed: int) -> AssignmentProblem:
    """``p`` with its limited sets replaced by sets of one host's pairs, at most one of each
    (an organisation's visitors, never two in a group): two or three pairs of a host each."""
    rng = np.random.default_rng(seed)
    limit_set = np.full(p.n_pairs, -1, dtype=np.int64)
    sets = 0
    for host in range(p.n_hosts):
        mine = rng.permutation(np.flatnonzero(p.pair_host == host))
        for start in range(0, len(mine) - 1, 4):
            limit_set[mine[start : start + int(rng.integers(2, 4))]] = sets
            sets += 1
    return replace(p, limit_set=limit_set, set_limit=np.ones(sets, dtype=np.int64))


@pytest.mark.parametrize("seed", range(4))
def test_pricing_keeps_one_host_sets_in_each_group_and_its_bound_stays_valid(seed, monkeypatch):
    """Each slot's priced group (of a host without groups to join) takes one pair of a
    one-host set at most; every Lagrangian
    value stays above CP-SAT's optimum, and at or below the value of pricing that ignores the
    sets (the same prices)."""
    import solvers.lagrangian as lagrangian

    p = with_sets_per_host(dated_problem(seed), seed)
    status, _, optimum = run_cpsat(
        p, np.ones(p.n_pairs, dtype=bool), greedy_solution(p), EXACT, time.perf_counter(), {}
    )
    assert status.value == "optimal" and optimum is not None
    rows = LpRows(p)
    groups = HostGroups(p, rows)
    loose = lagrangian._one_per_group
    monkeypatch.setattr(lagrangian, "_one_per_group", lambda q: np.full(q.n_pairs, -1))
    ignoring = HostGroups(p, rows)
    monkeypatch.setattr(lagrangian, "_one_per_group", loose)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        prices = rng.exponential(300, rows.n_rows) * (rng.random(rows.n_rows) < 0.5)
        value = lagrangian_value(rows, groups, prices)
        assert optimum - 1e-6 <= value <= lagrangian_value(rows, ignoring, prices) + 1e-6
        for host, _slot, members in groups.groups(3, np.zeros(p.n_hosts)):
            if not groups.exact_host[host]:
                continue  # a host with accepted groups to join is priced apart (no sets)
            sets = p.limit_set[members]
            assert len(np.unique(sets[sets >= 0])) == (sets >= 0).sum()
    found = group_bound(p, None, [greedy_solution(p)])
    assert found is not None and found.bound >= optimum - 1e-6


def test_ctrl_c_is_left_to_the_run_by_every_cp_sat_solve(monkeypatch):
    """The failures audit: CP-SAT's own SIGINT handler (on by default) swallowed a Ctrl+C at
    11 s of a demo run, which then wrote its whole run folder and exited 0; at 10 and 12 s the
    signal killed the process without a word. Every CP-SAT solve leaves SIGINT to the run."""
    from ortools.sat.python import cp_model

    from solvers.cpsat_model import run_cpsat
    from solvers.options import SolverOptions

    caught: list[bool] = []
    solve = cp_model.CpSolver.solve

    def spied(self, *args, **kwargs):
        caught.append(bool(self.parameters.catch_sigint_signal))
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", spied)
    p = dated_problem(1, n_visitors=40, n_hosts=10)
    start = greedy_solution(p)
    improve(p, start, list(range(p.n_hosts)), work=1, workers=1, seed=0, deadline=None, stats={})
    searched = len(caught)
    options = SolverOptions(time_limit_s=2, workers=1)
    run_cpsat(p, np.ones(p.n_pairs, dtype=bool), start, options, time.perf_counter(), {})
    assert searched > 0 and len(caught) > searched  # both kinds of solve ran
    assert not any(caught)
