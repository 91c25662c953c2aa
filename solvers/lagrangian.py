"""A Lagrangian bound of the dated model: each host chooses its best group, the rest priced.

Relax the rows that tie hosts together (a visitor at most once, the SME share, the quotas,
the caps, the limited sets, the expected SME share) with prices ``lam >= 0`` in the rows of
``solvers.lp_model.LpRows``. What is left falls apart into one small problem per host: open
a slot and take up to its room of the pairs fitting it, each earning its *reduced value*
(pair value less the prices of its rows, plus the host's group bonus), less the bonus once
for the new group. For every ``lam >= 0``

    L(lam) = lam . rhs + sum over hosts of its best group + sum over quotas of
             need x max(0, price - penalty)

bounds every assignment (weak duality), so each value computed is an honest bound. Its
minimum over ``lam`` is the bound of the LP over *whole groups* (``solvers.group_lp``, whose
duals supply ``lam``), never weaker than the LP with the slot layer, whose ``x_p <= sum of
y_s`` rows let a host fill one fractional group with pairs of another.

A host's group is solved exactly when the host may open one new group and has no accepted
group to join (the usual case); otherwise its value is bounded by its best members up to
its capacity regardless of slots (still an honest bound, only weaker).
"""

from __future__ import annotations

import numpy as np

from solvers.lp_model import LpRows
from solvers.problem import AssignmentProblem


def lagrangian_value(rows: LpRows, groups: HostGroups, prices: np.ndarray) -> float:
    """L(prices) for prices of the relaxed rows (host rows ignored): an upper bound."""
    problem = rows.problem
    prices = prices.copy()
    prices[problem.n_visitors : rows.side_start] = 0.0
    host_value, _, _ = groups.best(rows.value - rows.pairs_by_row @ prices)
    quota_price = prices[rows.side_start + 1 + np.arange(len(problem.quotas))]
    return (
        float(prices @ rows.rhs)
        + float(host_value.sum())
        + float((rows.needs * np.maximum(0.0, quota_price - rows.penalty)).sum())
    )


