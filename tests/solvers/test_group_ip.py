"""The integer program over the group LP's groups (``solvers.group_ip``) on random small
problems with every rule on: what it chooses keeps every rule, is never worse than the
incumbent it starts from nor better than the optimum CP-SAT proves, is the same on every
run, and a deadline in the past ends it with what it has and says so."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solvers.group_ip as group_ip
from solvers.cpsat_model import run_cpsat
from solvers.greedy import greedy_solution
from solvers.group_ip import choose_groups
from solvers.group_lp import group_bound
from solvers.highs_mip import highs_module
from tests.solvers.test_dated_search import EXACT, dated_problem, feasible

pytestmark = pytest.mark.skipif(
    highs_module() is None, reason="SciPy without its HiGHS bindings (needs 1.15+)"
)


@pytest.mark.parametrize("seed", range(4))
def test_the_groups_chosen_keep_every_rule_between_the_start_and_the_optimum(seed):
    p = dated_problem(seed)
    start = greedy_solution(p)
    group = group_bound(p, None, [start])
    assert group is not None and group.pool is not None
    choice = choose_groups(p, group, start, work_s=30.0, seed=0)
    assert choice is not None and choice.solution is not None and not choice.cut
    assert feasible(p, choice.solution)
    status, _, optimum = run_cpsat(
        p, np.ones(p.n_pairs, dtype=bool), start, EXACT, time.perf_counter(), {}
    )
    assert status.value == "optimal" and optimum is not None
    assert p.objective(*start) <= p.objective(*choice.solution) <= optimum


def test_the_same_pool_gives_the_same_groups():
    p = dated_problem(5, n_visitors=60, n_hosts=15)
    start = greedy_solution(p)
    chosen = []
    for _ in range(2):
        group = group_bound(p, None, [start])
        assert group is not None
        choice = choose_groups(p, group, start, work_s=0.5, seed=0)
        assert choice is not None and choice.solution is not None
        chosen.append((choice.calls, choice.solution[0].tobytes(), choice.solution[1].tobytes()))
    assert chosen[0] == chosen[1]


def test_a_deadline_in_the_past_ends_it_with_the_start_and_says_so():
    p = dated_problem(6, n_visitors=60, n_hosts=15)
    start = greedy_solution(p)
    group = group_bound(p, None, [start])
    assert group is not None
    choice = choose_groups(p, group, start, work_s=30.0, seed=0, deadline=time.perf_counter())
    assert choice is not None and choice.cut
    assert choice.solution is not None and feasible(p, choice.solution)
    assert p.objective(*choice.solution) >= p.objective(*start)


def test_a_budget_too_small_for_its_first_sub_mip_skips_it(monkeypatch):
    p = dated_problem(2)
    start = greedy_solution(p)
    group = group_bound(p, None, [start])
    assert group is not None
    monkeypatch.setattr(group_ip, "SECONDS_PER_CALL_NONZERO", 1.0)
    assert choose_groups(p, group, start, work_s=1.0, seed=0) is None


@pytest.mark.parametrize("seed", range(3))
def test_windows_of_hosts_keep_every_rule_and_improve_on_the_start(monkeypatch, seed):
    """A pool too large to take whole is taken in windows of hosts, the others fixed at the
    incumbent's groups: every rule still holds, and it is the same on every run."""
    p = dated_problem(seed)
    start = greedy_solution(p)
    group = group_bound(p, None, [start])
    assert group is not None and group.pool is not None
    monkeypatch.setattr(group_ip, "MAX_NONZEROS", 0)
    monkeypatch.setattr(group_ip, "WINDOW_NONZEROS", 150)
    runs = [choose_groups(p, group, start, work_s=30.0, seed=0) for _ in range(2)]
    choice = runs[0]
    assert choice is not None and choice.windows > 2 and not choice.cut
    assert choice.solution is not None and feasible(p, choice.solution)
    status, _, optimum = run_cpsat(
        p, np.ones(p.n_pairs, dtype=bool), start, EXACT, time.perf_counter(), {}
    )
    assert status.value == "optimal" and optimum is not None
    assert p.objective(*start) < p.objective(*choice.solution) <= optimum
    other = runs[1]
    assert other is not None and other.solution is not None
    assert (choice.calls, choice.windows) == (other.calls, other.windows)
    assert choice.solution[0].tobytes() == other.solution[0].tobytes()
    assert choice.solution[1].tobytes() == other.solution[1].tobytes()


