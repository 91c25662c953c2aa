"""Encode: tonight's candidates and rules as the solver's integer problem.

Pairs with their integer score (``solvers.problem.SCORE_SCALE``), host capacities, SMEs and
the SME share (accepted exchanges counted), quotas, the carry-over's stability bonuses, the
group slots with their room, and the limited sets (one physical visit per visiting
organisation: at most one physical pair of an organisation's visitor profiles tonight).
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pandas as pd

from engine.domain.contract import Campaign
from engine.night.carryover import (
    Carryover,
    past_exchanges,
    with_carryover,
    with_past_exchanges,
)
from engine.night.options import RunOptions
from engine.night.quotas import EXPECTATION_UNIT, quota_groups
from engine.night.staying import staying_bonus
from scoring.candidates import pair_modes, physical_profiles
from scoring.encoding import EncodedCampaign
from solvers.options import SolverOptions
from solvers.problem import SCORE_SCALE, AssignmentProblem
from solvers.result import SolveResult
from solvers.solve import solve


def sme_share_weight(candidates: pd.DataFrame, encoded: EncodedCampaign) -> np.ndarray:
    """Each pair's chance in hundredths for the SME share in expectation, rounded against the
    share: down for an SME, up for any other visitor, so that a plan whose rounded chances hold
    the share holds it on the exact ones too (the oracle's audit: rounded to the nearest, two
    proposals of chances 0.5514 and 0.5459, the SME's, held it at 49.75%)."""
    hundredths = candidates["score"].to_numpy(np.float64)
    sme = encoded.visitors.is_sme[candidates["visitor"].to_numpy(np.int64)]
    rounded = np.where(sme, np.floor(hundredths + 1e-9), np.ceil(hundredths - 1e-9))
    return np.clip(rounded, 0, 100).astype(np.int64)


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
        expected_weight=sme_share_weight(candidates, encoded) if outcome else None,
        expected_fixed=EXPECTATION_UNIT,
    )
    problem = with_past_exchanges(problem, past_exchanges(campaign, carryover))
    if carryover is None:
        return problem
    problem = with_carryover(problem, carryover, encoded, candidates, campaign)
    # a staying pair on other dates than it was proposed on: changed, as a proposal changes
    churn = int(round(campaign.policy.churn_penalty * SCORE_SCALE))
    if problem.pair_bonus is None:
        return problem
    return replace(problem, pair_bonus=staying_bonus(problem.pair_bonus, candidates, churn))


# What the stages other than the solver take, in the reference machine's seconds (2 cores),
# measured *unloaded* on the benchmark's campaigns (benchmarks/README.md "The dated path"):
# on 6 December, evening, after the training's reference sample stopped rebuilding its tables
# per pair, on a machine of pace 1.30 (its seconds over 1.30): before the solve (Python's
# start-up, 1.4 to 1.6 s, loading, training, candidates, encoding) 4.2 / 5.0 s at 800 tight /
# generated visitors (13,800 candidates), 5.9 s at 1,500 (27,500), 7.5 s at 5,000 (98,800),
# 20.8 s at 20,000 (423,000); after it, besides the diagnosis (check, writing) 1.5 / 1.6, 2.1,
# 4.5 and 19.9 s. The prediction keeps a tenth or more (the figures before, on the
# reference: 4.5 / 6.2 / 7.9 / 18.0 and 1.1 / 1.7 / 4.0 / 15.5 s, predicted as 6.0 + 3.2e-5
# and 1.2 + 3.8e-5 per candidate: 20,000 visitors' writing outgrew the second). Only sizes and
# the pace enter: the same run gets the same work budget on any machine of the same pace
# (reproducible); the wall clock only cuts it (``deadline``). Measured again on 7 December
# (the same machine, pace 1.30; Python's start-up 0.9 s): before 3.2 / 4.0 / 5.9 / 15.6 s at
# 14,300 / 29,300 / 104,500 / 441,000 candidates, after 0.95 / 1.33 / 3.2 / 13.6 s: the
# prediction of 6 December kept 2.1 x / 1.6 x more, and a 60 s run at 5,000 tight visitors
# ended at 39 s. Now 3.0 + 4.0e-5 and 0.8 + 3.4e-5 per candidate: a tenth to a third more
# than measured (4% before the solve at 1,500 visitors, 0.2 s)
BEFORE_S = 3.0
BEFORE_S_PER_CANDIDATE = 4.0e-5
AFTER_S = 0.8
AFTER_S_PER_CANDIDATE = 3.4e-5
# the diagnosis (what each rule costs, the lead time's price: two parts, engine.night.night)
# takes at most this share of the limit and these seconds (at a tenth of the limit it took
# 12 s of a 120 s run at 5,000 visitors, for figures the proposals do not depend on)
DIAGNOSIS_SHARE = 0.05
DIAGNOSIS_MOST_S = 8.0


