"""The price of each rule tonight, in score points a partnership can read (the plan's value is
100 x p_accept per pair: 100 points are one expected exchange): what the plan gives
up for the SME share, each quota and the budgets (``solvers.diagnosis``, LP re-solves without
the rule), for grouped exchanges on shared dates and languages (the slot-free LP against the
dated solver's LP over whole groups, ``solvers.group_lp``, whose solution the solve reports
in ``stats["group_lp_score"]``: no second LP), and for the lead time (tonight's candidates against those
built without it). Always the total score (pair values) given up, never quota penalty points;
``None`` when it was not measured within the time budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.domain.vocabulary import CATEGORY_LABELS
from solvers.diagnosis import BUDGET_RULE, SME_RULE, RuleCost
from solvers.lp_model import Relaxation
from solvers.problem import SCORE_SCALE, AssignmentProblem
from solvers.relaxation import solve_relaxation
from solvers.result import SolveResult

GROUP_RULE = "group_dates_languages"
LEAD_RULE = "lead_time"


@dataclass(frozen=True)
class RulePrice:
    rule: str
    score_points: float | None  # total score given up tonight; None: not measured
    binding: bool

    def words(self, total_score: float) -> str:
        """The price in a sentence a partnership reads."""
        name = _rule_name(self.rule)
        if self.score_points is None:
            return f"{name}: not measured tonight (out of time)"
        if not self.binding or self.score_points < 0.005:
            return f"{name}: costs nothing tonight"
        share = (
            f" ({self.score_points / total_score:.1%} of the plan's score)" if total_score else ""
        )
        return f"{name}: costs {self.score_points:,.1f} score points tonight{share}"


def prices(
    costs: list[RuleCost],
    problem: AssignmentProblem,
    solved: SolveResult,
    without_lead: Callable[[], AssignmentProblem | None] | None,
    time_budget_s: float,
) -> list[RulePrice]:
    """Every rule's price: the diagnosis' LP costs, then grouped dates and languages (from
    the solve of ``problem``: ``solved``), then the lead time (``without_lead`` builds
    tonight's slot-free problem without it)."""
    started = time.perf_counter()
    found = [RulePrice(c.rule, c.cost_score, c.binding) for c in costs]
    slot_free = problem.restricted(np.ones(problem.n_pairs, dtype=bool))
    free = solve_relaxation(slot_free, time_limit_s=time_budget_s / 2)
    if problem.n_slots:
        grouped = solved.stats.get("group_lp_score")
        if free is None or grouped is None:
            found.append(RulePrice(GROUP_RULE, None, True))
        else:
            given_up = _score(slot_free, free.values) - float(grouped)
            found.append(_price(GROUP_RULE, given_up))
    if without_lead is not None and time.perf_counter() - started < time_budget_s:
        wide = without_lead()
        left = time_budget_s - (time.perf_counter() - started)
        if wide is None:
            found.append(RulePrice(LEAD_RULE, None, True))
        else:
            relaxed = solve_relaxation(wide, time_limit_s=max(0.1, left))
            found.append(_difference(LEAD_RULE, relaxed, wide, free, slot_free))
    return found


def _difference(
    rule: str,
    without: Relaxation | None,
    problem_without: AssignmentProblem,
    with_rule: Relaxation | None,
    problem_with: AssignmentProblem,
) -> RulePrice:
    """The score given up: the LP without the rule against the LP with it."""
    if without is None or with_rule is None:
        return RulePrice(rule, None, True)
    given_up = _score(problem_without, without.values) - _score(problem_with, with_rule.values)
    return _price(rule, given_up)


def _price(rule: str, given_up: float) -> RulePrice:
    """The price of a rule that gives up ``given_up`` pair value (objective units)."""
    points = round(max(0.0, given_up) / SCORE_SCALE, 2)
    return RulePrice(rule, points, points > 0)


def _score(problem: AssignmentProblem, values: np.ndarray) -> float:
    return float(problem.pair_value.astype(float) @ np.asarray(values, dtype=float))


def _rule_name(rule: str) -> str:
    if rule == SME_RULE:
        return "At least half of the exchanges to SMEs"
    if rule == BUDGET_RULE:
        return "The partnerships' budgets"
    if rule == GROUP_RULE:
        return "Groups on shared dates and in one language"
    if rule == LEAD_RULE:
        return "Two weeks' notice before an exchange starts"
    partnership, _, category = rule.rpartition("/")
    what = "exchanges" if category == "total" else f"exchanges of {CATEGORY_LABELS[category]}s"
    return f"{partnership}'s target of {what}"
