"""A greedy assignment that respects every hard rule: the baseline and the CP-SAT warm start.

1. Quotas first: for each quota (largest need first), take its members' best pairs while
   the visitor is free and the host has room, until the need is met.
2. Then every remaining pair by decreasing score.
3. Repair the SME share: drop the lowest-scored non-SME proposal and give the freed room to
   the best free SME pair, until the share holds (dropping alone always ends feasible).
"""

from __future__ import annotations

import time

import numpy as np

from solvers.problem import AssignmentProblem, SolveResult, SolveStatus


def solve_greedy(problem: AssignmentProblem, seed: int = 0) -> SolveResult:
    started = time.perf_counter()
    order = np.lexsort((np.arange(problem.n_pairs), -problem.pair_score))  # stable, by score
    selected = np.zeros(problem.n_pairs, dtype=bool)
    visitor_taken = np.zeros(problem.n_visitors, dtype=bool)
    host_load = np.zeros(problem.n_hosts, dtype=np.int64)
    visitors, hosts = problem.pair_visitor, problem.pair_host

    def take(pair: int) -> bool:
        v, h = visitors[pair], hosts[pair]
        if visitor_taken[v] or host_load[h] >= problem.host_capacity[h]:
            return False
        selected[pair] = True
        visitor_taken[v] = True
        host_load[h] += 1
        return True

    for quota in sorted(problem.quotas, key=lambda q: -q.need):
        met = int(quota.members[visitors[selected]].sum())
        for pair in order[quota.members[visitors[order]]]:
            if met >= quota.need:
                break
            met += take(int(pair))
    for pair in order:
        take(int(pair))

    _repair_sme_share(problem, order, selected, visitor_taken, host_load)
    objective = problem.objective(selected)
    return SolveResult(
        solver="greedy",
        status=SolveStatus.FEASIBLE,
        selected=selected,
        objective=objective,
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
    smes = int(is_sme_pair[selected].sum())
    total = int(selected.sum())
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
