"""With the open slots fixed, what remains of the dated model is a plain assignment over the
pairs fitting them: the refit re-chooses it with the plain solver (``solvers.plain``), the
polish (``polish``) from the incumbent by an LP and a MIP over the pairs where they differ.
And the plain problem without the slot layer, whose optimum bounds the slotted one
(``without_slots``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

from solvers.highs_mip import highs_module, solve_mip
from solvers.lp_model import LpRows
from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.problem import AssignmentProblem
from solvers.result import Solution

log = logging.getLogger(__name__)

# the polish (``polish``): the LP's share of its work; a pair agrees with the incumbent where
# its LP value is within AGREE of the incumbent's 0 or 1; at most MOST_FREE pairs go to the MIP
LP_SHARE = 0.8
AGREE = 1e-6
MOST_FREE = 5_000
# its LP's work: per dual simplex iteration and row, and per pair fitting the slots (building
# the rows, reading the answer); its iterations per such pair were 0.28 to 0.35 at 800 to
# 5,000 tight visitors (1,589 of 5,584 pairs to 12,126 of 36,118; 1.41 s at 5,000, unloaded);
# then per call back and nonzero of its MIP, as the group IP's windows (``solvers.group_ip``)
POLISH_SECONDS_PER_ROW_ITERATION = 1.8e-8
POLISH_SECONDS_PER_PAIR = 1e-5
ITERATIONS_PER_PAIR = 0.35
MIP_SECONDS_PER_CALL_NONZERO = 2.5e-6


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
    fixed = _with_slots_fixed(problem, open_slots, keep)
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


def _with_slots_fixed(
    problem: AssignmentProblem, open_slots: np.ndarray, keep: np.ndarray
) -> AssignmentProblem:
    """The plain problem over the pairs ``keep`` fitting ``open_slots``: each member earns its
    host's group bonus, each host takes at most what its open slots hold."""
    plain = without_slots(problem, keep)
    if problem.group_bonus is not None:  # each member earns its host's bonus
        earned = problem.group_bonus[plain.pair_host].astype(np.int64)
        plain = replace(
            plain, pair_bonus=earned + (0 if plain.pair_bonus is None else plain.pair_bonus)
        )
    return replace(plain, host_capacity=problem.host_limits(open_slots))


@dataclass(frozen=True)
class Polish:
    solution: Solution | None  # better than the incumbent, or None
    work_s: float  # the LP's iterations and HiGHS' call backs, as seconds
    free: int  # pairs the MIP chose among (where the LP and the incumbent differ)
    cut: bool  # the wall-clock deadline stopped it