def diagnosis_time(time_limit_s: float) -> float:
    """The most the diagnosis' two parts may take together (each at least 0.5 s)."""
    return max(1.0, min(DIAGNOSIS_SHARE * time_limit_s, DIAGNOSIS_MOST_S))


# an unloaded run plans to end by this share of its limit ...
UNLOADED_SHARE = 0.92
# ... and a run on a machine this many times slower (the other engineers' test suites and
# sweeps on both cores: the 5,000-visitor run took 1.3 x its unloaded time at load 5) to end
# within 1.1 x the limit + 10 s without the clock cutting its solver (then it is reproducible)
LOAD_FACTOR = 1.35
OVERRUN, OVERRUN_S = 0.1, 10.0  # a run must end within (1 + OVERRUN) x limit + OVERRUN_S
# the solver's wall time over its work budget, unloaded (6 December, with the stage times
# below: 1.04 to 1.09 at 5,000 tight visitors at 60 and 120 s, 1.26 at 5,000 generated and
# 20,000 tight, where the group LP's work count runs short, 1.4 at 30 s, where the fixed
# phases exceed the budget): the budget is the solver's planned time over this
SOLVER_OVERRUN = 1.1
# work the solver gets whatever the limit: greedy, the flow, the slot-free LP and its refit
# (at 5,000 tight visitors a 30 s limit left nothing else, and greedy is far off there)
SOLVER_MINIMUM_S = 4.0
CLOCK_MINIMUM_S = 2 * SOLVER_MINIMUM_S  # the wall clock never cuts the solver sooner
LOAD_MARGIN = 1.5  # the deadline keeps this many times the predicted after-solve time,
RESERVE_MARGIN = 1.2  # or this many times that slowed down as the stages before the solve
# were (at 5,000 visitors under a test suite on both cores, 1.6 x: a 60 s run took 81 s)


def stage_times(n_candidates: int, pace: float = 1.0) -> tuple[float, float]:
    """(before, after): the predicted seconds of the stages before and after the solve (the
    diagnosis apart), unloaded, on a machine of ``pace`` (1: the reference machine)."""
    before = BEFORE_S + BEFORE_S_PER_CANDIDATE * n_candidates
    return pace * before, pace * (AFTER_S + AFTER_S_PER_CANDIDATE * n_candidates)


def solver_budget(n_candidates: int, time_limit_s: float, pace: float = 1.0) -> tuple[float, float]:
    """(the solver's work budget, the after-solve reserve) in seconds for a run of
    ``time_limit_s`` that kept ``n_candidates`` candidate pairs (the scoring of every pair is
    fast enough to be in the fixed part), on a machine of ``pace``: the budget is in the
    reference machine's seconds (the solver's work counts), the reserve in this machine's."""
    before, after = stage_times(n_candidates, pace)
    stages = before + after + diagnosis_time(time_limit_s)
    unloaded = UNLOADED_SHARE * time_limit_s - stages
    loaded = ((1 + OVERRUN) * time_limit_s + OVERRUN_S) / LOAD_FACTOR - stages
    work = min(unloaded, loaded) / (SOLVER_OVERRUN * pace)
    return max(SOLVER_MINIMUM_S, work), after