def test_a_window_fixes_the_other_hosts_at_the_incumbent():
    p = dated_problem(1)
    start = greedy_solution(p)
    group = group_bound(p, None, [start])
    assert group is not None and group.pool is not None
    group.pool.add_solution(start)
    matrix, value = group.pool.master()
    hosts = np.zeros(p.n_hosts, dtype=bool)
    hosts[: p.n_hosts // 2] = True
    columns = group_ip._Blocking(p, group.pool, start).usable(hosts)
    window = group_ip._Window(p, group.pool, matrix, value, start, hosts, columns)
    outside = ~hosts[p.pair_host]
    taken = set(p.pair_visitor[start[0] & outside].tolist())
    for g in window.columns:  # only the window's groups, none with a fixed host's visitor
        assert hosts[group.pool.host[g]]
        assert not taken & set(p.pair_visitor[group.pool.members[g]].tolist())
    found, _, cut = window.solve(highs_module(), 30.0, None, 0, None)
    assert found is not None and not cut and feasible(p, found)
    assert np.array_equal(found[0] & outside, start[0] & outside)
    assert p.objective(*found) >= p.objective(*start)


@pytest.mark.parametrize("seed", range(3))
def test_alternatives_are_groups_of_a_host_in_a_slot_they_fit_at_most_so_many_per_host(seed):
    p = dated_problem(seed)
    group = group_bound(p, None, [greedy_solution(p)])
    assert group is not None and group.pool is not None
    pool = group.pool
    before = len(pool.host)
    prices = 2 * group.duals  # prices the rounds did not see: groups they did not price
    added = pool.add_alternatives(prices, 2)
    assert added == len(pool.host) - before > 0
    new_slots = [s for s in pool.slot[before:] if s >= 0]
    assert len(new_slots) == len(set(new_slots))  # one group per slot
    assert np.bincount(p.slot_host[new_slots], minlength=p.n_hosts).max() <= 2
    for host, slot, members in zip(
        pool.host[before:], pool.slot[before:], pool.members[before:], strict=True
    ):
        assert (p.pair_host[members] == host).all()
        assert len(set(p.pair_visitor[members].tolist())) == len(members)
        if slot >= 0:
            assert p.slot_host[slot] == host and len(members) <= p.rooms[slot]
            assert all(slot in p.slots_of(int(pair)) for pair in members)
    assert pool.add_alternatives(prices, 2) == 0  # the same prices: nothing new


def test_alternatives_a_whole_pool_cannot_take_or_afford_are_left_out(monkeypatch):
    p = dated_problem(3)
    start = greedy_solution(p)
    sizes = []
    for case in ("fits", "too many nonzeros", "too small a budget"):
        group = group_bound(p, None, [start])
        assert group is not None and group.pool is not None
        group.pool.add_solution(start)
        nonzeros = group.pool.master()[0].nnz
        groups = len(group.pool.host)
        limit = nonzeros if case == "too many nonzeros" else 10 * nonzeros
        monkeypatch.setattr(group_ip, "MAX_NONZEROS", limit)
        # the plain pool's least call backs, not the larger pool's
        least = group_ip.MIN_CALLS * group_ip.SECONDS_PER_CALL_NONZERO * nonzeros
        work = 1.01 * least if case == "too small a budget" else 30.0
        choice = choose_groups(p, group, start, work_s=work, seed=0)
        assert choice is not None and choice.solution is not None
        assert feasible(p, choice.solution)
        sizes.append(len(group.pool.host) - groups)
    assert sizes[0] > 0 and sizes[1] == sizes[2] == 0
