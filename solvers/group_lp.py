"""The LP over whole groups, by column generation: the dated model's bound and slot choice.

A column is a *group*: a host, the slot it opens and its members (at most the slot's room).
The master LP chooses groups, at most one per host, each visitor at most once, under the side
rows of ``solvers.lp_model`` (SME share, quotas with their shortfall, caps, limited sets, the
expected SME share), each group weighing what its members weigh. New groups are priced by
their host (``solvers.lagrangian.HostGroups``: each host's best group under the duals,
exactly), so the LP needs no row per pair and slot: its rows are the visitors, the hosts and
the side rows, its columns the groups generated so far.

This LP is tighter than the LP with the slot layer (``solvers.slot_lp``), where a host may
fill one fractional slot with pairs of another. Every round's duals give an honest bound
whatever the master (``L(lam)``, ``solvers.lagrangian``): no assignment is worth more. The
master's solution says, per host, how much of each slot the LP opens: the slot choice that
the search re-solves (``solvers.slotted``).

Stabilised (box step): the master's prices are kept within ``BOX_WIDTH`` of the prices that
gave the best bound so far, by a column per relaxed row that sells the row's room at the box's
low price and one that buys room at its high price. A restricted master alone swings its
prices far from any good ones (most visitor rows are slack or degenerate) and its first
rounds' groups price nothing useful: at 5,000 tight visitors the bound stayed at its start for
six rounds. The boxed master's value is the least of the master's model of L over the box, so
the stopping rule (that value within the tolerance of the best bound) still proves the bound
near the LP's optimum; where the box still binds then, the rounds go on without it, to the
LP's own optimum and weights.

Budget: HiGHS gets an iteration cap per master (``highs_limits``: work, not wall time) and
the rounds stop when the bound is within the tolerance of the master, when no group is worth
adding, after ``max_rounds``, or at the wall-clock ``deadline`` (the safety net).
"""

from __future__ import annotations

import copy
import logging
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import OptimizeResult, OptimizeWarning, linprog

from solvers.group_pool import GroupPool
from solvers.lagrangian import HostGroups, lagrangian_value
from solvers.lp_model import LpRows
from solvers.problem import AssignmentProblem
from solvers.result import Solution

log = logging.getLogger(__name__)

