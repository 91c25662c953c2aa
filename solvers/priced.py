"""Where an incumbent falls short of the group LP's prices: the search's priced neighbourhoods.

At the prices of the group LP's bound (``GroupBound.duals``: visitors, SME share, quotas,
limited sets), every host has a best group (``solvers.lagrangian.HostGroups``), and the bound
is the sum of those groups plus the prices of the rows' room. The incumbent's group at a host
is worth less at those prices, or as much: the host's *shortfall*. The bound less the
incumbent's objective is the hosts' shortfalls plus the price of the room the incumbent
leaves in the priced rows (a visitor left out at a price, room in a priced row), so the hosts
with the largest shortfalls are where the objective is lost.

Most of the shortfall comes from rows every host shares. At 5,000 tight visitors (seed 11,
after the search, at the converged LP's prices) the hosts' shortfalls were 1.07 M of the
1.18 M gap, 0.99 M of it at 100 hosts; the SME share's price was 33,000 objective units a
unit of margin (a pair's score is about 6,400), its margin 0, and the hosts furthest from
their best group wanted fewer SMEs than they had, others more. A neighbourhood grown around
one host cannot trade that margin (it has none to give); one that re-opens the hosts with the
largest shortfalls *together*, with the hosts holding the members their best groups want,
can: the first eight such neighbourhoods of 16 hosts gained 272,000 (0.16%) where four times
the search's work had gained 106,000.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from solvers.lagrangian import HostGroups
from solvers.lp_model import LpRows
from solvers.problem import AssignmentProblem
from solvers.result import Solution

# a host short of its best group by less than this (objective units) is where it should be
SHORTFALL_TOLERANCE = 1.0


class PricedHosts:
    """Each host's best group at the prices of a bound, and how far a solution's is from it."""

    def __init__(
        self,
        problem: AssignmentProblem,
        prices: np.ndarray,
        settled: bool = True,
        groups: HostGroups | None = None,
    ):
        """``settled``: the prices are near the LP's optimum; only then do the shortfalls
        seed the search's grown neighbourhoods and the pairs' ``worth`` rank their hosts
        (``solvers.seeds``, ``solvers.lns``). ``groups``: the problem's per-host
        structure when the group LP has built it (else built here)."""
        self.settled = settled
        groups = HostGroups(problem, LpRows(problem)) if groups is None else groups
        rows = groups.rows
        prices = prices.copy()
        prices[problem.n_visitors : rows.side_start] = 0.0  # one group per host stays a row
        self.problem = problem
        self.reduced = rows.value - rows.pairs_by_row @ prices
        # each pair's worth at the prices of the rows every host shares (SME share, quotas,
        # sets): its value, what it brings the quotas, less what it takes of the SME share;
        # its visitor's own price apart (the same at each of its hosts)
        self.worth = self.reduced + prices[problem.pair_visitor]
        self.best_value, self.best_pairs, _ = groups.best(self.reduced)
        self.bonus = groups.host_bonus
        self.pairs_of_host = np.bincount(problem.pair_host, minlength=problem.n_hosts)

    def shortfall(self, solution: Solution) -> np.ndarray:
        """(n_hosts,) the best group's reduced value less the solution's group's (>= 0 up to
        the bound's own slack where a host's best group is bounded slot-free)."""
        problem = self.problem
        selected, open_slots = solution
        hosts = problem.pair_host[selected]
        value = np.bincount(
            hosts, weights=self.reduced[selected] + self.bonus[hosts], minlength=problem.n_hosts
        )
        return self.best_value - (value - problem.groups_per_host(open_slots) * self.bonus)

    def ranking(self, solution: Solution) -> list[int]:
        """The hosts short of their best group, the largest shortfall first."""
        short = self.shortfall(solution)
        hosts = np.flatnonzero(short > SHORTFALL_TOLERANCE)
        return hosts[np.lexsort((hosts, -short[hosts]))].tolist()

    def holders(self, hosts: np.ndarray, selected: np.ndarray) -> np.ndarray:
        """(n_hosts,) bool: the hosts to which ``selected`` gives a member of the best group
        of one of ``hosts`` (bool per host)."""
        problem = self.problem
        holder = np.full(problem.n_visitors, -1)
        holder[problem.pair_visitor[selected]] = problem.pair_host[selected]
        wanted = problem.pair_visitor[self.best_pairs & hosts[problem.pair_host]]
        held = holder[wanted]
        found = np.zeros(problem.n_hosts, dtype=bool)
        found[held[held >= 0]] = True
        return found

    def together(
        self,
        queue: deque[int],
        limits: tuple[int, int, int],
        taken: np.ndarray,
        waiting: list[int],
        selected: np.ndarray,
    ) -> np.ndarray:
        """(n_hosts,) bool: a neighbourhood of the first hosts of ``queue`` (a ``ranking``):
        at most ``limits`` = (hosts, about so many pairs, waiting hosts) of them, a host of
        ``taken`` (another neighbourhood's) waiting in ``waiting``, with the hosts (none of
        ``taken``) to which ``selected`` gives the members their best groups want."""
        most_hosts, most_pairs, most_waiting = limits
        hosts = np.zeros(self.problem.n_hosts, dtype=bool)
        count, size = 0, 0
        while queue and count < most_hosts and len(waiting) < most_waiting:
            host = queue.popleft()
            if taken[host]:
                waiting.append(host)
                continue
            if count and size + self.pairs_of_host[host] > most_pairs:
                queue.appendleft(host)
                break
            hosts[host] = True
            count, size = count + 1, size + int(self.pairs_of_host[host])
        return hosts | (self.holders(hosts, selected) & ~taken)
