"""Why a quota falls short, named rule by rule: supply before solving, cost after.

* **Supply** (before solving): for each quota, the most of its members that the candidate
  graph can place at once (a max flow: member visitors -> their candidate hosts -> host
  capacity, solved as a max-cardinality assignment by ``solvers.flow``). A quota whose
  remaining need exceeds it cannot be met by any assignment, whatever the other rules.
* **Cost** (after solving): what each rule (the SME share, each quota, the budgets) costs in
  total score, measured on the LP relaxation (``solvers.relaxation``, over the rows of
  ``solvers.lp_model``): the total pair value (score points) of the LP optimum without the
  rule less that of the LP optimum with it, never counting quota penalty points (0 when the
  rule does not bind: a rule whose side row's dual price is 0 cannot change the optimum when
  dropped). LP costs are within the solve's gap of the integer costs and need one LP per
  binding rule, not one full solve.

Pure functions over the solver's problem: no I/O.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from solvers.flow import max_weight_assignment
from solvers.lp_model import SME_SIDE_ROW, expected_sme_side_row, quota_side_row
from solvers.problem import SCORE_SCALE, AssignmentProblem, Quota
from solvers.relaxation import solve_relaxation

log = logging.getLogger(__name__)

DUAL_TOLERANCE = 1e-6
EXACT = 1e-9  # price until the LP bounds are exact: costs are differences of two bounds
SME_RULE = "sme_share"


@dataclass(frozen=True)
class QuotaSupply:
    partnership: str
    category: str
    need: int  # still needed tonight (target - achieved before)
    members: int  # visitors of the quota's partnership and category
    with_candidates: int  # of which with at least one candidate host
    placeable: int  # most of them that can be placed at once (max flow)

    @property
    def blocked(self) -> bool:
        return self.placeable < self.need

    def message(self) -> str:
        kind = "exchanges" if self.category == "total" else f"{self.category} visitors"
        placed = "no" if self.placeable == 0 else f"only {self.placeable}"
        if self.placeable == 1:  # one visitor, one exchange
            kind = kind.removesuffix("s")
        return (
            f"partnership {self.partnership} cannot reach its {self.category} target: "
            f"{self.need} more needed, but {placed} eligible {kind} can be placed "
            f"with an eligible host with free capacity ({self.members} {kind.split()[0]} in "
            f"the campaign, {self.with_candidates} with a candidate host)"
        )


def _split(name: str) -> tuple[str, str]:
    partnership, _, category = name.rpartition("/")
    return partnership, category


def supply_check(problem: AssignmentProblem) -> list[QuotaSupply]:
    """Per quota: how many of its members the candidate graph can place at once."""
    found = []
    for quota in problem.quotas:
        member_pairs = quota.members[problem.pair_visitor]
        placed = max_weight_assignment(problem, member_pairs.astype(np.int64))
        partnership, category = _split(quota.name)
        found.append(
            QuotaSupply(
                partnership=partnership,
                category=category,
                need=-(-quota.need // quota.unit),  # exchanges, rounded up
                members=int(quota.members.sum()),
                with_candidates=len(np.unique(problem.pair_visitor[member_pairs])),
                placeable=int(placed.sum()),
            )
        )
    for supply in found:
        if supply.blocked:
            log.info("%s", supply.message())  # said in kpis.csv, the manifest and the report
    return found


BUDGET_RULE = "budgets"


@dataclass(frozen=True)
class RuleCost:
    rule: str  # "sme_share", "budgets" or a quota name "partnership/category"
    # total pair value (score x SCORE_SCALE) the rule gives up, quota penalties not counted;
    # None: not measured
    cost: float | None
    binding: bool

    @property
    def cost_score(self) -> float | None:
        return None if self.cost is None else round(self.cost / SCORE_SCALE, 2)


def rule_costs(problem: AssignmentProblem, time_budget_s: float = 60.0) -> list[RuleCost]:
    """The SME share's and each quota's cost in total score (LP relaxation, see module)."""
    started = time.perf_counter()
    base = solve_relaxation(problem, tolerance=EXACT, time_limit_s=time_budget_s)
    if base is None:
        return []
    # without duals (group slots: one full LP, no pricing) every rule counts as binding
    duals = base.side_duals
    rules: list[tuple[str, AssignmentProblem, bool]] = []
    expected_row = expected_sme_side_row(problem)
    binding_sme = (
        duals is None
        or bool(duals[SME_SIDE_ROW] > DUAL_TOLERANCE)
        or (expected_row is not None and bool(duals[expected_row] > DUAL_TOLERANCE))
    )
    if problem.min_sme_share > 0:
        rules.append((SME_RULE, replace(problem, min_sme_share=Fraction(0)), binding_sme))
    for q, quota in enumerate(problem.quotas):
        binding = duals is None or bool(duals[quota_side_row(q)] > DUAL_TOLERANCE)
        rules.append((quota.name, _without_quota(problem, quota), binding))
    if problem.caps:
        first = quota_side_row(len(problem.quotas))
        prices = None if duals is None else duals[first : first + len(problem.caps)]
        binding = prices is None or bool(np.any(prices > DUAL_TOLERANCE))
        rules.append((BUDGET_RULE, replace(problem, caps=()), binding))
    costs = []
    for rule, relaxed, binding in rules:
        if not binding:
            costs.append(RuleCost(rule, 0.0, False))
            continue
        if time.perf_counter() - started > time_budget_s:
            costs.append(RuleCost(rule, None, True))
            continue
        warm = [] if base.core is None else [base.core]
        left = time_budget_s - (time.perf_counter() - started)
        without = solve_relaxation(relaxed, warm, tolerance=EXACT, time_limit_s=left)
        # both must be exact LP optima for their difference to be the rule's cost
        exact = without is not None and without.exact and base.exact
        cost = None
        if exact and without is not None:
            cost = max(0.0, _score(relaxed, without.values) - _score(problem, base.values))
        costs.append(RuleCost(rule, cost, True))
    return costs


def _score(problem: AssignmentProblem, values: np.ndarray) -> float:
    """The LP solution's total pair value (score and bonuses, no quota penalty)."""
    return float(problem.pair_value.astype(float) @ values)