def solve_assignment(problem: AssignmentProblem, options: RunOptions) -> SolveResult:
    """Solve with the work budget the run's time limit leaves the solver, and the wall-clock
    deadline (the run's start plus 1.1 x its limit + 10 s, less the after-solve reserve, more
    of it when the stages before ran slower than planned) as a safety net."""
    work, after = solver_budget(problem.n_pairs, options.time_limit_s, options.pace)
    now = time.perf_counter()
    started = now if options.started is None else options.started
    # how much slower than planned the stages before the solve ran (the machine's load now):
    # the stages after it will be as slow, so the deadline keeps that much more for them
    slowdown = max(1.0, (now - started) / stage_times(problem.n_pairs, options.pace)[0])
    reserve = max(LOAD_MARGIN, RESERVE_MARGIN * slowdown) * (
        after + diagnosis_time(options.time_limit_s)
    )
    end = started + (1 + OVERRUN) * options.time_limit_s + OVERRUN_S - reserve
    # its minimum on the clock too, with room for a loaded machine (twice the minimum: a
    # 4 s solve cut at 4 s of wall time under load is no longer reproducible)
    deadline = max(time.perf_counter() + CLOCK_MINIMUM_S, end)
    solved = solve(
        problem,
        SolverOptions(
            time_limit_s=work,
            workers=options.workers,
            seed=options.seed,
            deadline=deadline,
        ),
    )
    # the manifest says what the plan gave (the same budget: the same proposals, on one machine)
    solved.stats["work_budget_s"] = round(work, 3)
    return solved


def organisation_sets(
    candidates: pd.DataFrame, encoded: EncodedCampaign, left: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The limited sets that keep the visiting organisations' rules, where an organisation has
    several visitor profiles among the candidates. Its physical pairs, at most ``left`` (per
    visitor: the physical visits its organisation has left) of them, where it has more
    profiles among them than visits left. Otherwise a group never holds two of its visitors:
    per host and mode, at most one of its pairs (a slot has one mode; stricter than per group,
    where a host opens several; and where one of its pairs at a host may take either mode,
    at most one of its pairs there). Where both would apply (an organisation with two visits left
    and three profiles), ``scoring.candidates.one_visitor_per_organisation`` keeps only its
    best physical pair per host. None when no organisation needs a set."""
    physical, virtual = pair_modes(candidates)
    visitor = candidates["visitor"].to_numpy(np.int64)
    host = candidates["host"].to_numpy(np.int64)
    org = encoded.visitors.org_id[visitor].astype(np.int64)
    org_wide = physical & (physical_profiles(org, visitor, physical) > left[visitor])
    limit_set = np.full(len(candidates), -1, dtype=np.int64)
    shared, member = _shared(org, visitor, org_wide)
    limit_set[member] = np.searchsorted(shared, org[member])
    org_limit = np.zeros(len(shared), dtype=np.int64)
    org_limit[limit_set[member]] = left[visitor[member]]  # its visitors all have the same
    # per host and mode; mode-blind at a host where a pair of the organisation may take
    # either (physical or virtual: its group's), a pair being in one set
    org_host = org * (int(host.max(initial=0)) + 1) + host
    either = pd.Series(physical & virtual & ~org_wide).groupby(org_host).transform("any")
    at_host = org_host * 3 + np.where(either.to_numpy(bool), 2, physical)
    shared, member = _shared(at_host, visitor, ~org_wide)
    limit_set[member] = len(org_limit) + np.searchsorted(shared, at_host[member])
    if not (limit_set >= 0).any():
        return None
    return limit_set, np.concatenate([org_limit, np.ones(len(shared), dtype=np.int64)])


def _shared(
    key: np.ndarray, visitor: np.ndarray, among: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(the sorted keys with more than one visitor among the pairs ``among``, the pairs
    ``among`` of those keys)."""
    profiles = pd.Series(visitor[among]).groupby(key[among]).nunique()
    shared = profiles.index[profiles > 1].to_numpy(np.int64)
    return shared, among & np.isin(key, shared)
