"""The refit: with the open slots fixed, what remains of the dated model is a plain assignment
(``solvers.plain``), re-chosen over the pairs fitting them; and the plain problem without the
slot layer, whose optimum bounds the slotted one (``without_slots``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.problem import AssignmentProblem
from solvers.result import Solution


def without_slots(
    problem: AssignmentProblem, keep: np.ndarray, bonus_all: bool = False
) -> AssignmentProblem:
    """The plain problem over ``keep``. With ``bonus_all`` every pair earns its host's group
    bonus times (1 - 1/capacity), rounded up: at least the bonus its group earns, so the
    plain optimum bounds the slotted one (the whole bonus at a host with an accepted group
    to join, where a member may open no group)."""
    plain = problem.restricted(keep)
    if not bonus_all or problem.group_bonus is None:
        return plain
    hosts = problem.pair_host[keep]
    capacity = np.maximum(problem.host_capacity[hosts], 1)
    assert problem.slot_host is not None
    joinable = np.bincount(problem.slot_host[~problem.new_slots], minlength=problem.n_hosts) > 0
    share = np.where(joinable[hosts], 1.0, 1 - 1 / capacity)
    extra = np.ceil(problem.group_bonus[hosts] * share).astype(np.int64)
    base = (
        np.zeros(int(keep.sum()), dtype=np.int64) if plain.pair_bonus is None else plain.pair_bonus
    )
    return replace(plain, pair_bonus=base + extra)


def refit(
    problem: AssignmentProblem,
    open_slots: np.ndarray,
    options: SolverOptions,
    time_limit_s: float,
    start: np.ndarray | None = None,
) -> Solution | None:
    """With the open slots fixed, solve the plain assignment over the pairs fitting them,
    from ``start`` (chosen pairs that fit them) when given: then never worse than it."""
    keep = problem.fitting(open_slots)
    if not keep.any():
        return None
    plain = without_slots(problem, keep)
    if problem.group_bonus is not None:  # each member earns its host's bonus
        earned = problem.group_bonus[plain.pair_host].astype(np.int64)
        plain = replace(
            plain, pair_bonus=earned + (0 if plain.pair_bonus is None else plain.pair_bonus)
        )
    fixed = replace(plain, host_capacity=problem.host_limits(open_slots))
    sub = solve_plain(
        fixed,
        replace(options, time_limit_s=max(1.0, time_limit_s)),
        None if start is None else start[keep],
    )
    if not sub.status.has_solution:
        return None
    chosen = np.zeros(problem.n_pairs, dtype=bool)
    chosen[np.flatnonzero(keep)[sub.selected]] = True
    used = open_slots & (problem.slot_mass(chosen.astype(float)) > 0)
    return chosen, used
