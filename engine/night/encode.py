"""Encode: tonight's candidates and rules as the solver's integer problem.

Pairs with their integer score (``solvers.problem.SCORE_SCALE``), host capacities, SMEs and
the SME share (accepted exchanges counted), quotas, the carry-over's stability bonuses, the
group slots with their room, and the limited sets (one physical visit per visiting
organisation: at most one physical pair of an organisation's visitor profiles tonight).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.night.carryover import Carryover, with_carryover
from engine.night.options import RunOptions
from engine.night.quotas import EXPECTATION_UNIT, quota_groups
from scoring.encoding import EncodedCampaign
from solvers.options import SolverOptions
from solvers.problem import SCORE_SCALE, AssignmentProblem
from solvers.result import SolveResult
from solvers.solve import solve


def assignment_problem(
    campaign: Campaign,
    encoded: EncodedCampaign,
    candidates: pd.DataFrame,
    visitors: pd.DataFrame,
    carryover: Carryover | None = None,
) -> AssignmentProblem:
    """The solver's integer view of tonight's candidates and rules (and earlier nights').

    Planning on the outcome (``policy.plan_on = "outcome"``, the default), each quota counts
    a proposal's chance of becoming an exchange (its ``p_accept`` in hundredths, the
    candidates' value) and the SME share holds on the expected exchanges too; planning on
    proposals, each proposal counts 1."""
    capacity = encoded.hosts.capacity.copy()
    if campaign.policy.max_group_size is not None:
        capacity = np.minimum(capacity, campaign.policy.max_group_size)
    # a pair's chance in hundredths: the candidates' value is 100 x p_accept
    chance = np.clip(np.round(candidates["score"].to_numpy(np.float64)), 0, 100).astype(np.int64)
    outcome = campaign.policy.plan_on == "outcome"
    problem = AssignmentProblem(
        pair_visitor=candidates["visitor"].to_numpy(np.int64),
        pair_host=candidates["host"].to_numpy(np.int64),
        pair_score=np.round(candidates["score"].to_numpy(np.float64) * SCORE_SCALE).astype(
            np.int64
        ),
        host_capacity=capacity.astype(np.int64),
        visitor_is_sme=encoded.visitors.is_sme,
        min_sme_share=Fraction(str(campaign.policy.min_sme_share)),
        quotas=quota_groups(
            campaign,
            visitors,
            candidates["visitor"].to_numpy(np.int64) if outcome else None,
            chance if outcome else None,
        ),
        expected_weight=chance if outcome else None,
        expected_fixed=EXPECTATION_UNIT,
    )
    if carryover is None:
        return problem
    return with_carryover(problem, carryover, encoded, candidates, campaign)


def solve_assignment(problem: AssignmentProblem, options: RunOptions) -> SolveResult:
    return solve(
        problem,
        SolverOptions(
            time_limit_s=options.time_limit_s, workers=options.workers, seed=options.seed
        ),
    )


def organisation_sets(
    candidates: pd.DataFrame, encoded: EncodedCampaign, left: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """One limited set per visiting organisation with several visitor profiles among the
    physical candidates: its physical pairs, at most ``left`` (per visitor: the physical
    visits its organisation has left) of them. None when no organisation needs one."""
    physical = candidates["physical"].to_numpy(bool)
    visitor = candidates["visitor"].to_numpy(np.int64)
    org = encoded.visitors.org_id[visitor]
    profiles = pd.Series(visitor[physical]).groupby(org[physical]).nunique()
    shared = profiles.index[profiles > 1].to_numpy()
    if not len(shared):
        return None
    key_of = {int(o): k for k, o in enumerate(shared)}
    limit_set = np.array(
        [key_of.get(int(o), -1) if p else -1 for o, p in zip(org, physical, strict=True)],
        dtype=np.int64,
    )
    set_limit = np.zeros(len(shared), dtype=np.int64)
    for position in np.flatnonzero(limit_set >= 0):
        set_limit[limit_set[position]] = int(left[visitor[position]])
    return limit_set, set_limit