PRICE_TOLERANCE = 1e-6
GROUP_TOLERANCE = 1e-5  # stop once the bound is within this share of the master LP
# pricing duals: these shares of the best duals, the rest the master's (at 5,000 tight
# visitors, 13 rounds: the master's duals alone left the bound where it started, a share of
# 0.8 brought it 0.47% down; each pricing costs a tenth of a master)
SMOOTHING = (0.8, 0.5, 0.2)
# new columns per host and round: its best group (3: 2x the groups, 1.5x the time per bound)
GROUPS_PER_HOST = 1
# the first master: every slot's best group under the starting prices (a rich first master
# gives useful duals from its first round)
FIRST_GROUPS_PER_HOST = 1_000
# groups out of the master's solution whose reduced cost is below -PURGE x the mean group
# value leave the master (pricing may bring them back; the group IP gets them all back at the
# end, ``GroupPool.restore``): a master of fewer nonzeros, so more rounds within the same
# work. Each round's bound is as without it (seed 11, round 10: -164.128 M against -164.125
# M), but at 5,000 tight visitors, 34.6 s of solver work, 13 rounds instead of 11, their
# wall 17.0 s instead of 14.0 s (the work they were counted at: 17.3 s): mean gaps 0.56% ->
# 0.45% over eight seeds and 0.54% -> 0.33% over four untuned ones, the bound tighter at
# each of the twelve. Tried 0.02: 0.455 / 0.329%; 0.1: 0.345% over the four; 0.3 and 1
# (without the restore): 0.455 and 0.524% over the eight. At 5,000 generated visitors little
# changes (1.52 M units from the bound against 1.48 M), at 20,000 (two rounds) nothing
PURGE = 0.05
# HiGHS' interior point (each master from scratch: SciPy has no warm start; measured at
# 5,000 tight visitors, 25,000 groups: 40 iterations in 2.5 s, dual simplex 15,000 in 6 s; a
# warm-started simplex through highspy took 45,000 iterations, 22 s, for the second master)
METHOD = "highs-ipm"
# the box's half-width around the best prices, in mean pair values (its values are
# objective units). Tuned at 5,000 tight visitors (seed 3, 20.8 s of work; the bound converged
# in 60 s is -181.70 M): no box -179.45 M after 8 rounds; widths 0.25 / 0.5 / 1 / 2 gave
# -181.28 / -181.36 / -181.37 / -181.42 M after 9 to 11 rounds; a width proportional to the
# price (0.1 to 0.5 of it) did worse (-180.4 to -181.3 M). Infinite: no box
BOX_WIDTH = 1.0
# Its work, in seconds: per iteration, nonzero and row^ROW_POWER of the master (each master
# counting ROUND_ITERATIONS more for what HiGHS does beyond its iterations: presolve and the
# like), and per round the pricing, per pair. Fitted unloaded on 44 masters at 800, 1,500 and
# 5,000 tight visitors (1,095 to 6,454 rows, 14,000 to 380,000 nonzeros: 6e-8 to 2.4e-7 s per
# nonzero-iteration; the rounds besides the masters took 1.5e-6 to 2.2e-6 s per pair); the
# boxed masters take 0.58 to 0.69 of that (61 masters at 800, 1,500 and 5,000 tight visitors,
# seed 3) and the rounds besides them 1.2e-6 to 1.4e-6 s per pair
SECONDS_PER_NONZERO_ITERATION = 3.1e-10
ROW_POWER = 0.7
ROUND_ITERATIONS = 20
PRICING_S_PER_PAIR = 1.4e-6
# a master needs about this many (the interior point took 28 to 39 at 800 to 5,000 visitors)
MASTER_ITERATIONS = 40
MAX_ROUNDS = 30
MAX_ITERATIONS = 1_000_000  # HiGHS takes an int32 (a small master's budget may not fit)
# no crossover to a vertex after the interior point: the prices need not be a vertex's (every
# bound is L(prices)) and the slot choice reads the weights (at 5,000 tight visitors, loaded:
# 5.4 s a master instead of 10.4 s); SciPy passes the option to HiGHS as it is
HIGHS_EXTRA = {"run_crossover": "off"}
# the prices only need to be good, not exact: every bound is L(prices), valid whatever they are
IPM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GroupBound:
    bound: float  # the least L(duals) seen: no assignment is worth more
    master: float  # the last master LP's value (a lower estimate of the group LP)
    slot_mass: np.ndarray  # (n_slots,) the master's weight on groups of each slot
    pair_mass: np.ndarray  # (n_pairs,) the master's weight on groups holding each pair
    duals: np.ndarray  # (rows of LpRows,) the prices that gave the bound
    rounds: int
    groups: int  # columns of the last master
    wall_time_s: float
    cut: bool  # the wall-clock deadline ended the rounds
    work_s: float = 0.0  # HiGHS work the rounds took (iterations x nonzeros, as seconds)
    pool: GroupPool | None = None  # every group the rounds generated, the purged ones back
    # the rounds where the work budget stopped them, to go on (None: converged or cut)
    resumable: GroupRounds | None = None


def integer_bound(value: float) -> int:
    """The integer objective a group LP bound proves: no assignment (integer values) scores
    more than its floor, less a relative allowance for the floating point of its sums."""
    return math.floor(value + 1e-6 + 1e-9 * abs(value))


def group_bound(
    problem: AssignmentProblem,
    start_duals: np.ndarray | None,
    solutions: list[Solution],
    *,
    max_rounds: int = MAX_ROUNDS,
    work_s: float | None = None,
    deadline: float | None = None,
    tolerance: float = GROUP_TOLERANCE,
) -> GroupBound | None:
    """Column generation from the groups of ``solutions`` and the hosts' best groups under
    ``start_duals`` (rows of ``LpRows``, e.g. the slot-free LP's). ``work_s``: the seconds
    of HiGHS work the rounds may take together (an iteration cap, see ``highs_limits``)."""
    rounds = GroupRounds(problem, start_duals, solutions, max_rounds, tolerance)
    rounds.run(work_s, deadline)
    return rounds.result()


