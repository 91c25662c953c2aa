"""The top-up: visitors the plan leaves out join groups where every day's places allow, and
chosen visitors move to better pairs of their own where they allow.

The solvers count a host's members tonight against its capacity and the room of *every* slot
it opens (a proxy: without a variable per pair and slot, any member may go to any of the
host's open slots). A host whose slots lie on different dates may take more: an accepted
group with room on one week and a new group on another, or two new groups where
``max_groups_per_host`` allows them, each up to its own room. After the solve, each visitor
left out, its most valuable pair first, joins one of its host's open slots, an accepted
group (a join slot) or a new slot of its host (within ``max_groups_per_host``) where:

* every day stays within the host's capacity: for every open slot ``t`` of the host that
  overlaps the slot, the members of the open slots overlapping ``t`` are at most ``t``'s room
  (its capacity less the most visitors accepted before on any of its days), which bounds
  every day of ``t``;
* the rules every pair shares still hold: the SME share (of proposals, and in expectation),
  the budgets, the limited sets (an organisation's physical visits), and no two visitors of
  one organisation at one host tonight.

Then each chosen visitor, in pair order, **moves** to a more valuable pair of its own (a second
group of another host on other dates; a held or unanswered proposal's own dates,
:mod:`engine.night.staying`) where the same checks hold and the objective gains, its pair's
value, the quotas' shortfalls and the hosts' group bonuses counted exactly; who a move leaves
room for is then added. Last, each pair left out that stays from earlier nights (on hold,
one side accepted, unanswered) takes the place of a less valuable member of a slot it fits
where the whole objective gains (that member joins another slot where it can). A slot the
solver opened without a member is closed first (it would use one of its host's new groups).
Adding a pair never lowers the objective (pair values are not
negative and quota shortfalls only shrink), and a move is made only where it gains. The solver's objective and bound stay those of its own model; the manifest says
what the top-up added (``top_up_added``, ``top_up_value``). The independent checker verifies
every day's capacity of the plan as of every other rule.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.night.groups import assign_slots
from engine.night.slots import Slots
from solvers.problem import AssignmentProblem
from solvers.result import SolveResult


class _Plan:
    """The plan as the top-up grows it: chosen pairs, open slots, members per slot, and the
    margins of the rows every pair shares."""

    def __init__(self, problem: AssignmentProblem, solve: SolveResult, slots: Slots):
        assert solve.open_slots is not None
        self.problem = problem
        self.selected = solve.selected.copy()
        self.open = solve.open_slots.copy()
        chosen = np.flatnonzero(self.selected)
        self.slot_of = np.full(problem.n_pairs, -1, dtype=np.int64)
        self.slot_of[chosen] = assign_slots(chosen, self.open, slots)
        self.members = np.bincount(self.slot_of[chosen], minlength=problem.n_slots)
        # a slot the solver opened without a member is no group: closed, it leaves the host's
        # new group to another (the oracle's audit: an empty second slot kept a host from its
        # held pair's own dates, and the held pair went to a host it scored 23 against 83)
        self.open &= self.members > 0
        self.start = slots.slots["start_day"].to_numpy(np.int64)
        self.end = slots.slots["end_day"].to_numpy(np.int64)
        self.rooms = problem.rooms
        self.new_groups = problem.groups_per_host(self.open)
        self.open_at: dict[int, list[int]] = {}
        assert problem.slot_host is not None
        for slot in np.flatnonzero(self.open).tolist():
            self.open_at.setdefault(int(problem.slot_host[slot]), []).append(slot)
        share = problem.min_sme_share
        self.count_margin = problem.sme_margin(self.selected)
        self.expected_margin = problem.expected_sme_margin(self.selected)
        self.sme_gain = (share.denominator - share.numerator, -share.numerator)
        self.spent = [int(cap.cost[self.selected].sum()) for cap in problem.caps]
        self.in_sets = (
            np.zeros(0, dtype=np.int64)
            if problem.limit_set is None or problem.set_limit is None
            else np.bincount(
                problem.limit_set[self.selected & (problem.limit_set >= 0)],
                minlength=len(problem.set_limit),
            )
        )

    def room_for_one_more(self, slot: int, host: int) -> bool:
        """One more member in ``slot`` keeps every day of the host within its capacity (and a
        new slot within the host's new groups)."""
        problem = self.problem
        opens_a_group = not self.open[slot] and problem.new_slots[slot]
        if opens_a_group and self.new_groups[host] >= problem.max_groups_per_host:
            return False
        slots = np.union1d(np.array(self.open_at.get(host, []), dtype=np.int64), [slot])
        members = self.members[slots] + (slots == slot)
        start, end = self.start[slots], self.end[slots]
        overlap = (start[:, None] <= end[None, :]) & (start[None, :] <= end[:, None])
        load = overlap.astype(np.int64) @ members  # members of the slots overlapping each
        touched = overlap[np.flatnonzero(slots == slot)[0]]
        return bool(np.all(load[touched] <= self.rooms[slots][touched]))

    def shared_rows_allow(self, pair: int, sme: bool) -> bool:
        problem = self.problem
        gain = self.sme_gain[0] if sme else self.sme_gain[1]
        if self.count_margin + gain < 0:
            return False
        weight = problem.expected_weight
        if weight is not None and self.expected_margin + gain * int(weight[pair]) < 0:
            return False
        for cap, used in zip(problem.caps, self.spent, strict=True):
            if used + int(cap.cost[pair]) > cap.limit:
                return False
        if problem.limit_set is not None and problem.set_limit is not None:
            kind = int(problem.limit_set[pair])
            if kind >= 0 and self.in_sets[kind] >= problem.set_limit[kind]:
                return False
        return True

    def add(self, pair: int, slot: int, host: int, sme: bool) -> None:
        problem = self.problem
        if not self.open[slot]:
            self.open[slot] = True
            self.open_at.setdefault(host, []).append(slot)
            self.new_groups[host] += int(problem.new_slots[slot])
        self.selected[pair] = True
        self.slot_of[pair] = slot
        self.members[slot] += 1
        gain = self.sme_gain[0] if sme else self.sme_gain[1]
        self.count_margin += gain
        if problem.expected_weight is not None:
            self.expected_margin += gain * int(problem.expected_weight[pair])
        self.spent = [
            used + int(cap.cost[pair]) for cap, used in zip(problem.caps, self.spent, strict=True)
        ]
        if problem.limit_set is not None and problem.limit_set[pair] >= 0:
            self.in_sets[int(problem.limit_set[pair])] += 1

    def remove(self, pair: int, host: int, sme: bool) -> int:
        """Take ``pair`` out of the plan (its slot closes when it empties); its slot."""
        problem = self.problem
        slot = int(self.slot_of[pair])
        self.selected[pair] = False
        self.slot_of[pair] = -1
        self.members[slot] -= 1
        if self.members[slot] == 0:
            self.open[slot] = False
            self.open_at[host].remove(slot)
            self.new_groups[host] -= int(problem.new_slots[slot])
        gain = self.sme_gain[0] if sme else self.sme_gain[1]
        self.count_margin -= gain
        if problem.expected_weight is not None:
            self.expected_margin -= gain * int(problem.expected_weight[pair])
        self.spent = [
            used - int(cap.cost[pair]) for cap, used in zip(problem.caps, self.spent, strict=True)
        ]
        if problem.limit_set is not None and problem.limit_set[pair] >= 0:
            self.in_sets[int(problem.limit_set[pair])] -= 1
        return slot


def top_up(
    problem: AssignmentProblem, solve: SolveResult, slots: Slots, visitor_org: np.ndarray
) -> SolveResult:
    """The solve's plan with the visitors it left out added where every day's places allow,
    and chosen visitors moved to a more valuable pair of theirs where that holds (see the
    module); ``visitor_org``: each visitor's organisation. The result carries the slot each
    chosen pair joins (``pair_slot``)."""
    if not solve.status.has_solution or solve.open_slots is None or problem.slot_host is None:
        return solve
    plan = _Plan(problem, solve, slots)
    orgs: dict[tuple[int, int], int] = {}  # (host, organisation): its chosen visitors there
    for pair in np.flatnonzero(plan.selected).tolist():
        key = (int(problem.pair_host[pair]), int(visitor_org[problem.pair_visitor[pair]]))
        orgs[key] = orgs.get(key, 0) + 1
    added = _add_left_out(plan, visitor_org, orgs)
    moved = _move_visitors(plan, visitor_org, orgs)
    if moved:
        added += _add_left_out(plan, visitor_org, orgs)  # a move may free a place
    swapped = _swap_in_staying(plan, visitor_org, orgs)
    moved += swapped
    if swapped:
        added += _add_left_out(plan, visitor_org, orgs)
    if not (added or moved):
        return replace(solve, pair_slot=plan.slot_of)
    stats = dict(solve.stats)
    stats["top_up_added"] = added
    stats["top_up_moved"] = moved
    before = problem.objective(solve.selected, solve.open_slots)
    stats["top_up_value"] = problem.objective(plan.selected, plan.open) - before
    return replace(
        solve,
        selected=plan.selected,
        open_slots=plan.open,
        pair_slot=plan.slot_of,
        stats=stats,
        shortfalls=tuple(problem.shortfalls(plan.selected)),
    )


def _place(
    plan: _Plan, pair: int, visitor_org: np.ndarray, orgs: dict[tuple[int, int], int]
) -> int:
    """Put ``pair`` in a slot of its host where every rule holds (an open slot first, then a
    join, then a new one; each earliest first): the slot, or -1."""
    problem = plan.problem
    visitor, host = int(problem.pair_visitor[pair]), int(problem.pair_host[pair])
    org = int(visitor_org[visitor])
    if orgs.get((host, org), 0):
        return -1
    sme = bool(problem.visitor_is_sme[visitor])
    if not plan.shared_rows_allow(pair, sme):
        return -1
    fitting = problem.slots_of(pair)
    fitting = fitting[plan.members[fitting] < plan.rooms[fitting]]
    rank = np.lexsort((fitting, problem.new_slots[fitting], ~plan.open[fitting]))
    for slot in fitting[rank].tolist():
        if plan.room_for_one_more(slot, host):
            plan.add(pair, slot, host, sme)
            orgs[(host, org)] = orgs.get((host, org), 0) + 1
            return int(slot)
    return -1


def _add_left_out(plan: _Plan, visitor_org: np.ndarray, orgs: dict[tuple[int, int], int]) -> int:
    """Each visitor left out, its most valuable pair first, joins a slot where it fits."""
    problem = plan.problem
    placed = np.zeros(problem.n_visitors, dtype=bool)
    placed[problem.pair_visitor[plan.selected]] = True
    value = problem.pair_value
    waiting = np.flatnonzero(~placed[problem.pair_visitor])
    added = 0
    for pair in waiting[np.lexsort((waiting, -value[waiting]))].tolist():  # ties: first
        visitor = int(problem.pair_visitor[pair])
        if not placed[visitor] and _place(plan, pair, visitor_org, orgs) >= 0:
            placed[visitor] = True
            added += 1
    return added


def _swap_in_staying(plan: _Plan, visitor_org: np.ndarray, orgs: dict[tuple[int, int], int]) -> int:
    """Each pair left out that stays from earlier nights (on hold, one side accepted, or
    unanswered: a stability bonus), its most valuable first, takes the place of a less
    valuable member of a slot it fits, who then joins another slot where it can, where the
    objective gains (counted whole) and every rule holds (the oracle's audit: a pair the host
    had accepted lost its dates' one place to a new pair, where the solvers' model, counting a
    host's members against every slot it opens, could not keep it beside the host's other
    group). Its number of swaps."""
    problem = plan.problem
    bonus, value = problem.pair_bonus, problem.pair_value
    if bonus is None:
        return 0
    placed = np.zeros(problem.n_visitors, dtype=bool)
    placed[problem.pair_visitor[plan.selected]] = True
    staying = np.flatnonzero((bonus > 0) & ~placed[problem.pair_visitor])
    swaps = 0
    for pair in staying[np.lexsort((staying, -value[staying]))].tolist():
        visitor = int(problem.pair_visitor[pair])
        if placed[visitor]:
            continue
        full = [s for s in problem.slots_of(pair).tolist() if plan.open[s]]
        members = np.flatnonzero(plan.selected & np.isin(plan.slot_of, full))
        for member in members[np.lexsort((members, value[members]))].tolist():
            if value[member] >= value[pair]:
                break
            if _swapped(plan, pair, member, visitor_org, orgs):
                placed[visitor] = True
                swaps += 1
                break
    return swaps


def _swapped(
    plan: _Plan, pair: int, member: int, visitor_org: np.ndarray, orgs: dict[tuple[int, int], int]
) -> bool:
    """``pair`` in place of ``member`` (who joins another slot of its host where it can) where
    the objective gains; else the plan as it was."""
    problem = plan.problem
    before = problem.objective(plan.selected, plan.open)
    host = int(problem.pair_host[member])
    org = int(visitor_org[problem.pair_visitor[member]])
    sme = bool(problem.visitor_is_sme[problem.pair_visitor[member]])
    slot = plan.remove(member, host, sme)
    orgs[(host, org)] -= 1
    if _place(plan, pair, visitor_org, orgs) >= 0:
        again = _place(plan, member, visitor_org, orgs)
        if problem.objective(plan.selected, plan.open) > before:
            return True
        if again >= 0:
            plan.remove(member, host, sme)
            orgs[(host, org)] -= 1
        other_host = int(problem.pair_host[pair])
        other_org = int(visitor_org[problem.pair_visitor[pair]])
        plan.remove(pair, other_host, bool(problem.visitor_is_sme[problem.pair_visitor[pair]]))
        orgs[(other_host, other_org)] -= 1
    plan.add(member, slot, host, sme)
    orgs[(host, org)] += 1
    return False


def _move_visitors(plan: _Plan, visitor_org: np.ndarray, orgs: dict[tuple[int, int], int]) -> int:
    """Each chosen visitor, in pair order, moves to a more valuable pair of its own (another
    host, or its held or unanswered proposal's own dates: :mod:`engine.night.staying`) where
    every day's places and every rule allow and the objective gains (quota shortfalls and
    group bonuses counted); at most one move per visitor."""
    problem = plan.problem
    value = problem.pair_value
    gain_of = _ObjectiveChange(plan)
    pairs_of = np.split(np.argsort(problem.pair_visitor, kind="stable"),
                        np.cumsum(np.bincount(problem.pair_visitor, minlength=problem.n_visitors))[:-1])  # fmt: skip
    moved = 0
    for pair in np.flatnonzero(plan.selected).tolist():
        visitor = int(problem.pair_visitor[pair])
        better = [int(q) for q in pairs_of[visitor] if value[q] > value[pair]]
        for other in sorted(better, key=lambda q: (-int(value[q]), q)):
            if not gain_of.promising(pair, other):
                continue
            host, org = int(problem.pair_host[pair]), int(visitor_org[visitor])
            sme = bool(problem.visitor_is_sme[visitor])
            groups = gain_of.group_part(pair, other)
            slot = plan.remove(pair, host, sme)
            orgs[(host, org)] -= 1
            if _place(plan, other, visitor_org, orgs) >= 0 and gain_of.gained(pair, other, groups):
                gain_of.moved(pair, other)
                moved += 1
                break
            if plan.selected[other]:  # placed, but no gain: undone
                other_host = int(problem.pair_host[other])
                plan.remove(other, other_host, sme)
                orgs[(other_host, org)] -= 1
            plan.add(pair, slot, host, sme)
            orgs[(host, org)] += 1
    return moved


class _ObjectiveChange:
    """What moving a visitor from one of its pairs to another changes in the objective: the
    pairs' values, the quotas' shortfalls (a visitor's quotas are the same whichever host;
    its pairs may count differently, e.g. their chances) and the hosts' group bonuses."""

    def __init__(self, plan: _Plan) -> None:
        problem = plan.problem
        self.plan = plan
        self.problem = problem
        self.contribution = [q.contribution(problem.pair_visitor) for q in problem.quotas]
        self.sums = [int(c[plan.selected].sum()) for c in self.contribution]

    def _quota_change(self, pair: int, other: int) -> int:
        change = 0
        for quota, c, total in zip(self.problem.quotas, self.contribution, self.sums, strict=True):
            d = int(c[other]) - int(c[pair])
            if d:
                before = max(0, quota.need - total)
                change -= quota.penalty * (max(0, quota.need - total - d) - before)
        return change

    def promising(self, pair: int, other: int) -> bool:
        """The values and quotas gain (the group bonuses are counted once placed)."""
        value = self.problem.pair_value
        return int(value[other]) - int(value[pair]) + self._quota_change(pair, other) > 0

    def group_part(self, pair: int, other: int) -> dict[int, int]:
        """The new groups of both pairs' hosts before the move."""
        hosts = (int(self.problem.pair_host[pair]), int(self.problem.pair_host[other]))
        return {host: int(self.plan.new_groups[host]) for host in hosts}

    def gained(self, pair: int, other: int, groups_before: dict[int, int]) -> bool:
        """The move gains: values, quotas and group bonuses (bonus x (members - groups) per
        host, :meth:`solvers.problem.AssignmentProblem.group_bonus_total`)."""
        problem = self.problem
        value = problem.pair_value
        change = int(value[other]) - int(value[pair]) + self._quota_change(pair, other)
        if problem.group_bonus is not None:
            bonus = problem.group_bonus
            change += int(bonus[problem.pair_host[other]]) - int(bonus[problem.pair_host[pair]])
            for host, groups in groups_before.items():
                change -= int(bonus[host]) * (int(self.plan.new_groups[host]) - groups)
        return change > 0

    def moved(self, pair: int, other: int) -> None:
        self.sums = [
            t + int(c[other]) - int(c[pair])
            for c, t in zip(self.contribution, self.sums, strict=True)
        ]
