"""The restricted master as an integer program: the best choice among the groups generated.

The group LP (``solvers.group_lp``) ends with a pool of groups (a host, the slot it opens,
its members). Choosing whole groups from that pool, at most one per host, each visitor at
most once, under the same side rows (SME share, quotas with their shortfalls, caps, limited
sets, the expected SME share), is a set-packing integer program whose LP is the master's
("price and branch"). HiGHS' MIP solver takes it from the incumbent's groups: its root
heuristics (sub-MIPs around the LP and the incumbent) trade groups across hosts and quotas
at once, which neighbourhoods of a few hosts cannot. At 1,500 tight visitors (seed 11) it
found -76.23 M in 11 s from the refit's -77.92 M, where the search reached -76.25 M in 60 s
and HiGHS on the whole dated model -76.21 M in 200 s.

A pool too large for HiGHS' root LP (5,000 visitors and up) is first cut to its groups
nearest their host's best at the group LP's prices (``near_groups``: a few per host, all
hosts at once, the trades across quotas and the SME share that neither windows nor the
search's neighbourhoods can make), then taken in windows: the groups of a few hundred hosts,
where the group LP disagrees most with the incumbent first, the other hosts' groups fixed at
the incumbent's; each window improves the incumbent the next starts from. Each program is a
``solvers.group_program.GroupProgram`` (its work counted by HiGHS' call backs, the same on
every run; the wall-clock ``deadline`` is the safety net, then ``cut``); without HiGHS
(SciPy's own build) the phase is skipped.

CP-SAT was tried on the same program and dropped: after 10 s of deterministic time it had
not left the hint (its bound -39 M where the master's LP is -76.07 M).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers.group_lp import GroupBound
from solvers.group_program import GroupProgram, highs_module
from solvers.problem import AssignmentProblem
from solvers.result import Solution

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
# The pool's groups nearest their host's best (``near_groups``): at the group LP's prices,
# each host's groups by how far they fall below its best one, the nearest first across all
# hosts, up to this many nonzeros: a whole integer program HiGHS closes in a few seconds. At
# 5,000 tight visitors (seed 3, from the windows' -184.08 M, 17.3 s of group LP work): 36,000
# nonzeros -183.33 M in 1.6 s; 47,000 -182.99 M in 1.8 s; 57,000 nothing in 6.8 s, -182.92 M
# in 17.5 s; 116,000 and 173,000 nothing in 80 s (seed 4, from -159.78 M: 38,000 nonzeros
# -159.23 M in 3.4 s). The search alone took 9 s of work to -183.19 M and -159.04 M.
NEAR_NONZEROS = 45_000
# its call backs: the first better groups came within 18 (seed 3, 47,000 nonzeros)
NEAR_MIN_CALLS = 10


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
    # a host that may open several groups is priced slot-free: its groups are not slots to
    # open, and it keeps the incumbent's
    free = pool.groups.exact_host | pool.groups.join_host
    if matrix.nnz <= MAX_NONZEROS:
        if work_s < MIN_CALLS * SECONDS_PER_CALL_NONZERO * matrix.nnz:
            return None
        columns = _Blocking(problem, pool, incumbent).usable(free)
        window = GroupProgram(
            problem, pool, matrix, value, incumbent, free, columns, SECONDS_PER_CALL_NONZERO
        )
        found, calls, cut = window.solve(highs, work_s, None, seed, deadline)
        return GroupChoice(found, calls * window.per_call, calls, cut)
    best, used, calls_all, windows, cut, spent = incumbent, 0.0, 0, 0, False, False
    for _ in range(MAX_PASSES):
        improved = False
        order = _window_order(problem, pool, group, best, free)
        while len(order) and not cut:
            blocking = _Blocking(problem, pool, best)
            hosts = blocking.window(order, np.diff(matrix.indptr)[: len(pool.host)])
            order = order[len(hosts) :]
            in_window = np.zeros(problem.n_hosts, dtype=bool)
            in_window[hosts] = True
            columns = blocking.usable(in_window)
            window = GroupProgram(
                problem, pool, matrix, value, best, in_window, columns,
                WINDOW_SECONDS_PER_CALL_NONZERO,
            )  # fmt: skip
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


def near_groups(
    problem: AssignmentProblem,
    group: GroupBound,
    incumbent: Solution,
    *,
    work_s: float,
    seed: int,
    deadline: float | None = None,
) -> GroupChoice | None:
    """The best groups HiGHS finds from the incumbent's among the pool's groups nearest
    their host's best at the group LP's prices (``NEAR_NONZEROS``), all hosts at once: the
    trades across hosts, quotas and the SME share that windows of a few hundred hosts and
    neighbourhoods of a few cannot make (None: no pool, a budget too small, no HiGHS)."""
    pool = group.pool
    highs = highs_module()
    if pool is None or not pool.host or highs is None:
        return None
    near = pool.copy()
    matrix, value = near.master()
    if matrix.nnz <= MAX_NONZEROS:  # ``choose_groups`` takes the pool whole
        return None
    k = len(near.host)
    hosts = np.asarray(near.host, dtype=np.int64)
    # below its host's best group at the prices (the hosts' rows are not priced: L takes each
    # host's best group whole)
    reduced = value - matrix[:, :k].T @ group.duals
    best = np.full(problem.n_hosts, -np.inf)
    np.maximum.at(best, hosts, reduced)
    order = np.lexsort((np.arange(k), best[hosts] - reduced))
    nonzeros = np.diff(matrix.indptr)[:k]
    kept = np.zeros(k, dtype=bool)
    kept[order[np.cumsum(nonzeros[order]) <= NEAR_NONZEROS]] = True
    near.keep(kept)
    near.add_solution(incumbent)
    matrix, value = near.master()
    per_call = SECONDS_PER_CALL_NONZERO * matrix.nnz
    if work_s < NEAR_MIN_CALLS * per_call:
        return None
    free = near.groups.exact_host | near.groups.join_host
    columns = _Blocking(problem, near, incumbent).usable(free)
    window = GroupProgram(
        problem, near, matrix, value, incumbent, free, columns, SECONDS_PER_CALL_NONZERO
    )
    found, calls, cut = window.solve(highs, work_s, None, seed, deadline)
    return GroupChoice(found, calls * window.per_call, calls, cut)


def _window_order(
    problem: AssignmentProblem, pool: Any, group: GroupBound, incumbent: Solution, free: np.ndarray
) -> np.ndarray:
    """Hosts with groups in the pool (and free to change them), where the group LP's pairs
    differ most in value from the incumbent's first, then by host."""
    differs = np.abs(group.pair_mass - incumbent[0]) * problem.pair_value
    disagreement = np.bincount(problem.pair_host, weights=differs, minlength=problem.n_hosts)
    hosts = np.unique(np.asarray(pool.host, dtype=np.int64))
    hosts = hosts[free[hosts]]
    return hosts[np.lexsort((hosts, -disagreement[hosts]))]


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
