"""A neighbourhood of a solution: a few hosts re-opened, everything else kept as it is.

``sub_problem(problem, solution, hosts)`` frees the listed hosts: their slots, their members
and every visitor who is free or already with one of them; every other chosen pair stays.
What stays enters the sub-problem's rows as constants, so the sub-problem keeps every rule
exactly: the SME share (``fixed_smes``, ``fixed_total``, ``expected_offset``), each quota's
need less what the kept pairs bring, each cap's limit less their cost, each limited set's
limit less their count. The sub-problem has only the neighbourhood's hosts and visitors,
renumbered.

The objective of a full solution is the sub-problem's objective plus a constant (the kept
pairs' value and their hosts' group bonus), so a better sub-solution is a better solution
(``merge`` puts it back).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from solvers.problem import AssignmentProblem
from solvers.result import Solution


@dataclass(frozen=True)
class Neighbourhood:
    problem: AssignmentProblem  # the sub-problem
    pairs: np.ndarray  # its pairs' indices in the full problem
    slots: np.ndarray  # its slots' indices in the full problem
    start: Solution  # the incumbent restricted to it (a feasible sub-solution)


@dataclass(frozen=True)
class Held:
    """Room in the rows every pair shares that a neighbourhood may not use: kept for the
    neighbourhoods solved alongside it (``solvers.lns``), so that each one's sub-solution
    still keeps the rules once the others' are merged."""

    share: int = 0  # of the SME share's margin in proposals (den x SMEs - num x proposals)
    expected: int = 0  # of the SME share's margin in expectation
    caps: tuple[int, ...] = ()  # of each cap's room
    sets: np.ndarray | None = None  # bool per limited set: no more chosen than it has now


def sub_problem(
    problem: AssignmentProblem,
    solution: Solution,
    hosts: np.ndarray,
    others: np.ndarray | None = None,
    held: Held | None = None,
) -> Neighbourhood:
    """The neighbourhood of ``solution`` that re-opens ``hosts`` (bool per host), without the
    visitors in ``others`` (bool per visitor: those of a neighbourhood solved alongside; a
    free one stays free here) and the room ``held`` for such neighbourhoods."""
    selected, open_slots = solution
    inside_host = hosts[problem.pair_host]
    kept = selected & ~inside_host  # chosen pairs that stay
    busy = np.zeros(problem.n_visitors, dtype=bool) if others is None else others.copy()
    busy[problem.pair_visitor[selected & inside_host]] = False  # its members stay its own
    busy[problem.pair_visitor[kept]] = True
    keep = inside_host & ~busy[problem.pair_visitor]
    pairs = np.flatnonzero(keep)
    # only the neighbourhood's visitors and hosts, renumbered
    visitors = np.unique(problem.pair_visitor[pairs])
    host_ids = np.flatnonzero(hosts)
    visitor_index = np.searchsorted(visitors, problem.pair_visitor[pairs])
    host_index = np.searchsorted(host_ids, problem.pair_host[pairs])
    share = problem.min_sme_share
    is_sme = problem.visitor_is_sme[problem.pair_visitor]
    smes = int(is_sme[kept].sum())
    stay = np.flatnonzero(kept)
    sub = replace(
        problem.restricted(pairs),
        pair_visitor=visitor_index,
        pair_host=host_index,
        host_capacity=problem.host_capacity[host_ids],
        visitor_is_sme=problem.visitor_is_sme[visitors],
        fixed_smes=problem.fixed_smes + smes,
        fixed_total=problem.fixed_total + int(kept.sum()),
        quotas=tuple(
            replace(
                quota,
                members=quota.members[visitors],
                need=max(0, quota.need - quota.counted(problem.pair_visitor, stay)),
                pair_weight=None if quota.pair_weight is None else quota.pair_weight[pairs],
            )
            for quota in problem.quotas
        ),
        caps=tuple(
            replace(cap, cost=cap.cost[pairs], limit=cap.limit - int(cap.cost[stay].sum()))
            for cap in problem.caps
        ),
    )
    if problem.limit_set is not None and problem.set_limit is not None:
        inside = problem.limit_set[kept]
        used = np.bincount(inside[inside >= 0], minlength=len(problem.set_limit))
        sub = replace(sub, set_limit=problem.set_limit - used)
    if problem.expected_weight is not None:
        # the kept pairs' expected margin, beyond the one their count adds as fixed exchanges
        weights = problem.expected_weight[kept].astype(np.int64)
        margin = int(
            (
                weights
                * np.where(is_sme[kept], share.denominator - share.numerator, -share.numerator)
            ).sum()
        )
        counted = (
            share.denominator * smes - share.numerator * int(kept.sum())
        ) * problem.expected_fixed
        sub = replace(sub, expected_offset=problem.expected_offset + margin - counted)
    slots = np.zeros(0, dtype=np.int64)
    if problem.slot_host is not None and problem.slot_indptr is not None:
        assert problem.pair_slots is not None
        slots = np.flatnonzero(hosts[problem.slot_host])
        position = np.full(problem.n_slots, -1, dtype=np.int64)
        position[slots] = np.arange(len(slots))
        counts = np.diff(problem.slot_indptr)
        entry_kept = np.repeat(keep, counts)
        sub = replace(
            sub,
            slot_host=np.searchsorted(host_ids, problem.slot_host[slots]),
            slot_indptr=np.concatenate([[0], np.cumsum(counts[keep])]).astype(np.int64),
            pair_slots=position[problem.pair_slots[entry_kept]],
            group_bonus=None if problem.group_bonus is None else problem.group_bonus[host_ids],
            slot_room=None if problem.slot_room is None else problem.slot_room[slots],
            slot_new=None if problem.slot_new is None else problem.slot_new[slots],
        )
    if held is not None:
        sub = _hold(sub, held, selected[pairs])
    start_slots = None if open_slots is None else open_slots[slots]
    return Neighbourhood(sub, pairs, slots, (selected[pairs], start_slots))


