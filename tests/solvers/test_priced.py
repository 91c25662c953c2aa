"""Each host's best group at the group LP's prices and how far a solution's falls short of it
(``solvers.priced``), and the search's priced neighbourhoods (``solvers.lns``), on random small
problems with every rule on (``dated_problem``)."""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace

import numpy as np
import pytest

import solvers.group_ip as group_ip
from solvers.greedy import greedy_solution
from solvers.group_lp import group_bound
from solvers.lagrangian import HostGroups, lagrangian_value
from solvers.lns import _passes, _Search, improve
from solvers.lp_model import LpRows
from solvers.options import SolverOptions
from solvers.priced import PricedHosts
from solvers.seeds import seed_hosts, wanted_hosts
from solvers.slotted import SETTLED_GAP, _settled, solve_slotted
from tests.solvers.test_dated_search import EXACT, dated_problem, feasible


def _prices(p, seed):
    """Prices of a bound: the group LP's, or random ones (every price gives a bound)."""
    rows = LpRows(p)
    if seed % 2:
        rng = np.random.default_rng(seed)
        return rng.random(rows.n_rows) * 300 * (rng.random(rows.n_rows) < 0.6), rows
    group = group_bound(p, None, [greedy_solution(p)])
    return group.duals, rows


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_less_the_objective_is_the_hosts_shortfalls_and_the_priced_room(seed):
    """L(prices) - objective = sum of the hosts' shortfalls + the prices of the room the
    solution leaves in the priced rows (quota rows with their penalties), each >= 0."""
    p = dated_problem(seed)
    prices, rows = _prices(p, seed)
    prices = prices.copy()
    prices[p.n_visitors : rows.side_start] = 0.0
    priced = PricedHosts(p, prices)
    bound = lagrangian_value(rows, HostGroups(p, rows), prices)
    optimum = solve_slotted(p, EXACT)
    for solution in (greedy_solution(p), (optimum.selected, optimum.open_slots)):
        selected, open_slots = solution
        assert feasible(p, solution)
        short = priced.shortfall(solution)
        assert short.min() >= -1e-6  # no host's group is worth more than its best
        x = selected.astype(float)
        room = prices @ (rows.rhs - rows.pairs_by_row.T @ x)
        quota_rows = rows.side_start + 1 + np.arange(len(p.quotas))
        penalty = sum(
            quota.need * max(0.0, prices[row] - quota.penalty) + quota.penalty * missing
            for quota, row, missing in zip(p.quotas, quota_rows, p.shortfalls(selected), strict=True)
        )  # fmt: skip
        assert bound - p.objective(*solution) == pytest.approx(
            short.sum() + room + penalty, abs=1e-6 * max(1.0, abs(bound))
        )


@pytest.mark.parametrize("seed", range(4))
def test_the_ranking_is_the_hosts_short_of_their_best_group_largest_first(seed):
    p = dated_problem(seed)
    priced = PricedHosts(p, _prices(p, seed)[0])
    start = greedy_solution(p)
    short = priced.shortfall(start)
    ranking = priced.ranking(start)
    assert sorted(ranking) == np.flatnonzero(short > 1.0).tolist()
    assert all(short[a] >= short[b] for a, b in zip(ranking, ranking[1:], strict=False))


@pytest.mark.parametrize("seed", range(4))
def test_a_priced_neighbourhood_takes_the_first_hosts_and_the_holders_of_their_best_members(
    seed,
):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    priced = PricedHosts(p, _prices(p, seed)[0])
    selected = greedy_solution(p)[0]
    ranking = list(range(p.n_hosts))
    taken = np.zeros(p.n_hosts, dtype=bool)
    taken[[1, 4]] = True
    queue, waiting = deque(ranking), []
    hosts = priced.together(queue, (3, 10_000, 8), taken, waiting, selected)
    first = [h for h in ranking if not taken[h]][:3]
    assert waiting == [1] and list(queue) == [h for h in ranking if h not in first and h != 1]
    chosen = np.zeros(p.n_hosts, dtype=bool)
    chosen[first] = True
    holder = np.full(p.n_visitors, -1)
    holder[p.pair_visitor[selected]] = p.pair_host[selected]
    wanted = p.pair_visitor[priced.best_pairs & chosen[p.pair_host]]
    expected = chosen.copy()
    expected[[h for h in holder[wanted] if h >= 0 and not taken[h]]] = True
    assert np.array_equal(hosts, expected) and not (hosts & taken).any()


def test_a_priced_neighbourhood_stops_at_its_pairs_with_at_least_one_host():
    p = dated_problem(1, n_visitors=60, n_hosts=15)
    priced = PricedHosts(p, _prices(p, 0)[0])
    selected = np.zeros(p.n_pairs, dtype=bool)  # nobody holds anyone: the hosts alone
    queue = deque(range(p.n_hosts))
    hosts = priced.together(queue, (10, 1, 8), np.zeros(p.n_hosts, bool), [], selected)
    assert np.flatnonzero(hosts).tolist() == [0] and queue[0] == 1


