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

from solvers.problem import AssignmentProblem, SolveResult, SolveStatus


class _Assignment:
    """A partial assignment that only ever grows by pairs that keep every hard rule but SME."""

    def __init__(self, problem: AssignmentProblem):
        self.problem = problem
        self.selected = np.zeros(problem.n_pairs, dtype=bool)
        self.visitor_taken = np.zeros(problem.n_visitors, dtype=bool)
        self.host_load = np.zeros(problem.n_hosts, dtype=np.int64)

    def take(self, pair: int) -> bool:
        v, h = self.problem.pair_visitor[pair], self.problem.pair_host[pair]
        if self.visitor_taken[v] or self.host_load[h] >= self.problem.host_capacity[h]:
            return False
        self.selected[pair] = True
        self.visitor_taken[v] = True
        self.host_load[h] += 1
        return True

    def fill(self, order: np.ndarray) -> None:
        for pair in order:
            self.take(int(pair))

    def fill_quotas(self, order: np.ndarray) -> None:
        visitors = self.problem.pair_visitor
        for quota in sorted(self.problem.quotas, key=lambda q: -q.need):
            met = int(quota.members[visitors[self.selected]].sum())
            for pair in order[quota.members[visitors[order]]]:
                if met >= quota.need:
                    break
                met += self.take(int(pair))

    def finish(self, order: np.ndarray) -> np.ndarray:
        _repair_sme_share(self.problem, order, self.selected, self.visitor_taken, self.host_load)
        return self.selected


def score_order(problem: AssignmentProblem) -> np.ndarray:
    """Pairs by decreasing value, ties by index (deterministic)."""
    return np.lexsort((np.arange(problem.n_pairs), -problem.pair_value))


def greedy_selection(problem: AssignmentProblem) -> np.ndarray:
    order = score_order(problem)
    assignment = _Assignment(problem)
    assignment.fill_quotas(order)
    assignment.fill(order)
    return assignment.finish(order)


def round_relaxation(problem: AssignmentProblem, values: np.ndarray) -> np.ndarray:
    """Keep the pairs the LP chose (largest value first), then complete greedily by score."""
    order = score_order(problem)
    by_value = np.lexsort((np.arange(problem.n_pairs), -problem.pair_value, -values))
    assignment = _Assignment(problem)
    assignment.fill(by_value[values[by_value] > 0.5])
    assignment.fill_quotas(order)
    assignment.fill(order)
    return assignment.finish(order)


def solve_greedy(problem: AssignmentProblem, seed: int = 0) -> SolveResult:
    started = time.perf_counter()
    selected = greedy_selection(problem)
    return SolveResult(
        solver="greedy",
        status=SolveStatus.FEASIBLE,
        selected=selected,
        objective=problem.objective(selected),
        best_bound=None,
        wall_time_s=time.perf_counter() - started,
        seed=seed,
        workers=1,
        shortfalls=tuple(problem.shortfalls(selected)),
    )


def _repair_sme_share(
    problem: AssignmentProblem,
    order: np.ndarray,
    selected: np.ndarray,
    visitor_taken: np.ndarray,
    host_load: np.ndarray,
) -> None:
    share = problem.min_sme_share
    visitors, hosts = problem.pair_visitor, problem.pair_host
    is_sme_pair = problem.visitor_is_sme[visitors]
    smes = int(is_sme_pair[selected].sum()) + problem.fixed_smes
    total = int(selected.sum()) + problem.fixed_total
    droppable = [int(p) for p in order[::-1] if selected[p] and not is_sme_pair[p]]
    sme_pairs = [int(p) for p in order if is_sme_pair[p]]
    cursor = 0
    while smes * share.denominator < share.numerator * total and droppable:
        dropped = droppable.pop(0)
        selected[dropped] = False
        visitor_taken[visitors[dropped]] = False
        host_load[hosts[dropped]] -= 1
        total -= 1
        # give the freed room to the best SME pair that fits anywhere now
        while cursor < len(sme_pairs):
            pair = sme_pairs[cursor]
            v, h = visitors[pair], hosts[pair]
            if not visitor_taken[v] and host_load[h] < problem.host_capacity[h]:
                selected[pair] = True
                visitor_taken[v] = True
                host_load[h] += 1
                smes += 1
                total += 1
                break
            cursor += 1
