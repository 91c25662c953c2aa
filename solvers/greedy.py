"""A greedy assignment that respects every hard rule: the baseline and the CP-SAT warm start.

1. Quotas first: for each quota (largest need first), take its members' best pairs while
   the visitor is free and the host has room, until the need is met.
2. Then every remaining pair by decreasing score.
3. Repair the SME share: drop the lowest-scored non-SME proposal and give the freed room to
   the best free SME pair, until the share holds (dropping alone always ends feasible).

``round_relaxation`` does the same after first keeping the pairs an LP relaxation chose.
"""

from __future__ import annotations

import time

import numpy as np

from solvers.problem import AssignmentProblem
from solvers.result import SolveResult, SolveStatus, solve_result


class _Assignment:
    """A partial assignment that only ever grows by pairs that keep every hard rule but SME."""

    def __init__(self, problem: AssignmentProblem, open_slots: np.ndarray | None = None):
        self.problem = problem
        self.selected = np.zeros(problem.n_pairs, dtype=bool)
        self.visitor_taken = np.zeros(problem.n_visitors, dtype=bool)
        self.host_load = np.zeros(problem.n_hosts, dtype=np.int64)
        self.spend = np.zeros(len(problem.caps), dtype=np.int64)
        self.open = (
            np.zeros(problem.n_slots, dtype=bool) if open_slots is None else open_slots.copy()
        )
        self.host_groups = problem.groups_per_host(self.open)
        self.host_limit = problem.host_limits(self.open)  # capacity, and each open slot's room
        self.rooms = problem.rooms
        self.new = problem.new_slots
        self.set_count = (
            np.zeros(0, dtype=np.int64)
            if problem.set_limit is None
            else np.zeros(len(problem.set_limit), dtype=np.int64)
        )
        self.priority = slot_priority(problem)

    def take(self, pair: int) -> bool:
        problem = self.problem
        v, h = problem.pair_visitor[pair], problem.pair_host[pair]
        if self.visitor_taken[v] or self.host_load[h] >= self.host_limit[h]:
            return False
        key = -1 if problem.limit_set is None else int(problem.limit_set[pair])
        if (
            key >= 0
            and problem.set_limit is not None
            and self.set_count[key] >= problem.set_limit[key]
        ):
            return False
        opening = -1
        if problem.slot_host is not None:
            fitting = problem.slots_of(pair)
            if not len(fitting):
                return False
            if not self.open[fitting].any():
                allowed = fitting[
                    (self.rooms[fitting] > self.host_load[h])
                    & (~self.new[fitting] | (self.host_groups[h] < problem.max_groups_per_host))
                ]
                if not len(allowed):
                    return False
                opening = int(allowed[np.argmax(self.priority[allowed])])
        if problem.caps:
            cost = np.array([cap.cost[pair] for cap in problem.caps], dtype=np.int64)
            if any(self.spend + cost > [cap.limit for cap in problem.caps]):
                return False
            self.spend += cost
        if opening >= 0:
            self.open[opening] = True
            self.host_groups[h] += int(self.new[opening])
            self.host_limit[h] = min(self.host_limit[h], self.rooms[opening])
        if key >= 0:
            self.set_count[key] += 1
        self.selected[pair] = True
        self.visitor_taken[v] = True
        self.host_load[h] += 1
        return True

    def drop(self, pair: int) -> None:
        problem = self.problem
        h = problem.pair_host[pair]
        self.selected[pair] = False
        self.visitor_taken[problem.pair_visitor[pair]] = False
        self.host_load[h] -= 1
        if problem.limit_set is not None and problem.limit_set[pair] >= 0:
            self.set_count[problem.limit_set[pair]] -= 1
        if problem.caps:
            self.spend -= np.array([cap.cost[pair] for cap in problem.caps], dtype=np.int64)
        if problem.slot_host is not None and self.host_load[h] == 0:  # close an empty host
            self.open[problem.slot_host == h] = False
            self.host_groups[h] = 0
            self.host_limit[h] = problem.host_capacity[h]

    def fill(self, order: np.ndarray) -> None:
        for pair in order:
            self.take(int(pair))

    def fill_quotas(self, order: np.ndarray) -> None:
        visitors = self.problem.pair_visitor
        for quota in sorted(self.problem.quotas, key=lambda q: -q.need):
            counts = quota.contribution(visitors)
            met = int(counts[self.selected].sum())
            for pair in order[counts[order] > 0]:
                if met >= quota.need:
                    break
                if self.take(int(pair)):
                    met += int(counts[pair])

    def finish(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        _repair_sme_share(self, order)
        problem = self.problem
        if problem.slot_host is None or problem.slot_indptr is None or problem.pair_slots is None:
            return self.selected, None
        # close every slot no chosen pair fits (an open, empty group only costs its bonus)
        chosen = np.repeat(self.selected, np.diff(problem.slot_indptr))
        needed = np.zeros(problem.n_slots, dtype=bool)
        needed[problem.pair_slots[chosen]] = True
        return self.selected, self.open & needed


def slot_priority(problem: AssignmentProblem) -> np.ndarray:
    """(n_slots,) how much a slot could hold: the summed value of the best pairs fitting it,
    up to the host's capacity (the slot a first visitor should open for the group to come)."""
    if problem.slot_host is None or problem.slot_indptr is None or problem.pair_slots is None:
        return np.zeros(0)
    pair_of_entry = np.repeat(np.arange(problem.n_pairs), np.diff(problem.slot_indptr))
    value = problem.pair_value[pair_of_entry].astype(float)
    slot = problem.pair_slots
    order = np.lexsort((-value, slot))  # by slot, best value first
    slot_sorted, value_sorted = slot[order], value[order]
    starts = np.searchsorted(slot_sorted, slot_sorted, side="left")
    rank = np.arange(len(slot_sorted)) - starts
    keep = rank < problem.rooms[slot_sorted]
    return np.bincount(slot_sorted[keep], weights=value_sorted[keep], minlength=problem.n_slots)


def score_order(problem: AssignmentProblem) -> np.ndarray:
    """Pairs by decreasing value, ties by index (deterministic)."""
    return np.lexsort((np.arange(problem.n_pairs), -problem.pair_value))


def greedy_solution(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray | None]:
    """The greedy assignment and the slots it opened (None without a slot layer)."""
    order = score_order(problem)
    assignment = _Assignment(problem)
    assignment.fill_quotas(order)
    assignment.fill(order)
    return assignment.finish(order)


def greedy_selection(problem: AssignmentProblem) -> np.ndarray:
    return greedy_solution(problem)[0]


def round_relaxation(problem: AssignmentProblem, values: np.ndarray) -> np.ndarray:
    return round_solution(problem, values)[0]


def round_solution(
    problem: AssignmentProblem, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Open each host's slots that carry the most LP assignment mass (the summed x of the
    pairs fitting it), keep the pairs the LP chose (largest value first), then complete
    greedily by value."""
    order = score_order(problem)
    by_value = np.lexsort((np.arange(problem.n_pairs), -problem.pair_value, -values))
    open_slots = None
    if problem.slot_host is not None:
        open_slots = best_slots(problem, problem.slot_mass(values))
    assignment = _Assignment(problem, open_slots)
    assignment.fill(by_value[values[by_value] > 0.5])
    assignment.fill_quotas(order)
    assignment.fill(order)
    return assignment.finish(order)


def best_slots(problem: AssignmentProblem, weight: np.ndarray) -> np.ndarray:
    """(n_slots,) bool: each host's ``max_groups_per_host`` slots of largest positive weight
    (new ones or accepted groups taking members: never more new ones than allowed)."""
    assert problem.slot_host is not None
    ranked = np.lexsort((np.arange(problem.n_slots), -weight, problem.slot_host))
    position = np.arange(problem.n_slots) - np.searchsorted(
        problem.slot_host[ranked], problem.slot_host[ranked], side="left"
    )
    chosen = ranked[(position < problem.max_groups_per_host) & (weight[ranked] > 1e-6)]
    open_slots = np.zeros(problem.n_slots, dtype=bool)
    open_slots[chosen] = True
    return open_slots


def solve_greedy(problem: AssignmentProblem, seed: int = 0) -> SolveResult:
    started = time.perf_counter()
    solution = greedy_solution(problem)
    return solve_result(
        problem,
        SolveStatus.FEASIBLE,
        solution,
        None,
        started=started,
        seed=seed,
        workers=1,
        solver="greedy",
    )


def _repair_sme_share(assignment: _Assignment, order: np.ndarray) -> None:
    """Drop the lowest-valued non-SME proposals, refilling freed room with SME pairs.

    The freed host is offered first to its best free SME visitor, then the best SME pair
    that fits anywhere; SME counts (and the expected share's margin, when the problem has
    one) are kept incrementally and each list is scanned once (an SME visitor, once placed,
    stays placed), so the repair is linear in the pairs. Dropping a non-SME pair and adding
    an SME pair both raise either share.
    """
    problem = assignment.problem
    share = problem.min_sme_share
    selected = assignment.selected
    is_sme_pair = problem.visitor_is_sme[problem.pair_visitor]
    smes = int(is_sme_pair[selected].sum()) + problem.fixed_smes
    total = int(selected.sum()) + problem.fixed_total
    # the expected share's margin and each pair's part of it
    part = np.zeros(problem.n_pairs, dtype=np.int64)
    if problem.expected_weight is not None:
        part = problem.expected_weight.astype(np.int64) * np.where(
            is_sme_pair, share.denominator - share.numerator, -share.numerator
        )
    margin = problem.expected_sme_margin(selected)

    def kept() -> bool:
        return smes * share.denominator >= share.numerator * total and margin >= 0

    if kept():
        return
    droppable = _drop_order(problem, order, selected, is_sme_pair)
    sme_order = order[is_sme_pair[order]]
    sme_pairs = sme_order.tolist()
    by_host = _positions_by_key(problem.pair_host[sme_order], problem.n_hosts)
    host_cursor = np.zeros(problem.n_hosts, dtype=np.int64)
    visitor_taken = assignment.visitor_taken
    cursor = 0
    for dropped in droppable:
        if kept():
            break
        host = int(problem.pair_host[dropped])
        assignment.drop(dropped)
        total -= 1
        margin -= int(part[dropped])
        took = False
        at_host = by_host[host]
        while host_cursor[host] < len(at_host):  # the freed room first
            pair = sme_pairs[at_host[host_cursor[host]]]
            if visitor_taken[problem.pair_visitor[pair]]:
                host_cursor[host] += 1
                continue
            took = assignment.take(pair)
            break
        while not took and cursor < len(sme_pairs):  # else the best SME pair that fits
            pair = sme_pairs[cursor]
            cursor += 1
            took = not selected[pair] and assignment.take(pair)
        if took:
            smes += 1
            total += 1
            margin += int(part[pair])


def _drop_order(
    problem: AssignmentProblem, order: np.ndarray, selected: np.ndarray, is_sme_pair: np.ndarray
) -> list[int]:
    """Chosen non-SME pairs, lowest value first; pairs whose visitor a quota cannot spare
    (the quota has no more members chosen than it needs) come last."""
    chosen = order[::-1][selected[order[::-1]] & ~is_sme_pair[order[::-1]]]
    if not problem.quotas:
        return chosen.tolist()
    visitors = problem.pair_visitor
    spare = np.ones(len(chosen), dtype=bool)
    for quota in problem.quotas:
        counts = quota.contribution(visitors)
        if int(counts[selected].sum()) <= quota.need:
            spare &= counts[chosen] == 0
    return [*chosen[spare].tolist(), *chosen[~spare].tolist()]


def _positions_by_key(keys: np.ndarray, size: int) -> list[list[int]]:
    """For each key 0..size-1, the positions holding it, in order."""
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(size + 1))
    return [order[bounds[k] : bounds[k + 1]].tolist() for k in range(size)]