def _without_quota(problem: AssignmentProblem, dropped: Quota) -> AssignmentProblem:
    return replace(problem, quotas=tuple(q for q in problem.quotas if q is not dropped))


@dataclass(frozen=True)
class Diagnosis:
    supply: list[QuotaSupply]
    costs: list[RuleCost]

    @property
    def messages(self) -> list[str]:
        return [supply.message() for supply in self.supply if supply.blocked]

    def quota_table(self) -> pd.DataFrame:
        """partnership, category, need, supply_max, rule_cost_score (one row per quota)."""
        cost_of = {c.rule: c.cost_score for c in self.costs}
        return pd.DataFrame(
            {
                "partnership": [s.partnership for s in self.supply],
                "category": [s.category for s in self.supply],
                "need": [s.need for s in self.supply],
                "supply_max": [s.placeable for s in self.supply],
                "rule_cost_score": [
                    cost_of.get(f"{s.partnership}/{s.category}") for s in self.supply
                ],
            }
        )

    def summary(self) -> dict[str, object]:
        sme = next((c for c in self.costs if c.rule == SME_RULE), None)
        quotas = [c for c in self.costs if "/" in c.rule]
        # a binding quota whose cost was not measured (out of time) costs something unknown:
        # no total then (the outputs audit read 0.0 as "the quotas cost nothing")
        unmeasured = sum(c.binding and c.cost is None for c in quotas)
        return {
            "blocked_quotas": self.messages,
            "sme_share_cost_score": None if sme is None else sme.cost_score,
            "binding_quotas": sum(c.binding for c in self.costs if "/" in c.rule),
            "rule_costs_measured": sum(c.cost is not None for c in self.costs),
            "rules": len(self.costs),
            "quota_cost_score_total": None
            if unmeasured
            else round(sum(c.cost_score or 0.0 for c in quotas), 2),
            "binding_quotas_unmeasured": unmeasured,
            "budget_cost_score": next(
                (c.cost_score for c in self.costs if c.rule == BUDGET_RULE), None
            ),
        }


def diagnose(problem: AssignmentProblem, time_budget_s: float = 60.0) -> Diagnosis:
    return Diagnosis(supply_check(problem), rule_costs(problem, time_budget_s))