def _hold(sub: AssignmentProblem, held: Held, start: np.ndarray) -> AssignmentProblem:
    """``sub`` with the room ``held`` taken from its shared rows: the SME share's as fixed
    exchanges of non-SMEs (at most the margin held: each takes ``num`` of it), in expectation
    through the offset, the caps' from their limits, and no limited set of ``held.sets``
    gaining a pair over ``start`` (the sub-problem's own start, which keeps them all)."""
    share = sub.min_sme_share
    phantoms = held.share // share.numerator if share.numerator and held.share > 0 else 0
    offset = phantoms * share.numerator * sub.expected_fixed - held.expected
    sub = replace(
        sub,
        fixed_total=sub.fixed_total + phantoms,
        expected_offset=sub.expected_offset + offset,
        caps=tuple(
            replace(cap, limit=cap.limit - room)
            for cap, room in zip(sub.caps, held.caps or [0] * len(sub.caps), strict=True)
        ),
    )
    if held.sets is not None and sub.limit_set is not None and sub.set_limit is not None:
        inside = sub.limit_set[start]
        used = np.bincount(inside[inside >= 0], minlength=len(sub.set_limit))
        sub = replace(
            sub, set_limit=np.where(held.sets, np.minimum(sub.set_limit, used), sub.set_limit)
        )
    return sub


def merge(
    problem: AssignmentProblem, solution: Solution, part: Neighbourhood, found: Solution
) -> Solution:
    """``solution`` with the neighbourhood's pairs and slots replaced by ``found``."""
    selected, open_slots = solution
    chosen, opened = found
    selected = selected.copy()
    selected[part.pairs] = chosen
    if open_slots is not None and opened is not None:
        open_slots = open_slots.copy()
        open_slots[part.slots] = opened
    return selected, open_slots
