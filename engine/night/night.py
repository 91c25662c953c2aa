"""One night's match, as a pure function: campaign in, checked proposals out (no I/O here).

encode -> eligibility + features + scores (blocks) -> prune -> CP-SAT -> proposals -> check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from engine.check.groups import check_groups
from engine.check.kpis import kpi_table
from engine.check.rules import check_proposals
from engine.check.violations import Violation
from engine.domain.bands import band
from engine.domain.contract import Campaign, org_category
from engine.night.carryover import Carryover, with_carryover
from engine.night.groups import assign_slots, dated_columns, with_slots, with_spend
from engine.night.options import RunOptions
from engine.night.quotas import quota_groups
from engine.night.scorer import choose_scorer
from engine.night.slots import Slots, build_slots
from scoring.candidates import CandidateStats, build_candidates, one_visitor_per_organisation
from scoring.carried import carry_candidates
from scoring.eligibility import eligibility_context
from scoring.encoding import EncodedCampaign, encode_profiles
from scoring.features import FeatureInputs, compute_features
from scoring.linear import PairScorer
from scoring.pairs import pair_view
from scoring.reason_names import reason_names
from scoring.reasons import reasons
from scoring.text import TextSimilarity
from solvers.diagnosis import Diagnosis, rule_costs, supply_check
from solvers.infeasibility import blocking_rules
from solvers.options import SolverOptions
from solvers.problem import SCORE_SCALE, AssignmentProblem
from solvers.result import SolveResult
from solvers.solve import solve

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class NightResult:
    proposals: pd.DataFrame
    candidates: pd.DataFrame
    kpis: pd.DataFrame
    solve: SolveResult
    violations: list[Violation]
    candidate_stats: CandidateStats
    timings: dict[str, float] = field(default_factory=dict)
    scorer: dict[str, Any] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None  # quota supply before solving, rule costs after
    # when the solver found no assignment: each hard rule no assignment can keep, in words
    blocking: tuple[str, ...] = ()


def run_night(
    campaign: Campaign, options: RunOptions | None = None, progress: Progress | None = None
) -> NightResult:
    options = options or RunOptions()
    say = progress or (lambda _message: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    say("encoding profiles")
    encoded = encode_profiles(campaign.profiles)
    visitors = campaign.visitors.reset_index(drop=True)
    hosts = campaign.hosts.reset_index(drop=True)
    context = eligibility_context(campaign, encoded.visitors.ids, encoded.hosts.ids)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    scorer = choose_scorer(campaign, options, encoded, text)
    lap("encode")

    say(f"scoring {len(visitors)} x {len(hosts)} pairs")
    candidates, stats = build_candidates(encoded, text, context, scorer.value, top_k=options.top_k)
    carry = options.carryover
    if carry is not None:
        sticky = pd.concat([carry.held, carry.pending], ignore_index=True)
        candidates = carry_candidates(
            carry.locked["visitor_id"], sticky, encoded, text, context, scorer.value, candidates
        )
    # a group never holds two visitors of one organisation: per host, only the organisation's
    # best-scored visitor stays a candidate
    candidates = one_visitor_per_organisation(candidates, encoded)
    # grouped exchanges: the slots (dates, length, language, mode) each pair could join
    slots = build_slots(candidates, encoded, campaign.policy, campaign.policy.slots_per_host)
    lap("candidates")

    say(f"solving over {stats.kept} candidate pairs and {slots.n_slots} group slots")
    problem = assignment_problem(campaign, encoded, candidates, visitors, carry)
    problem = with_slots(problem, slots, encoded, campaign)
    supply = supply_check(problem)  # names every quota no assignment can meet, before solving
    solve = solve_assignment(problem, options)
    lap("solve")
    # candidates' "score" is the solver's pair value, 100 x p_accept; shown: the percentile
    p_accept = candidates["score"].to_numpy(np.float64) / 100
    table = candidates.assign(
        visitor_id=encoded.visitors.ids[candidates["visitor"]],
        host_id=encoded.hosts.ids[candidates["host"]],
        score=scorer.display_score(p_accept).round(2),
        p_accept=p_accept.round(4),
        mode=np.where(candidates["physical"], "physical", "virtual"),
        selected=solve.selected,
    )[["visitor_id", "host_id", "score", "p_accept", "mode", "stay_days", "overlap_days",
       "selected"]]  # fmt: skip
    if not solve.status.has_solution:  # nothing to decode or check: say which rule blocks
        nothing = pd.DataFrame({"visitor_id": pd.Series([], dtype=str)})
        return NightResult(
            proposals=nothing,
            candidates=table,
            kpis=kpi_table(campaign, nothing),
            solve=solve,
            violations=[],
            candidate_stats=stats,
            timings=timings,
            scorer=scorer.describe(),
            diagnosis=Diagnosis(supply, []),
            blocking=tuple(blocking_rules(problem)),
        )
    # what each rule costs, measured on the LP without the slot layer (fast, and the slots
    # affect every rule alike)
    slot_free = problem.restricted(np.ones(problem.n_pairs, dtype=bool))
    diagnosis = Diagnosis(supply, rule_costs(slot_free, time_budget_s=options.time_limit_s / 4))
    lap("diagnosis")

    say("writing proposals and checking every rule")
    proposals = _proposals(candidates, solve, slots, campaign, encoded, text, scorer)
    violations = check_proposals(campaign, proposals, None if carry is None else carry.locked)
    violations += check_groups(campaign, proposals)
    kpis = with_spend(kpi_table(campaign, proposals), proposals, campaign)
    lap("check")
    return NightResult(
        proposals=proposals,
        candidates=table,
        kpis=kpis,
        solve=solve,
        violations=violations,
        candidate_stats=stats,
        timings=timings,
        scorer=scorer.describe(),
        diagnosis=diagnosis,
    )


def assignment_problem(
    campaign: Campaign,
    encoded: EncodedCampaign,
    candidates: pd.DataFrame,
    visitors: pd.DataFrame,
    carryover: Carryover | None = None,
) -> AssignmentProblem:
    """The solver's integer view of tonight's candidates and rules (and earlier nights')."""
    capacity = encoded.hosts.capacity.copy()
    if campaign.policy.max_group_size is not None:
        capacity = np.minimum(capacity, campaign.policy.max_group_size)
    problem = AssignmentProblem(
        pair_visitor=candidates["visitor"].to_numpy(np.int64),
        pair_host=candidates["host"].to_numpy(np.int64),
        pair_score=np.round(candidates["score"].to_numpy(np.float64) * SCORE_SCALE).astype(
            np.int64
        ),
        host_capacity=capacity.astype(np.int64),
        visitor_is_sme=encoded.visitors.is_sme,
        min_sme_share=Fraction(str(campaign.policy.min_sme_share)),
        quotas=quota_groups(campaign, visitors),
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


def _proposals(
    candidates: pd.DataFrame,
    solve: SolveResult,
    slots: Slots,
    campaign: Campaign,
    encoded: EncodedCampaign,
    text: TextSimilarity,
    scorer: PairScorer,
) -> pd.DataFrame:
    visitors = campaign.visitors.reset_index(drop=True)
    hosts = campaign.hosts.reset_index(drop=True)
    index = np.flatnonzero(solve.selected)
    chosen = candidates.iloc[index].reset_index(drop=True)
    if solve.open_slots is None:
        raise ValueError("the solve of a problem with a slot layer returned no open slots")
    dated = dated_columns(
        chosen, assign_slots(index, solve.open_slots, slots), slots, encoded, campaign
    )
    v = chosen["visitor"].to_numpy(np.int64)
    h = chosen["host"].to_numpy(np.int64)
    v_rows, h_rows = visitors.iloc[v], hosts.iloc[h]
    view = pair_view(encoded.visitors, encoded.hosts, v, h)
    inputs = FeatureInputs(
        view=view,
        overlap_days=chosen["overlap_days"].to_numpy(np.int32),
        text=text,
        vocab=encoded.vocab,
    )
    features = compute_features(inputs)
    p_accept = chosen["score"].to_numpy(np.float64) / 100  # the value is 100 x p_accept
    scores = scorer.display_score(p_accept).round(2)
    proposals = pd.DataFrame(
        {
            "visitor_id": v_rows["profile_id"].to_numpy(),
            "host_id": h_rows["profile_id"].to_numpy(),
            "group_id": dated["group_id"].to_numpy(),
            "start": dated["start"].to_numpy(),
            "end": dated["end"].to_numpy(),
            "stay_days": dated["stay_days"].to_numpy(),
            "mode": dated["mode"].to_numpy(),
            "group_language": dated["group_language"].to_numpy(),
            "lump_sum_eur": dated["lump_sum_eur"].to_numpy(),
            "score": scores,
            "p_accept": p_accept.round(4),
            "band": band(scores),
            "category": [org_category(t) for t in v_rows["org_type"]],
            "visitor_partnership": v_rows["partnership"].to_numpy(),
            "host_partnership": h_rows["partnership"].to_numpy(),
            "visitor_country": v_rows["country"].to_numpy(),
            "host_country": h_rows["country"].to_numpy(),
            "reasons": reasons(scorer.contributions(features), features, inputs, reason_names()),
        }
    )
    return proposals.sort_values(["host_id", "visitor_id"], kind="stable").reset_index(drop=True)
