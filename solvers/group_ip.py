"""The restricted master as an integer program: the best choice among the groups generated.

The group LP (``solvers.group_lp``) ends with a pool of groups (a host, the slot it opens,
its members). Choosing whole groups from that pool, at most one per host, each visitor at
most once, under the same side rows (SME share, quotas with their shortfalls, caps, limited
sets, the expected SME share), is a set-packing integer program whose LP is the master's
("price and branch"). HiGHS' MIP solver takes it from the incumbent's groups: its root
heuristics (sub-MIPs around the LP and the incumbent) trade groups across hosts and quotas
at once, which neighbourhoods of a few hosts cannot. At 1,500 tight visitors (seed 11) it
found -76.23 M in 11 s from the refit's -77.92 M, where the search reached -76.25 M in 60 s
and HiGHS on the whole dated model -76.21 M in 200 s. A pool taken whole first gains each
host's best groups at the LP's best prices, one per slot (``ALTERNATIVES``): 800 generated
visitors (seed 11, 40 s of work) -22.88 M -> -22.86 M (HiGHS -22.86 M in 200 s), 1,500 tight
(82 s) seed 3 -85.16 M -> -85.08 M, seed 11 -76.16 M -> -76.18 M, 800 tight within 0.01%.

A pool too large for HiGHS' root LP (5,000 visitors and up) is taken in windows: the groups
of a few hundred hosts, those furthest from their best group at the group LP's prices first
(``solvers.priced``), the other hosts' groups fixed at the incumbent's (their members taken,
the side rows' right-hand sides less what they use); each improves the incumbent the next
starts from.

CP-SAT was tried on the same program and dropped: after 10 s of deterministic time it had
not left the hint (its bound -39 M, the master's LP -76.07 M).

Deterministic budget: HiGHS has no deterministic clock, but its MIP solver calls back at
fixed points of its (deterministic) search; the solve stops at the first call back after
``work_s`` as counted by ``SECONDS_PER_CALL_NONZERO`` x calls x nonzeros, so the same pool
gives the same groups however loaded the machine. The wall-clock ``deadline`` is the safety
net (then the answer may differ from run to run: ``cut``).

HiGHS comes through SciPy's own build (``solvers.highs_mip``); without it, no such phase.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.group_lp import GroupBound
from solvers.highs_mip import highs_module, solve_mip
from solvers.priced import PricedHosts
from solvers.problem import AssignmentProblem
from solvers.result import Solution

log = logging.getLogger(__name__)

# seconds of work per MIP call back and nonzero of the pool (unloaded: at 800 tight visitors,
# 40 call backs in 7.7 s on 48,000 nonzeros; at 1,500, 40 in 11.5 s on 92,000; the first
# call backs, of the root's cut loop, come faster, the sub-MIPs' slower)
SECONDS_PER_CALL_NONZERO = 3.5e-6
# the pools HiGHS' root LP solves in time, taken whole (at 5,000 tight visitors, 314,000
# nonzeros: no root LP after 27 s of dual simplex; with the interior point a root in 4 s, then
# no cut round in 19 s). A larger pool is taken in windows of hosts (below).
MAX_NONZEROS = 150_000
# the call backs a solve needs before its first sub-MIP has had its chance: fewer, and the
# phase is skipped (its first better groups came after 31 call backs at 800 tight visitors, 38
# at 1,500 seed 11, 50 at seed 3; a budget that ends the solve sooner wastes it)
MIN_CALLS = 30
# Windows: a few hundred hosts' groups, the other hosts' groups fixed at the incumbent's (their
# members taken, the side rows less what they use). A window's nonzeros stay below
# WINDOW_NONZEROS, its solve below WINDOW_CALLS call backs, and it counts at least
# WINDOW_MIN_CALLS (its root LP, before the first call back); passes go on while one improves.
# At 5,000 tight visitors (85 s of solver work, seeds 12 and 3) windows of 30,000 nonzeros
# took the LP refit's -198.66 M to -194.57 M in 6.9 s (-186.95 M to -182.95 M in 6.0 s), each
# window 0.3 to 2.1 s; windows of 60,000 did as well but one took 13 s for its 20 call backs
# (the root's cuts and sub-MIPs grow faster than the window), and windows of 700 hosts
# (200,000 nonzeros) had no root LP in 80 s.
WINDOW_NONZEROS = 30_000
# a window's work per call back and nonzero: its smaller pool's call backs come faster than the
# whole pool's (windows of 20,000 to 30,000 nonzeros at 5,000 tight visitors: 0.5e-6 to
# 3.4e-6 s, about 1.6e-6 on average, more with the windows' building)
WINDOW_SECONDS_PER_CALL_NONZERO = 2.5e-6
WINDOW_CALLS = 20  # most windows improve within it; more gives one window the work of three
WINDOW_MIN_CALLS = 10
MAX_PASSES = 3
# a pool taken whole gains each host's best groups at the LP's best prices, one per slot, up to
ALTERNATIVES = 10  # (3 and 20 did worse at 800 tight visitors, seed 11) when the budget gives
# the larger pool this many call backs (at 36, 800 tight visitors at 30 s, -56.74 M -> -56.81 M)
ALTERNATIVES_MIN_CALLS = 60


@dataclass(frozen=True)
class GroupChoice:
    solution: Solution | None  # the groups chosen, as pairs and open slots (every rule kept)
    work_s: float  # the work counted (call backs x nonzeros, as seconds)
    calls: int
    cut: bool  # the wall-clock deadline ended it
    windows: int = 1  # the integer programs solved (1: the whole pool)


def choose_groups(
    problem: AssignmentProblem,
    group: GroupBound,
    incumbent: Solution,
    *,
    work_s: float,
    seed: int,
    deadline: float | None = None,
    priced: PricedHosts | None = None,
) -> GroupChoice | None:
    """The best groups of the pool HiGHS finds from the incumbent's within ``work_s``: the
    whole pool at once when it is small enough, else windows of hosts in turn, where the
    group LP disagrees with the incumbent first (None: no pool, a budget too small, no
    HiGHS)."""
    pool = group.pool
    highs = highs_module()
    if pool is None or not pool.host or highs is None:
        return None
    pool.add_solution(incumbent)
    matrix, value = pool.master()
    # a host that may open several groups is priced slot-free: it keeps the incumbent's groups
    free = pool.groups.exact_host | pool.groups.join_host
    if matrix.nnz <= MAX_NONZEROS:
        if work_s < MIN_CALLS * SECONDS_PER_CALL_NONZERO * matrix.nnz:
            return None
        matrix, value = _with_alternatives(pool, group.duals, work_s, (matrix, value))
        columns = _Blocking(problem, pool, incumbent).usable(free)
        window = _Window(
            problem, pool, matrix, value, incumbent, free, columns, SECONDS_PER_CALL_NONZERO
        )
        found, calls, cut = window.solve(highs, work_s, None, seed, deadline)
        return GroupChoice(found, calls * window.per_call, calls, cut)
    best, used, calls_all, windows, cut, spent = incumbent, 0.0, 0, 0, False, False
    priced = PricedHosts(problem, group.duals) if priced is None else priced
    for _ in range(MAX_PASSES):
        improved = False
        order = _window_order(pool, priced, best, free)
        while len(order) and not cut:
            blocking = _Blocking(problem, pool, best)
            hosts = blocking.window(order, np.diff(matrix.indptr)[: len(pool.host)])
            order = order[len(hosts) :]
            in_window = np.zeros(problem.n_hosts, dtype=bool)
            in_window[hosts] = True
            columns = blocking.usable(in_window)
            window = _Window(problem, pool, matrix, value, best, in_window, columns)
            left = work_s - used
            if left < WINDOW_MIN_CALLS * window.per_call:
                spent = True
                break
            found, calls, cut = window.solve(highs, left, WINDOW_CALLS, seed, deadline)
            windows += 1
            calls_all += calls
            used += max(calls, WINDOW_MIN_CALLS) * window.per_call
            if found is not None and problem.objective(*found) > problem.objective(*best):
                best, improved = found, True
                if pool.add_solution(best):
                    matrix, value = pool.master()
        if not improved or cut or spent:
            break
    solution = best if best is not incumbent else None
    return GroupChoice(solution, used, calls_all, cut, windows)


def _with_alternatives(pool: Any, prices: np.ndarray, work_s: float, master: Any) -> Any:
    """The pool taken whole with ``ALTERNATIVES`` more groups per host (``GroupPool.
    add_alternatives`` at the group LP's best prices), when they keep it within
    MAX_NONZEROS and the budget gives it ALTERNATIVES_MIN_CALLS; else as it was (``master``:
    its matrix and values)."""
    before = len(pool.host)
    pool.add_alternatives(prices, ALTERNATIVES)
    matrix, value = pool.master()
    affordable = work_s / (ALTERNATIVES_MIN_CALLS * SECONDS_PER_CALL_NONZERO)  # nonzeros
    if matrix.nnz <= min(MAX_NONZEROS, affordable):
        return matrix, value
    pool.keep(np.arange(len(pool.host)) < before)
    return master


def _window_order(pool: Any, priced: PricedHosts, best: Solution, free: np.ndarray) -> np.ndarray:
    """Hosts with groups in the pool (and free to change them), furthest from their best group
    at the group LP's prices first, then by host. At 5,000 tight visitors (34.6 s of solver
    work) against the value of the pairs where the LP's weights differ from the incumbent:
    seeds 3 / 4 0.74 / 1.02% -> 0.66 / 0.99%, 11 / 12 0.74 / 0.64% -> 0.79 / 0.56%."""
    hosts = np.unique(np.asarray(pool.host, dtype=np.int64))
    hosts = hosts[free[hosts]]
    return hosts[np.lexsort((hosts, -priced.shortfall(best)[hosts]))]


class _Blocking:
    """Which groups of the pool a window may choose from: a group is usable when its host is
    in the window and so is every host the incumbent gives one of its members to."""

    def __init__(self, problem: AssignmentProblem, pool: Any, incumbent: Solution):
        selected = incumbent[0]
        holder = np.full(problem.n_visitors, -1)
        holder[problem.pair_visitor[selected]] = problem.pair_host[selected]
        self.group_host = np.asarray(pool.host, dtype=np.int64)
        sizes = [len(m) for m in pool.members]
        member_group = np.repeat(np.arange(len(sizes)), sizes)
        members = np.concatenate([np.zeros(0, np.int64), *pool.members])
        held = holder[problem.pair_visitor[members]]
        other = (held >= 0) & (held != self.group_host[member_group])
        # (blocking host, group) once each, by blocking host
        self.blocks = np.unique(np.stack([held[other], member_group[other]]), axis=1)
        self.n_hosts = problem.n_hosts

    def usable(self, in_window: np.ndarray) -> np.ndarray:
        """The usable groups' indices for a window (bool per host)."""
        host, group = self.blocks
        outside = np.bincount(group[~in_window[host]], minlength=len(self.group_host))
        return np.flatnonzero(in_window[self.group_host] & (outside == 0))

    def window(self, order: np.ndarray, nonzeros: np.ndarray) -> np.ndarray:
        """The first hosts of ``order`` (at least one) whose usable groups (``nonzeros``
        each) stay within WINDOW_NONZEROS, each host's groups and those it frees counted as
        it joins."""
        host, group = self.blocks
        blockers = np.bincount(group, minlength=len(self.group_host))
        starts = np.searchsorted(host, np.arange(self.n_hosts + 1))
        by_host = np.argsort(self.group_host, kind="stable")
        own = np.searchsorted(self.group_host[by_host], np.arange(self.n_hosts + 1))
        in_window = np.zeros(self.n_hosts, dtype=bool)
        total, taken = 0, 0
        for h in order.tolist():
            in_window[h] = True
            freed = group[starts[h] : starts[h + 1]]
            blockers[freed] -= 1  # once each: (host, group) is unique
            mine = by_host[own[h] : own[h + 1]]
            joins = np.concatenate(
                [
                    mine[blockers[mine] == 0],
                    freed[(blockers[freed] == 0) & in_window[self.group_host[freed]]],
                ]
            )
            total += int(nonzeros[joins].sum())
            if total > WINDOW_NONZEROS and taken:
                break
            taken += 1
        return order[:taken]