class HostGroups:
    """The per-host problems for any prices: static structure built once."""

    def __init__(self, problem: AssignmentProblem, rows: LpRows):
        assert problem.slot_host is not None and problem.slot_indptr is not None
        assert problem.pair_slots is not None
        self.problem, self.rows = problem, rows
        n_hosts = problem.n_hosts
        capacity = problem.host_capacity.astype(np.int64)
        bonus = np.zeros(n_hosts) if problem.group_bonus is None else problem.group_bonus
        self.pair_bonus = bonus[problem.pair_host].astype(float)
        self.host_bonus = bonus.astype(float)
        joins = np.bincount(problem.slot_host[~problem.new_slots], minlength=n_hosts) > 0
        # exact hosts: one new group, nothing to join; the others are bounded slot-free
        self.exact_host = ~joins if problem.max_groups_per_host == 1 else np.zeros(n_hosts, bool)
        entry_pair = np.repeat(np.arange(problem.n_pairs), np.diff(problem.slot_indptr))
        entry_slot = problem.pair_slots
        keep = self.exact_host[problem.slot_host[entry_slot]]
        order = np.lexsort((entry_pair[keep], entry_slot[keep]))  # by slot: fixed segments
        self.entry_pair, self.entry_slot = entry_pair[keep][order], entry_slot[keep][order]
        # a limited set of one host's pairs, at most one of them (an organisation's visitors,
        # never two in a group): each slot's group takes its best member only (the bound
        # stays valid: every assignment keeps the set within each group)
        entry_set = _one_per_group(problem)[self.entry_pair]
        self.entry_set = entry_set if (entry_set >= 0).any() else None
        self.slot_room = np.minimum(problem.rooms, capacity[problem.slot_host])
        self.passes = int(self.slot_room.max()) if problem.n_slots else 0
        # slots by host, to take each host's best slot with one reduceat
        self.slots_by_host = np.lexsort((np.arange(problem.n_slots), problem.slot_host))
        hosts_sorted = problem.slot_host[self.slots_by_host]
        self.host_starts = np.flatnonzero(np.r_[True, hosts_sorted[1:] != hosts_sorted[:-1]])
        self.host_of_segment = hosts_sorted[self.host_starts] if len(hosts_sorted) else hosts_sorted
        # hosts with accepted groups to join (one new group at most): solved host by host
        self.join_host = joins & (problem.max_groups_per_host == 1)
        self.joins = [_JoinHost(problem, int(h), capacity) for h in np.flatnonzero(self.join_host)]
        # pairs of the other hosts that fit some slot: ranked within their host by capacity
        fits_any = np.diff(problem.slot_indptr) > 0
        inexact = ~self.exact_host & ~self.join_host
        self.loose_pairs = np.flatnonzero(fits_any & inexact[problem.pair_host])
        self.loose_room = capacity.copy()
        self.loose_charge = np.where(joins, 0.0, self.host_bonus)  # a join opens no group

    def best(self, reduced: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For reduced pair values: the value of each host's best group (0: none), the pairs
        of those groups (bool per pair) and the slot each exact host opens (bool per slot)."""
        problem = self.problem
        n_hosts = problem.n_hosts
        chosen = np.zeros(problem.n_pairs, dtype=bool)
        open_slots = np.zeros(problem.n_slots, dtype=bool)
        # exact hosts: per slot, its best members up to its room
        gain = reduced[self.entry_pair] + self.pair_bonus[self.entry_pair]
        positive = gain > 0
        pairs, slots, gain = self.entry_pair[positive], self.entry_slot[positive], gain[positive]
        if self.entry_set is not None:
            once = _best_of_each_set(slots, self.entry_set[positive], gain)
            pairs, slots, gain = pairs[once], slots[once], gain[once]
        taken = _top_per_segment(slots, gain, self.slot_room)
        slot_value = np.bincount(slots[taken], weights=gain[taken], minlength=problem.n_slots)
        hosts = problem.slot_host
        assert hosts is not None
        slot_value = slot_value - np.where(slot_value > 0, self.host_bonus[hosts], 0.0)
        host_value = np.zeros(n_hosts)
        if problem.n_slots:
            by_host = slot_value[self.slots_by_host]
            best = np.maximum.reduceat(by_host, self.host_starts)
            host_value[self.host_of_segment] = np.maximum(best, 0.0)
        # each host's best slot (the lowest index among equals), if worth opening
        candidates = np.flatnonzero((slot_value > 0) & (slot_value >= host_value[hosts]))
        first = candidates[np.unique(hosts[candidates], return_index=True)[1]]
        open_slots[first] = True
        chosen[pairs[taken & open_slots[slots]]] = True
        self._slot_groups = (pairs[taken], slots[taken], slot_value)
        self._loose_groups = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self._join_groups: list[tuple[int, int, np.ndarray]] = []
        for join in self.joins:
            value, members, slot = join.best(reduced, self.host_bonus[join.host])
            host_value[join.host] = value
            if value > 0:
                chosen[members] = True
                self._join_groups.append((join.host, slot, members))
                if slot >= 0:
                    open_slots[slot] = True
        # inexact hosts: best members up to capacity, whatever the slots
        if len(self.loose_pairs):
            loose = self.loose_pairs
            gain = reduced[loose] + self.pair_bonus[loose]
            keep = gain > 0
            loose, gain = loose[keep], gain[keep]
            owner = problem.pair_host[loose]
            order = np.lexsort((loose, -gain, owner))
            loose, gain, owner = loose[order], gain[order], owner[order]
            rank = np.arange(len(owner)) - np.searchsorted(owner, owner, side="left")
            taken = rank < self.loose_room[owner]
            worth = np.bincount(owner[taken], weights=gain[taken], minlength=n_hosts)
            worth = np.maximum(0.0, worth - np.where(worth > 0, self.loose_charge, 0.0))
            host_value = np.where(self.exact_host | self.join_host, host_value, worth)
            chosen[loose[taken & (worth[owner] > 0)]] = True
            self._loose_groups = (loose[taken], owner[taken])
        return host_value, chosen, open_slots

    def groups(self, per_host: int, floor: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
        """After ``best``: (host, slot, members) of each exact host's ``per_host`` best slots
        worth more than ``floor[host]``, and each other host's best members (slot -1)."""
        problem = self.problem
        assert problem.slot_host is not None
        members, member_slot, slot_value = self._slot_groups
        hosts = problem.slot_host
        worth = np.flatnonzero(slot_value > floor[hosts] + 1e-6)
        ranked = worth[np.lexsort((worth, -slot_value[worth], hosts[worth]))]
        position = np.arange(len(ranked)) - np.searchsorted(
            hosts[ranked], hosts[ranked], side="left"
        )
        picked = ranked[position < per_host]
        order = np.argsort(member_slot, kind="stable")
        members, member_slot = members[order], member_slot[order]
        starts = np.searchsorted(member_slot, picked, side="left")
        ends = np.searchsorted(member_slot, picked, side="right")
        found = [
            (int(hosts[slot]), int(slot), members[a:b])
            for slot, a, b in zip(picked.tolist(), starts.tolist(), ends.tolist(), strict=True)
        ]
        found += [group for group in self._join_groups if group[0] >= 0]
        loose, owner = self._loose_groups
        for host in np.unique(owner).tolist():
            mine = loose[owner == host]
            if len(mine):
                found.append((int(host), -1, mine))
        return found

    def charge(self, hosts: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """The bonus a group pays back for opening a new slot (slot -1: a group bounded
        slot-free, which pays unless its host has an accepted group to join)."""
        new = self.problem.new_slots
        opens = np.where(slots >= 0, new[np.maximum(slots, 0)], self.loose_charge[hosts] > 0)
        return np.where(opens, self.host_bonus[hosts], 0.0)


class _JoinHost:
    """A host with accepted groups to join and at most one new group: its best group is
    found by trying every number of members k up to its capacity, with every join slot of
    room >= k open and one new slot of room >= k or none (exact)."""

    def __init__(self, problem: AssignmentProblem, host: int, capacity: np.ndarray):
        assert problem.slot_host is not None
        self.host = host
        self.pairs = np.flatnonzero(problem.pair_host == host)
        self.slots = np.flatnonzero(problem.slot_host == host)
        position = {int(slot): i for i, slot in enumerate(self.slots)}
        self.fits = np.zeros((len(self.pairs), len(self.slots)), dtype=bool)
        for row, pair in enumerate(self.pairs):
            for slot in problem.slots_of(int(pair)):
                self.fits[row, position[int(slot)]] = True
        self.room = np.minimum(problem.rooms[self.slots], capacity[host])
        self.new = problem.new_slots[self.slots]
        self.capacity = int(capacity[host])

    def best(self, reduced: np.ndarray, bonus: float) -> tuple[float, np.ndarray, int]:
        """(value, members, the new slot opened or -1) of the best group under ``reduced``."""
        gain = reduced[self.pairs] + bonus
        worth = np.where(gain > 0, gain, 0.0)
        best: tuple[float, np.ndarray, int] = (0.0, self.pairs[:0], -1)
        for k in range(1, self.capacity + 1):
            joins: np.ndarray = np.asarray(self.fits[:, ~self.new & (self.room >= k)].any(axis=1))
            news = np.flatnonzero(self.new & (self.room >= k))
            # columns: the joins alone, then each new slot with them
            allowed = np.column_stack([joins, joins[:, None] | self.fits[:, news]])
            values = np.where(allowed, worth[:, None], 0.0)
            top = -np.sort(-values, axis=0)[:k].sum(axis=0)
            top[1:] -= bonus
            option = int(np.argmax(top))
            if top[option] > best[0] + 1e-9:
                ranked = np.argsort(-values[:, option], kind="stable")[:k]
                ranked = ranked[values[ranked, option] > 0]
                slot = int(self.slots[news[option - 1]]) if option > 0 else -1
                best = (float(top[option]), self.pairs[ranked], slot)
        return best


def _one_per_group(problem: AssignmentProblem) -> np.ndarray:
    """(n_pairs,) the limited set of each pair where that set is one host's and of limit 1
    (its pairs never two in a group), else -1."""
    out = np.full(problem.n_pairs, -1, dtype=np.int64)
    if problem.limit_set is None or problem.set_limit is None:
        return out
    member = np.flatnonzero(problem.limit_set >= 0)
    sets, hosts = problem.limit_set[member], problem.pair_host[member]
    n_sets = len(problem.set_limit)
    low = np.full(n_sets, np.iinfo(np.int64).max)
    high = np.full(n_sets, -1)
    np.minimum.at(low, sets, hosts)
    np.maximum.at(high, sets, hosts)
    one_host = (low == high) & (problem.set_limit == 1)
    keep = one_host[sets]
    out[member[keep]] = sets[keep]
    return out


def _best_of_each_set(slots: np.ndarray, sets: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """(len,) bool: every entry but, of a slot's entries in one set (``sets`` >= 0), all but
    the best (ties: the first); the order kept."""
    keep = np.ones(len(slots), dtype=bool)
    member = np.flatnonzero(sets >= 0)
    if len(member) < 2:
        return keep
    order = member[np.lexsort((member, -gain[member], sets[member], slots[member]))]
    same = (slots[order][1:] == slots[order][:-1]) & (sets[order][1:] == sets[order][:-1])
    keep[order[1:][same]] = False
    return keep


def _top_per_segment(keys: np.ndarray, values: np.ndarray, room: np.ndarray) -> np.ndarray:
    """(len,) bool: in each run of equal ``keys`` (sorted), its ``room[key]`` largest values
    (ties: the first). One pass per place: linear in the entries."""
    taken = np.zeros(len(keys), dtype=bool)
    if not len(keys):
        return taken
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    segment = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(keys)]))
    left = room[keys[starts]].astype(np.int64)
    work = values.astype(float).copy()
    for _ in range(int(left.max()) if len(left) else 0):
        top = np.maximum.reduceat(work, starts)
        hits = np.flatnonzero((work == top[segment]) & (left[segment] > 0) & (work > -np.inf))
        if not len(hits):
            break
        first = hits[np.r_[True, segment[hits][1:] != segment[hits][:-1]]]
        taken[first] = True
        work[first] = -np.inf
        left[segment[first]] -= 1
    return taken