class GroupRounds:
    """The column generation's state between rounds: it runs within a work budget, and a
    copy (``resumable``, taken where the budget stopped it) goes on later, or in another
    thread, to a tighter bound (``run`` again with more work)."""

    def __init__(
        self,
        problem: AssignmentProblem,
        start_duals: np.ndarray | None,
        solutions: list[Solution],
        max_rounds: int = MAX_ROUNDS,
        tolerance: float = GROUP_TOLERANCE,
    ):
        self.started = time.perf_counter()
        self.problem, self.max_rounds, self.tolerance = problem, max_rounds, tolerance
        self.rows = LpRows(problem)
        self.groups = HostGroups(problem, self.rows)
        self.columns = GroupPool(problem, self.rows, self.groups)
        for solution in solutions:
            self.columns.add_solution(solution)
        self.relaxed, self.rhs = master_rows(self.rows)
        # the box's half-width (objective units) while the rounds are boxed
        self.width = BOX_WIDTH * max(1.0, float(np.abs(self.rows.value).mean()))
        self.best_bound, self.best_duals = np.inf, np.zeros(self.rows.n_rows)
        # work in units of a nonzero-iteration of a master (its rows are always the same)
        self.unit = SECONDS_PER_NONZERO_ITERATION * self.rows.n_rows**ROW_POWER
        self.pricing = PRICING_S_PER_PAIR * problem.n_pairs / self.unit
        self.used = 0.0
        duals = np.zeros(self.rows.n_rows) if start_duals is None else np.maximum(0.0, start_duals)
        self.duals = np.where(self.relaxed, duals, 0.0)
        self.last: tuple[float, np.ndarray, int] | None = None
        self.rounds, self.cut, self.boxed = 0, False, False
        self.boxing = bool(np.isfinite(BOX_WIDTH))
        self.priced, self.added = False, 0  # the current duals priced, and what that added
        self.done = False  # converged (or nothing left to price, or out of rounds)
        self.failed = False  # no master solved (no bound worth reporting)
        self.resumable: GroupRounds | None = None  # a copy where the budget stopped the rounds

    def run(self, work_s: float | None, deadline: float | None) -> float:
        """Rounds until converged or ``work_s`` more work (None: no cap) or the wall-clock
        ``deadline``; the best bound so far."""
        budget = None if work_s is None else self.used + work_s / self.unit
        rows, columns = self.rows, self.columns
        while not self.done:
            if not self.priced:
                self._price()
            if self.last is not None and (
                not self.added
                or self.best_bound - self.last[0] <= self.tolerance * max(1.0, abs(self.best_bound))
                or self.rounds >= self.max_rounds
            ):
                if not (self.boxing and self.boxed) or self.rounds >= self.max_rounds:
                    self.done = True
                    break
                # the box bound the last master: on without it, to the LP's own optimum (the
                # box step's stop proves the best prices only near-optimal: at 800 and 1,500
                # tight visitors, seed 11, 0.014% and 0.011% above the unboxed LP) and its
                # weights
                self.boxing = False
            if deadline is not None and time.perf_counter() > deadline:
                self.cut = self.last is not None
                self.failed = self.last is None
                break
            if budget is not None and self.used >= budget:
                self.resumable = self.copy()
                break
            if not columns.host:  # nothing worth a group: the master holds only shortfalls
                self.last = (-float((rows.needs * rows.penalty).sum()), np.zeros(0), 0)
                self.done = True
                break
            matrix, value = columns.master()
            limits: dict[str, float | int] = {}
            if budget is not None:
                left = (budget - self.used - self.pricing) / max(1, matrix.nnz)
                if self.last is not None and left < MASTER_ITERATIONS:
                    # a master cut short gives no prices: the work goes to the search
                    self.resumable = self.copy()
                    break
                limits["maxiter"] = int(np.clip(left, 1, MAX_ITERATIONS))
            if deadline is not None:
                limits["time_limit"] = max(0.05, deadline - time.perf_counter())
            if not self._solve_master(matrix, value, limits, deadline):
                break
        return self.best_bound

    def _price(self) -> None:
        """Price at the master's duals and at their blend with the best so far (stabilised):
        each host's best groups join the master, and each pricing proves a bound."""
        rows, problem = self.rows, self.problem
        host_dual = self.duals[problem.n_visitors : rows.side_start]
        added = 0
        tries = [self.duals]
        if self.last is not None:
            tries += [share * self.best_duals + (1 - share) * self.duals for share in SMOOTHING]
        for prices in tries:
            prices = np.where(self.relaxed, prices, 0.0)
            bound = lagrangian_value(rows, self.groups, prices)
            if bound < self.best_bound:
                self.best_bound, self.best_duals = bound, prices.copy()
            added += sum(
                self.columns.add(host, slot, members)
                for host, slot, members in self.groups.groups(
                    GROUPS_PER_HOST if self.last is not None else FIRST_GROUPS_PER_HOST,
                    host_dual if self.last is not None else np.zeros_like(host_dual),
                )
            )
        self.priced, self.added = True, added

    def _solve_master(
        self,
        matrix: sparse.csc_matrix,
        value: np.ndarray,
        limits: dict[str, float | int],
        deadline: float | None,
    ) -> bool:
        """One master: its duals for the next pricing, its purge; False where it stopped the
        rounds (not solved)."""
        rows, k = self.rows, len(value)
        box = None
        if self.boxing and np.isfinite(self.best_bound):
            box = (np.maximum(0.0, self.best_duals - self.width), self.best_duals + self.width)
        with warnings.catch_warnings():  # SciPy warns that it passes HIGHS_EXTRA on verbatim
            warnings.simplefilter("ignore", OptimizeWarning)
            result = _master(matrix, value, rows, self.rhs, limits, self.relaxed, box)
        iterations = int(getattr(result, "nit", 0) or 0)
        self.used += (iterations + ROUND_ITERATIONS) * matrix.nnz + self.pricing
        log.debug(
            "group LP round %d: %d groups, %d nonzeros, %s iterations, %.2f s, bound %.1f",
            self.rounds,
            k,
            matrix.nnz,
            iterations,
            time.perf_counter() - self.started,
            self.best_bound,
        )
        self.rounds += 1
        if result.status != 0:
            log.info("group LP stopped: %s", result.message)
            self.cut = deadline is not None and time.perf_counter() > deadline
            self.failed = self.last is None
            self.done = True
            return False
        self.duals = -result.ineqlin.marginals
        weights = result.x[:k]
        # drop groups far from worth choosing (not in the master's solution): a smaller master
        reduced_cost = value - matrix[:, :k].T @ self.duals
        floor = -PURGE * max(1.0, float(np.abs(value).mean()))
        keep = (weights > 1e-9) | (reduced_cost >= floor)
        self.columns.keep(keep)
        self.last = (float(-result.fun), weights[keep].copy(), int(keep.sum()))
        self.boxed = bool(np.any(result.x[k + len(rows.needs) :] > 1e-9))
        self.priced = False
        return True

    def copy(self) -> GroupRounds:
        """An independent copy (its own pool and pricing state; the rows and the problem
        shared, read only): it may run in another thread while this one's pool is used."""
        twin = copy.copy(self)
        twin.columns = self.columns.copy()
        twin.groups = twin.columns.groups
        twin.resumable = None
        return twin

    def result(self) -> GroupBound | None:
        """The bound, the last master's slot and pair mass, and the pool, every group the
        rounds generated back in it (None: no master solved)."""
        if self.failed or self.last is None:
            return None
        problem, columns = self.problem, self.columns
        master, weights, k = self.last
        slot_mass = np.zeros(problem.n_slots)
        pair_mass = np.zeros(problem.n_pairs)
        for column in np.flatnonzero(weights[:k] > 1e-9):
            if columns.slot[column] >= 0:
                slot_mass[columns.slot[column]] += weights[column]
            pair_mass[columns.members[column]] += weights[column]
        columns.restore()
        return GroupBound(
            bound=self.best_bound,
            master=master,
            slot_mass=slot_mass,
            pair_mass=pair_mass,
            duals=self.best_duals,
            rounds=self.rounds,
            groups=k,
            wall_time_s=time.perf_counter() - self.started,
            cut=self.cut,
            work_s=self.used * self.unit,
            pool=columns,
            resumable=self.resumable,
        )


