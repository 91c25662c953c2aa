"""Which hard rule makes a night infeasible, in words: the rule the empty plan already breaks
and no assignment of tonight's candidates can mend.

Only two hard rules can fail before anything is proposed: the SME share, when the exchanges
already accepted hold too few SMEs (``fixed_smes`` of ``fixed_total``) and tonight's SME
candidates cannot make up for it, and a cap (a partnership's budget) that is overspent
already. Every other hard rule (a visitor once, host capacity, group slots) is kept by
proposing nothing.
"""

from __future__ import annotations

import math

import numpy as np

from solvers.flow import max_weight_assignment
from solvers.problem import AssignmentProblem


def smes_needed(problem: AssignmentProblem) -> int:
    """The fewest SME proposals that lift the fixed exchanges to the minimum SME share."""
    share = problem.min_sme_share
    missing = share.numerator * problem.fixed_total - share.denominator * problem.fixed_smes
    if missing <= 0:
        return 0
    if share.denominator == share.numerator:  # a share of 1: SMEs only, never reachable
        return math.inf  # type: ignore[return-value]
    return -(-missing // (share.denominator - share.numerator))


def blocking_rules(problem: AssignmentProblem) -> list[str]:
    """Each hard rule that no assignment can keep, said as a sentence (empty: none found
    alone; the rules then conflict only together)."""
    found: list[str] = []
    needed = smes_needed(problem)
    if needed:
        sme_pairs = problem.visitor_is_sme[problem.pair_visitor]
        placeable = int(max_weight_assignment(problem, sme_pairs.astype(np.int64)).sum())
        if placeable < needed:
            share = problem.min_sme_share
            found.append(
                f"min_sme_share: the {problem.fixed_total} exchanges accepted already include "
                f"{problem.fixed_smes} SMEs; keeping at least {float(share):.0%} SMEs needs "
                f"{needed} more SME proposals, and tonight's candidates can place at most "
                f"{placeable}"
            )
    if (
        problem.expected_weight is not None
        and problem.expected_sme_margin(np.zeros(problem.n_pairs, dtype=bool)) < 0
    ):
        share = problem.min_sme_share
        sme_pairs = problem.visitor_is_sme[problem.pair_visitor]
        gain = np.where(
            sme_pairs, problem.expected_weight * (share.denominator - share.numerator), 0
        )
        best = max_weight_assignment(problem, gain.astype(np.int64))
        reachable = int(gain[best].sum()) + problem.expected_sme_margin(best & False)
        if reachable < 0:
            found.append(
                f"min_sme_share (expected): the {problem.fixed_total} exchanges accepted already "
                f"include {problem.fixed_smes} SMEs; tonight's SME candidates cannot make the "
                f"expected share of exchanges reach {float(share):.0%}"
            )
    for cap in problem.caps:
        if cap.limit < 0:
            found.append(f"{cap.name}: overspent already by {-cap.limit} (cents)")
    return found
