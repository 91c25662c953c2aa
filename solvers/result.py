"""What every solver returns: a status, the chosen pairs (and open slots), objective, bound.

``solve_result`` is the one way to build it, for every strategy and the greedy baseline:
the objective and the quota shortfalls are always recomputed from the problem, so a result
never reports a value its selection does not have.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

import numpy as np

from solvers.problem import AssignmentProblem

Solution = tuple[np.ndarray, np.ndarray | None]  # chosen pairs, open slots (if any)


class SolveStatus(enum.Enum):
    OPTIMAL = "optimal"  # proven optimal
    FEASIBLE = "feasible"  # a solution, not proven optimal
    INFEASIBLE = "infeasible"  # proven: no solution satisfies the hard rules
    MODEL_INVALID = "model_invalid"  # a bug: the model was rejected by the solver
    UNKNOWN = "unknown"  # no solution found within the limits

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolveResult:
    solver: str
    status: SolveStatus
    selected: np.ndarray  # (n_pairs,) bool
    objective: int | None
    best_bound: int | None
    wall_time_s: float
    seed: int
    workers: int
    shortfalls: tuple[int, ...] = ()
    stats: dict[str, float | int | str] = field(default_factory=dict)
    open_slots: np.ndarray | None = None  # (n_slots,) bool, when the problem has slots
    # (n_pairs,) the open slot each chosen pair joins (-1: not chosen); None: any open slot it
    # fits (the solvers' model: a host's members fit every slot it opens)
    pair_slot: np.ndarray | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap (bound - objective) / max(1, |bound|); 0 when proven optimal."""
        if self.objective is None or self.best_bound is None:
            return None
        return max(0.0, (self.best_bound - self.objective) / max(1.0, abs(self.best_bound)))


def solve_result(
    problem: AssignmentProblem,
    status: SolveStatus,
    solution: Solution | None,
    bound: int | None,
    *,
    started: float,
    seed: int,
    workers: int,
    stats: dict[str, float | int | str] | None = None,
    solver: str = "cp-sat",
) -> SolveResult:
    """The result of a solve that began at ``started`` (``time.perf_counter``).

    ``solution=None`` reports that there is none (proven infeasible, or the model was
    rejected): nothing selected, no objective and no bound.
    """
    wall_time_s = time.perf_counter() - started
    if solution is None:
        return SolveResult(
            solver=solver,
            status=status,
            selected=np.zeros(problem.n_pairs, dtype=bool),
            objective=None,
            best_bound=None,
            wall_time_s=wall_time_s,
            seed=seed,
            workers=workers,
            stats={} if stats is None else stats,
        )
    selected, open_slots = solution
    return SolveResult(
        solver=solver,
        status=status,
        selected=selected,
        objective=problem.objective(selected, open_slots),
        best_bound=bound,
        wall_time_s=wall_time_s,
        seed=seed,
        workers=workers,
        shortfalls=tuple(problem.shortfalls(selected)),
        stats={} if stats is None else stats,
        open_slots=open_slots,
    )