def master_rows(rows: LpRows) -> tuple[np.ndarray, np.ndarray]:
    """(relaxed, rhs) of the master: every row but the hosts' is relaxed (priced), and each
    host's row holds one group."""
    problem = rows.problem
    relaxed = np.ones(rows.n_rows, dtype=bool)
    relaxed[problem.n_visitors : rows.side_start] = False
    rhs = rows.rhs.copy()
    rhs[problem.n_visitors : rows.side_start] = 1.0  # one group per host
    return relaxed, rhs


def _master(
    matrix: sparse.csc_matrix,
    value: np.ndarray,
    rows: LpRows,
    rhs: np.ndarray,
    limits: dict[str, float | int],
    relaxed: np.ndarray,
    box: tuple[np.ndarray, np.ndarray] | None,
) -> OptimizeResult:
    """The master LP over the groups so far (their values) and the quota shortfalls; with a
    ``box`` (low, high prices per row), the relaxed rows' prices kept within it: a column per
    row selling its room at the low price, one buying room at the high price (after the
    groups and the shortfalls, so ``x[:k]`` stay the groups' weights)."""
    k = len(value)
    cost = np.concatenate([-value, rows.penalty])
    upper = np.concatenate([np.full(k, np.inf), rows.needs])
    if box is not None:
        low, high = box
        sell, buy = relaxed & (low > 0), relaxed
        # both columns for every row, fixed at zero where unused: HiGHS' interior point took
        # 2.7 x longer at 1,500 tight visitors (seed 3) with the unused ones left out
        identity = sparse.identity(rows.n_rows, format="csc")
        matrix = sparse.hstack([matrix, identity, -identity]).tocsc()
        cost = np.concatenate([cost, -np.where(sell, low, 0), np.where(buy, high, 0)])
        upper = np.concatenate([upper, np.where(sell, np.inf, 0), np.where(buy, np.inf, 0)])
    for extra in (HIGHS_EXTRA, {}):
        result = linprog(
            cost,
            A_ub=matrix,
            b_ub=rhs,
            bounds=np.column_stack([np.zeros(len(cost)), upper]),
            method=METHOD,
            options={**limits, "ipm_optimality_tolerance": IPM_TOLERANCE, **extra},
        )
        # without crossover HiGHS may leave the status unknown (e.g. when presolve solved the
        # master): then once more with it
        if result.status != 4:
            break
    return result