class _Window:
    """The integer program over ``columns``, groups of the hosts in ``hosts`` (bool per host),
    the other hosts' groups fixed at the incumbent's."""

    def __init__(
        self,
        problem: AssignmentProblem,
        pool: Any,
        matrix: Any,
        value: np.ndarray,
        incumbent: Solution,
        hosts: np.ndarray,
        columns: np.ndarray,
        seconds_per_call_nonzero: float = WINDOW_SECONDS_PER_CALL_NONZERO,
    ):
        self.problem, self.pool, self.incumbent, self.hosts = problem, pool, incumbent, hosts
        rows = pool.rows
        selected, open_slots = incumbent
        fixed = selected & ~hosts[problem.pair_host]
        k = len(pool.host)
        self.columns = columns  # the groups it chooses from (``_Blocking.usable``)
        q = len(rows.needs)
        self.matrix = matrix[:, np.concatenate([self.columns, k + np.arange(q)])]
        self.value = value[self.columns]
        rhs = rows.rhs - rows.pairs_by_row.T @ fixed.astype(np.float64)
        rhs[problem.n_visitors : rows.side_start] = 1.0  # one group per host
        self.rhs = rhs
        self.base: Solution = (fixed, open_slots & ~hosts[problem.slot_host])
        self.per_call = max(1, self.matrix.nnz) * seconds_per_call_nonzero

    def solve(
        self,
        highs: Any,
        work_s: float,
        max_calls: int | None,
        seed: int,
        deadline: float | None,
    ) -> tuple[Solution | None, int, bool]:
        """(the groups HiGHS chooses with the fixed ones, as a solution; call backs; cut by
        the deadline), from the incumbent's groups, within ``work_s`` and ``max_calls``."""
        problem, pool, rows = self.problem, self.pool, self.pool.rows
        k, q = len(self.columns), len(rows.needs)
        hosts = [pool.host[g] for g in self.columns]
        members = [pool.members[g] for g in self.columns]
        start = np.concatenate(
            [_incumbent_groups(problem, hosts, members, self.incumbent).astype(float),
             np.array(problem.shortfalls(self.incumbent[0]), dtype=float)]
        )  # fmt: skip
        clock = time.perf_counter()
        answer = solve_mip(
            highs,
            (np.concatenate([self.value, -rows.penalty]), self.matrix, self.rhs),
            (np.zeros(k + q), np.concatenate([np.ones(k), rows.needs])),
            start,
            work_s=work_s,
            per_call=self.per_call,
            max_calls=max_calls,
            seed=seed,
            deadline=deadline,
        )
        log.debug(
            "group IP (%d hosts, %d groups, %d nonzeros): %s after %d call backs, %.2f s, %s",
            *(int(self.hosts.sum()), k, self.matrix.nnz, answer.status, answer.calls),
            *(time.perf_counter() - clock, answer.objective),
        )
        solution = None
        if answer.values is not None:
            picked = answer.values[:k] > 0.5
            solution = _as_solution(problem, pool, self.columns[picked], self.base)
        return solution, answer.calls, answer.cut


