"""The assignment problem as integer arrays, and the result every solver returns.

Solvers see only this: candidate pairs (visitor, host, integer score), host capacities, which
visitors are SMEs, the minimum SME share and the quota groups. They never see a DataFrame.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

# Scores are 0-100 floats; the solvers work on integers score * SCORE_SCALE (0..10,000).
# A scale of 100 keeps two decimals of the score, far below the noise of any score model.
SCORE_SCALE = 100


@dataclass(frozen=True)
class Quota:
    """At least ``need`` proposals for visitors in ``members``; each one missing costs ``penalty``."""

    name: str
    members: np.ndarray  # (n_visitors,) bool
    need: int
    penalty: int  # objective units per missing proposal


@dataclass(frozen=True)
class Cap:
    """A linear budget: the sum of ``cost`` over chosen pairs stays within ``limit``."""

    name: str
    cost: np.ndarray  # (n_pairs,) int64, e.g. lump sums in cents
    limit: int


@dataclass(frozen=True)
class AssignmentProblem:
    pair_visitor: np.ndarray  # (n_pairs,) int: visitor position
    pair_host: np.ndarray  # (n_pairs,) int: host position
    pair_score: np.ndarray  # (n_pairs,) int64: score * SCORE_SCALE
    host_capacity: np.ndarray  # (n_hosts,) int
    visitor_is_sme: np.ndarray  # (n_visitors,) bool
    min_sme_share: Fraction = Fraction(1, 2)
    quotas: tuple[Quota, ...] = ()
    # exchanges already fixed outside the problem (accepted pairs): they count in the SME share
    fixed_smes: int = 0
    fixed_total: int = 0
    # objective units added when a pair is chosen, on top of its score (e.g. a stability
    # bonus for keeping last night's pending proposal); None = no bonus
    pair_bonus: np.ndarray | None = None
    # grouped exchanges: each pair belongs to one group slot of its host (dates, language);
    # a host opens at most max_groups_per_host groups; None = no group layer
    pair_group: np.ndarray | None = None  # (n_pairs,) int: group index
    group_host: np.ndarray | None = None  # (n_groups,) int: the group's host
    max_groups_per_host: int = 1
    group_bonus: np.ndarray | None = None  # (n_groups,) int64 per member beyond the first
    caps: tuple[Cap, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.pair_visitor)
        if not (len(self.pair_host) == len(self.pair_score) == n):
            raise ValueError("pair arrays differ in length")
        if n and (
            self.pair_visitor.max() >= self.n_visitors or self.pair_host.max() >= self.n_hosts
        ):
            raise ValueError("a pair names a visitor or host out of range")
        if np.any(self.host_capacity < 0):
            raise ValueError("negative host capacity")
        for quota in self.quotas:
            if len(quota.members) != self.n_visitors or quota.need < 0 or quota.penalty < 0:
                raise ValueError(f"malformed quota {quota.name}")
        if self.pair_bonus is not None and len(self.pair_bonus) != n:
            raise ValueError("pair_bonus differs in length from the pairs")
        if not 0 <= self.fixed_smes <= self.fixed_total:
            raise ValueError("fixed_smes must lie in 0..fixed_total")
        if (self.pair_group is None) != (self.group_host is None):
            raise ValueError("pair_group and group_host go together")
        if self.pair_group is not None and self.group_host is not None:
            if len(self.pair_group) != n:
                raise ValueError("pair_group differs in length from the pairs")
            if n and self.pair_group.max() >= len(self.group_host):
                raise ValueError("a pair names a group out of range")
            if n and np.any(self.group_host[self.pair_group] != self.pair_host):
                raise ValueError("a pair's group belongs to another host")
        for cap in self.caps:
            if len(cap.cost) != n:
                raise ValueError(f"cap {cap.name} differs in length from the pairs")

    @property
    def n_groups(self) -> int:
        return 0 if self.group_host is None else len(self.group_host)

    def group_members(self, selected: np.ndarray) -> np.ndarray:
        """(n_groups,) number of chosen pairs in each group."""
        if self.pair_group is None:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.pair_group[selected], minlength=self.n_groups)

    def group_bonus_total(self, selected: np.ndarray) -> int:
        if self.group_bonus is None or self.pair_group is None:
            return 0
        members = self.group_members(selected)
        return int((self.group_bonus * np.maximum(members - 1, 0)).sum())

    @property
    def pair_value(self) -> np.ndarray:
        """What choosing each pair adds to the objective: score plus bonus (int64)."""
        if self.pair_bonus is None:
            return self.pair_score
        return self.pair_score + self.pair_bonus.astype(np.int64)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_visitor)

    @property
    def n_visitors(self) -> int:
        return len(self.visitor_is_sme)

    @property
    def n_hosts(self) -> int:
        return len(self.host_capacity)

    def objective(self, selected: np.ndarray) -> int:
        """Total value minus quota penalties of a selection (the solvers' common objective)."""
        return (
            int(self.pair_value[selected].sum())
            + self.group_bonus_total(selected)
            - sum(
                q.penalty * s for q, s in zip(self.quotas, self.shortfalls(selected), strict=True)
            )
        )

    def shortfalls(self, selected: np.ndarray) -> list[int]:
        chosen_visitors = self.pair_visitor[selected]
        return [max(0, q.need - int(q.members[chosen_visitors].sum())) for q in self.quotas]

    def sme_share_ok(self, selected: np.ndarray) -> bool:
        total = int(selected.sum()) + self.fixed_total
        smes = int(self.visitor_is_sme[self.pair_visitor[selected]].sum()) + self.fixed_smes
        return smes * self.min_sme_share.denominator >= self.min_sme_share.numerator * total


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

    @property
    def gap(self) -> float | None:
        """Relative gap (bound - objective) / max(1, |bound|); 0 when proven optimal."""
        if self.objective is None or self.best_bound is None:
            return None
        return max(0.0, (self.best_bound - self.objective) / max(1.0, abs(self.best_bound)))