@pytest.mark.parametrize("seed", range(3))
def test_the_search_with_priced_passes_keeps_every_rule_and_gives_the_same_answer_twice(seed):
    p = dated_problem(seed, n_visitors=80, n_hosts=20)
    priced = PricedHosts(p, _prices(p, 2 * seed + 1)[0])  # random: hosts short of them
    start = greedy_solution(p)
    answers = []
    for _ in range(2):
        stats: dict = {}
        found = improve(
            p, start, list(range(p.n_hosts)), work=4, workers=2, seed=0, deadline=None,
            stats=stats, priced=priced,
        )  # fmt: skip
        assert feasible(p, found) and p.objective(*found) >= p.objective(*start)
        assert stats["lns_priced"] > 0
        answers.append(found)
    assert np.array_equal(answers[0][0], answers[1][0])
    assert np.array_equal(answers[0][1], answers[1][1])


def test_priced_passes_come_only_with_prices_after_each_grown_pass():
    assert not any(kind.priced for kind in _passes(False))
    kinds = _passes(True)
    assert [kind.priced for kind in kinds] == [False, True, False, True]
    assert kinds[0].until < 1.0 and all(kind.until == 1.0 for kind in kinds[1:])


def test_the_solver_with_windows_and_priced_passes_keeps_every_rule_the_same_way_twice(
    monkeypatch,
):
    """Past the size solved whole, the group IP in windows (its pool forced into them) in
    the order of the hosts' shortfalls, then the search with its priced passes."""
    monkeypatch.setattr(group_ip, "MAX_NONZEROS", 500)
    monkeypatch.setattr(group_ip, "WINDOW_NONZEROS", 1_500)
    p = dated_problem(5, n_visitors=200, n_hosts=50)
    assert p.n_pairs > 1_500
    answers = []
    for _ in range(2):
        found = solve_slotted(p, SolverOptions(time_limit_s=6, workers=2, seed=0))
        solution = (found.selected, found.open_slots)
        assert feasible(p, solution)
        assert p.objective(*solution) >= p.objective(*greedy_solution(p))
        assert found.stats["group_ip_windows"] > 1 and found.stats["lns_priced"] > 0
        answers.append(solution)
    assert np.array_equal(answers[0][0], answers[1][0])
    assert np.array_equal(answers[0][1], answers[1][1])


@pytest.mark.parametrize("seed", range(3))
def test_the_search_seeds_hosts_short_of_their_best_group_first_then_every_other_once(seed):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    priced = PricedHosts(p, _prices(p, 2 * seed + 1)[0])
    start = greedy_solution(p)
    seeds = seed_hosts(p, start, None, priced)
    ranking = priced.ranking(start)
    assert ranking and seeds[: len(ranking)] == ranking
    with_pairs = np.flatnonzero(np.bincount(p.pair_host, minlength=p.n_hosts) > 0)
    assert sorted(seeds) == with_pairs.tolist()
    assert seeds[len(ranking) :] == [h for h in seed_hosts(p, start, None) if h not in ranking]


def test_each_visitor_wants_its_hosts_by_the_pairs_worth_at_the_prices():
    p = dated_problem(2, n_visitors=60, n_hosts=15)
    priced = PricedHosts(p, _prices(p, 3)[0])
    wants = wanted_hosts(p, priced.worth)
    for visitor in range(p.n_visitors):
        pairs = np.flatnonzero(p.pair_visitor == visitor)
        worth = {int(p.pair_host[q]): priced.worth[q] for q in pairs}
        hosts = wants[visitor].tolist()
        assert sorted(hosts) == sorted(worth)
        assert all(worth[a] >= worth[b] for a, b in zip(hosts, hosts[1:], strict=False))


def test_prices_far_from_the_lps_optimum_leave_the_seeds_and_the_hosts_as_they_were():
    near = SimpleNamespace(bound=-1_000_000.0, master=-1_000_000.0 * (1 + SETTLED_GAP / 2))
    far = SimpleNamespace(bound=-1_000_000.0, master=-1_000_000.0 * (1 + 2 * SETTLED_GAP))
    assert _settled(near) and not _settled(far)
    p = dated_problem(1, n_visitors=60, n_hosts=15)
    prices = _prices(p, 3)[0]
    start = greedy_solution(p)
    unsettled = PricedHosts(p, prices, settled=False)
    assert seed_hosts(p, start, None, unsettled) == seed_hosts(p, start, None)
    search = _Search(p, start, 1.0, 1, 0, None, unsettled)
    assert search.wanted[1] is p.pair_value or np.array_equal(search.wanted[1], p.pair_value)
    settled = _Search(p, start, 1.0, 1, 0, None, PricedHosts(p, prices))
    assert np.array_equal(settled.wanted[1], PricedHosts(p, prices).worth)