def _incumbent_groups(
    problem: AssignmentProblem, hosts: list[int], members: list[np.ndarray], incumbent: Solution
) -> np.ndarray:
    """(groups,) bool: one pool group per host of the incumbent with exactly its members."""
    chosen = np.flatnonzero(incumbent[0])
    mine = {
        int(h): np.sort(chosen[problem.pair_host[chosen] == h]).tobytes()
        for h in np.unique(problem.pair_host[chosen])
    }
    found = np.zeros(len(hosts), dtype=bool)
    for g, (host, group) in enumerate(zip(hosts, members, strict=True)):
        if mine.get(host) == group.tobytes():
            found[g] = True
            del mine[host]
    return found


def _as_solution(
    problem: AssignmentProblem, pool: Any, picked: np.ndarray, base: Solution
) -> Solution | None:
    """The chosen groups as pairs and open slots, with ``base`` (the fixed hosts' pairs and
    slots): each group's new slot, and at a host with accepted groups to join every one of
    them its members fit with room for the group (the groups ``solvers.lagrangian`` prices
    there). None when that breaks a rule (a group bounded slot-free, at a host that may open
    several, need not fit one slot)."""
    assert problem.slot_host is not None
    selected = base[0].copy()
    assert base[1] is not None
    open_slots = base[1].copy()
    accepted = ~problem.new_slots
    rooms = problem.rooms
    for g in picked.tolist():
        host, slot, members = pool.host[g], pool.slot[g], pool.members[g]
        selected[members] = True
        if slot >= 0:
            open_slots[slot] = True
        if pool.groups.join_host[host]:
            fitted = np.unique(np.concatenate([problem.slots_of(int(p)) for p in members]))
            joins = fitted[accepted[fitted] & (rooms[fitted] >= len(members))]
            open_slots[joins[problem.slot_host[joins] == host]] = True
        elif slot < 0:
            return None
    if not problem.keeps_rules(selected, open_slots):
        return None
    return selected, open_slots