def polish(
    problem: AssignmentProblem,
    incumbent: Solution,
    work_s: float,
    seed: int = 0,
    deadline: float | None = None,
) -> Polish:
    """The incumbent's open slots fixed, its members re-chosen across every host at once: the
    LP over the pairs fitting those slots (HiGHS' dual simplex: a vertex, nearly integral
    where the side rows are few), then HiGHS' MIP over the pairs where that LP and the
    incumbent differ, every other pair as the incumbent has it, from the incumbent. At 5,000
    tight visitors (seed 11, the 60 s answer) the LP left 62 pairs fractional and 353 pairs
    differed: the MIP over them closed in 0.6 s, 411,000 units (0.25%) above the incumbent and
    7,000 below the optimum with those slots (HiGHS on all 36,000 pairs, 120 s); the search's
    neighbourhoods of a few hosts miss such moves, which trade the SME share's margin and
    the quotas across many hosts."""
    selected, open_slots = incumbent
    highs = highs_module()
    if open_slots is None or highs is None:
        return Polish(None, 0.0, 0, False)
    keep = problem.fitting(open_slots)
    if not polish_fits(problem, open_slots, work_s, keep):
        return Polish(None, 0.0, 0, False)
    fixed = _with_slots_fixed(problem, open_slots, keep)
    rows = LpRows(fixed)
    every = np.arange(fixed.n_pairs)
    lp_work = LP_SHARE * work_s
    cap = _iterations(lp_work, rows.n_rows)
    lp = rows.solve(every, {"maxiter": cap})
    spent = min(
        lp_work,
        rows.iterations * rows.n_rows * POLISH_SECONDS_PER_ROW_ITERATION
        + POLISH_SECONDS_PER_PAIR * fixed.n_pairs,
    )
    log.debug(
        "polish LP: %d pairs, %d rows, %d iterations (cap %d), %s",
        *(fixed.n_pairs, rows.n_rows, rows.iterations, cap),
        "solved" if lp is not None else "not solved",
    )
    if lp is None:
        return Polish(None, lp_work, 0, False)
    start = selected[keep]
    values = lp[1]
    differs = np.flatnonzero(np.where(start, values < 1 - AGREE, values > AGREE))
    if not len(differs) or len(differs) > MOST_FREE:
        return Polish(None, spent, len(differs), False)
    # the MIP over the differing pairs: the others' rows taken as the incumbent has them
    matrix = rows.matrix(differs).tocsc()
    held = start.copy()
    held[differs] = False
    rhs = rows.rhs - rows.pairs_by_row.T @ held.astype(np.float64)
    q = len(rows.needs)
    shortfalls = np.array(fixed.shortfalls(start), dtype=np.float64)
    answer = solve_mip(
        highs,
        (-rows.cost(differs), matrix, rhs),
        (np.zeros(len(differs) + q), np.concatenate([np.ones(len(differs)), rows.needs])),
        np.concatenate([start[differs].astype(np.float64), shortfalls]),
        work_s=work_s - spent,
        per_call=max(1, matrix.nnz) * MIP_SECONDS_PER_CALL_NONZERO,
        seed=seed,
        deadline=deadline,
    )
    spent += answer.calls * max(1, matrix.nnz) * MIP_SECONDS_PER_CALL_NONZERO
    if answer.values is None:
        return Polish(None, spent, len(differs), answer.cut)
    chosen_plain = held.copy()
    chosen_plain[differs] = answer.values[: len(differs)] > 0.5
    chosen = np.zeros(problem.n_pairs, dtype=bool)
    chosen[np.flatnonzero(keep)[chosen_plain]] = True
    used = open_slots & (problem.slot_mass(chosen.astype(float)) > 0)
    gained = problem.objective(chosen, used) > problem.objective(selected, open_slots)
    better = gained and problem.keeps_rules(chosen, used)
    return Polish((chosen, used) if better else None, spent, len(differs), answer.cut)


def polish_fits(
    problem: AssignmentProblem,
    open_slots: np.ndarray,
    work_s: float,
    keep: np.ndarray | None = None,
) -> bool:
    """The polish's LP expected to end within its share of ``work_s`` (at 5,000 tight
    visitors in 30 s it would not: its LP cut short, the work lost to the search)."""
    return polish_need(problem, open_slots, keep) <= work_s


def polish_need(
    problem: AssignmentProblem, open_slots: np.ndarray, keep: np.ndarray | None = None
) -> float:
    """The least work the polish fits in with these open slots: its LP's predicted work
    (dual simplex iterations as pairs, each costing the rows) over its share of the work."""
    pairs = int((problem.fitting(open_slots) if keep is None else keep).sum())
    rows = problem.n_visitors + problem.n_hosts
    iterations = ITERATIONS_PER_PAIR * pairs
    predicted = iterations * rows * POLISH_SECONDS_PER_ROW_ITERATION
    return (predicted + POLISH_SECONDS_PER_PAIR * pairs) / LP_SHARE


def _iterations(work_s: float, n_rows: int) -> int:
    """The dual simplex's iteration cap for ``work_s`` seconds of work."""
    cap = work_s / (max(n_rows, 1) * POLISH_SECONDS_PER_ROW_ITERATION)
    return int(np.clip(cap, 1, 2**31 - 1))
