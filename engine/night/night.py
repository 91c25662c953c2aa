"""One night's match, as a pure function: campaign in, checked proposals out (no I/O here).

candidates (encode profiles -> eligibility + features + scores over blocks -> prune) ->
encode (``engine.night.encode``: slots with their room, quotas, sets) -> solve
(``solvers.solve``) -> decode (``engine.night.decode``: dates, groups, lump sums, reasons) ->
check (``engine.check``, independent of all of the above).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from engine.check.groups import check_groups
from engine.check.kpis import kpi_table
from engine.check.rules import check_proposals
from engine.check.violations import Violation
from engine.domain.calendar import day_date, day_number, library_version
from engine.domain.contract import POSITIVE_OUTCOMES, Campaign
from engine.night.carryover import Carryover, past_counts, past_exchanges, pinned_days
from engine.night.decode import proposals_of
from engine.night.encode import (
    AFTER_S_PER_CANDIDATE,
    LOAD_MARGIN,
    assignment_problem,
    diagnosis_time,
    organisation_sets,
    solve_assignment,
)
from engine.night.expected import with_expectations
from engine.night.groups import accepted_spend, budget_options, with_slots, with_spend
from engine.night.occupancy import accepted_stays, busy_days, occupancy
from engine.night.options import RunOptions
from engine.night.rule_prices import RulePrice, prices
from engine.night.scorer import choose_scorer
from engine.night.slots import build_slots
from engine.night.staying import stay_options, with_pins
from engine.night.top_up import top_up
from engine.night.unmatched import UNMATCHED_COLUMNS, unmatched
from scoring.candidates import (
    CandidateStats,
    build_candidates,
    one_visitor_per_organisation,
    pair_modes,
    physical_in_sets,
)
from scoring.carried import carry_candidates
from scoring.eligibility import (
    EligibilityContext,
    eligibility_context,
    in_generation,
    physical_visits_left,
)
from scoring.encoding import EncodedCampaign, encode_campaign
from scoring.linear import PairScorer
from scoring.text import TextSimilarity
from solvers.diagnosis import Diagnosis, rule_costs, supply_check
from solvers.infeasibility import blocking_rules
from solvers.problem import AssignmentProblem
from solvers.result import SolveResult

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
    # what each rule costs tonight in score points (engine.night.rule_prices)
    rule_prices: list[RulePrice] = field(default_factory=list)
    # everyone left out tonight, with a reason (engine.night.unmatched)
    unmatched: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNMATCHED_COLUMNS))
    # the night's date, its earliest start, the working-day calendar (for the manifest)
    calendar: dict[str, Any] = field(default_factory=dict)
    # (SMEs, exchanges) accepted before tonight in the programme generation, and whether they
    # count in tonight's SME share (engine.night.carryover.past_exchanges, past_counts)
    sme_past: tuple[int, int] = (0, 0)
    sme_past_counted: bool = True

    def sme_share_plan(self) -> tuple[int, int]:
        """(SMEs, total) the SME share holds on: tonight's proposals and, where they count,
        the exchanges accepted before."""
        tonight = int((self.proposals["category"] == "sme").sum()) if len(self.proposals) else 0
        if not self.sme_past_counted:
            return tonight, len(self.proposals)
        return tonight + self.sme_past[0], len(self.proposals) + self.sme_past[1]


def run_night(
    campaign: Campaign, options: RunOptions | None = None, progress: Progress | None = None
) -> NightResult:
    """One night as of ``options.as_of`` (default: today): candidates, the global assignment,
    proposals and the independent checker's verdict on them.

    Its linear algebra runs on one thread: the night's products are small (a host's slots
    against its pairs, a master's prices), and BLAS threads waiting for the next one take a
    core from the stage after (7 December, 5,000 tight visitors, other processes on both
    cores: the slots took 17.8 and 13.0 s with two BLAS threads, 7.2 and 8.0 s with one;
    alone, 8.0 against 7.3 s), from CP-SAT's workers too."""
    with threadpool_limits(1, user_api="blas"):
        return _night(campaign, options or RunOptions(), progress)


def _night(campaign: Campaign, options: RunOptions, progress: Progress | None) -> NightResult:
    say = progress or (lambda _message: None)
    as_of = options.as_of or datetime.now(UTC).date()
    earliest = int(day_number([as_of + timedelta(days=campaign.policy.lead_days)])[0])
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    started = clock if options.started is None else options.started
    if options.started is not None:  # the CLI's loading, before the night
        timings["load"] = round(clock - options.started, 4)

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 4)
        clock = now

    say("encoding profiles")
    encoded = encode_campaign(campaign, np.array([earliest]))
    visitors = campaign.visitors.reset_index(drop=True)
    hosts = campaign.hosts.reset_index(drop=True)
    answered = None if options.carryover is None else options.carryover.locked  # answered once
    context = eligibility_context(campaign, encoded, earliest, answered)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    lap("encode")
    scorer = choose_scorer(campaign, options, encoded, text, context)
    lap("training")

    say(f"scoring {len(visitors)} x {len(hosts)} pairs")
    candidates, stats = build_candidates(encoded, text, context, scorer.value, top_k=options.top_k)
    carry = options.carryover
    if carry is not None:
        candidates = _carried(candidates, carry, encoded, text, context, scorer)
    # a group never holds two visitors of one organisation: where its physical visits left
    # allow two physical pairs, per host only its best-scored physical visitor stays a
    # candidate (otherwise limited sets keep the rule: ``organisation_sets``)
    physical_left = physical_visits_left(campaign, encoded.visitors.ids)
    candidates = one_visitor_per_organisation(candidates, encoded, physical_left)
    candidates = physical_in_sets(candidates, encoded, physical_left)
    candidates = budget_options(candidates, encoded, campaign)  # each priced exactly
    candidates = stay_options(candidates, encoded, carry)  # held, unanswered: on their dates
    # grouped exchanges: the slots (dates, length, language, mode, room) each pair could join
    occupied = occupancy(campaign, encoded, carry)
    pinned = None if carry is None else pinned_days(candidates, encoded, carry.awaiting)
    pinned = with_pins(candidates, pinned)
    busy = busy_days(candidates, encoded, accepted_stays(campaign, carry))
    slots = build_slots(candidates, encoded, campaign.policy, occupied, earliest, pinned, busy)
    lap("candidates")

    say(f"solving over {len(candidates)} candidate pairs and {slots.n_slots} group slots")
    spent = accepted_spend(campaign, accepted_stays(campaign, carry, dated_only=False))
    past = past_exchanges(campaign, carry)
    problem = assignment_problem(campaign, encoded, candidates, visitors, carry)
    problem = with_slots(problem, slots, encoded, campaign, spent)
    sets = organisation_sets(candidates, encoded, physical_left)
    if sets is not None:
        problem = replace(problem, limit_set=sets[0], set_limit=sets[1])
    supply = supply_check(problem)  # names every quota no assignment can meet, before solving
    solved = solve_assignment(problem, options)
    # visitors left out join groups where every day's places allow (the solvers' model counts
    # a host's members against every slot it opens)
    solved = top_up(problem, solved, slots, encoded.visitors.org_id)
    lap("solve")
    # candidates' "score" is the solver's pair value, 100 x p_accept; shown: the percentile
    p_accept = candidates["score"].to_numpy(np.float64) / 100
    table = candidates.assign(
        visitor_id=encoded.visitors.ids[candidates["visitor"]],
        host_id=encoded.hosts.ids[candidates["host"]],
        score=scorer.display_score(p_accept).round(2),
        p_accept=p_accept.round(4),
        mode=_modes(candidates),
        selected=solved.selected,
    )[["visitor_id", "host_id", "score", "p_accept", "mode", "stay_days", "overlap_days",
       "selected"]]  # fmt: skip
    facts = {"as_of": as_of.isoformat(), "earliest_start": str(day_date(earliest))}
    if not solved.status.has_solution:  # nothing to decode or check: say which rule blocks
        nothing = pd.DataFrame({"visitor_id": pd.Series([], dtype=str)})
        return NightResult(
            proposals=nothing,
            candidates=table,
            kpis=kpi_table(campaign, nothing),
            solve=solved,
            violations=[],
            candidate_stats=stats,
            timings=timings,
            scorer=scorer.describe(),
            diagnosis=Diagnosis(supply, []),
            blocking=tuple(blocking_rules(problem)),
            calendar=facts,
        )
    # what each rule costs, measured on the LP without the slot layer (fast, and the slots
    # affect every rule alike)
    slot_free = problem.restricted(np.ones(problem.n_pairs, dtype=bool))
    # the diagnosis and the rule prices share what the limit leaves before the after-solve
    # reserve, each half the diagnosis' time at most
    left = (
        started
        + options.time_limit_s
        - time.perf_counter()
        - LOAD_MARGIN * options.pace * AFTER_S_PER_CANDIDATE * problem.n_pairs
    )
    budget = max(0.5, min(diagnosis_time(options.time_limit_s) / 2, left / 2))
    diagnosis = Diagnosis(supply, rule_costs(slot_free, time_budget_s=budget))

    def without_lead() -> AssignmentProblem | None:
        """Tonight's slot-free problem if proposals needed no notice (the lead time's price)."""
        wide_context = eligibility_context(campaign, encoded, None)
        wide, _ = build_candidates(encoded, text, wide_context, scorer.value, top_k=options.top_k)
        if wide.empty:
            return None
        wide_problem = assignment_problem(campaign, encoded, wide, visitors, carry)
        return wide_problem.restricted(np.ones(wide_problem.n_pairs, dtype=bool))

    # the lead time's price rebuilds tonight's candidates: only when that fits the budget
    lead: Callable[[], AssignmentProblem | None] | None = None
    if campaign.policy.lead_days > 0:
        lead = without_lead if timings["candidates"] <= budget else lambda: None
    rule_prices = prices(diagnosis.costs, problem, solved, lead, budget)
    lap("diagnosis")

    say("writing proposals and checking every rule")
    proposals = proposals_of(candidates, solved, slots, campaign, encoded, text, scorer)
    # a physical-only visitor whose own physical exchange (the decision log's or the history's:
    # the IT-tool audit saw the one listed, the other not) used its visit is done, not left out
    history, profiles = campaign.history, campaign.profiles
    own = history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    done = set(in_generation(own, campaign.policy)["visitor_id"].astype(str))
    if carry is not None:
        done |= set(carry.locked.loc[carry.locked["mode"] != "virtual", "visitor_id"].astype(str))
    done &= set(profiles.loc[profiles["mode"] == "physical", "profile_id"].astype(str))
    left_out = unmatched(
        campaign, encoded, context, candidates, problem, solved, slots, done,
        shown=table["score"].to_numpy(np.float64),
    )  # fmt: skip
    locked = None if carry is None else carry.locked
    violations = check_proposals(campaign, proposals, locked, as_of)
    violations += check_groups(campaign, proposals, locked)
    kpis = with_spend(kpi_table(campaign, proposals), proposals, campaign, spent)
    kpis = with_expectations(kpis, proposals)
    lap("check")
    return NightResult(
        proposals=proposals,
        candidates=table,
        kpis=kpis,
        solve=solved,
        violations=violations,
        candidate_stats=stats,
        timings=timings,
        scorer=scorer.describe(),
        diagnosis=diagnosis,
        unmatched=left_out,
        rule_prices=rule_prices,
        sme_past=past,
        sme_past_counted=past_counts(past, problem.min_sme_share),
        calendar={
            **facts,
            "lead_days": campaign.policy.lead_days,
            "public_holidays": campaign.policy.public_holidays,
            "holidays_library": f"holidays {library_version()}",
            "accepted_exchanges_occupying_hosts": occupied.size,
        },
    )


def _carried(
    candidates: pd.DataFrame,
    carry: Carryover,
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    scorer: PairScorer,
) -> pd.DataFrame:
    """Tonight's candidates with the held and pending pairs back while eligible. A visitor
    whose exchange reviewers accepted stays a candidate, as one whose exchange history holds
    (seeds 000/001: "plan one or more exchanges"; only the physical visit is one per visiting
    organisation): not with that host again (the log answers a pair once: eligibility's
    ``answered``), not physically once its organisation's visits are used, and never on the
    days of its exchanges (``busy_days``). (The seeds audit: a visitor with a virtual exchange
    of the log got no other virtual one, one of history did.)"""
    sticky = pd.concat([carry.held, carry.pending], ignore_index=True)
    return carry_candidates(sticky, encoded, text, context, scorer.value, candidates)


def _modes(candidates: pd.DataFrame) -> np.ndarray:
    """Each pair's modes as a word: physical, virtual or either (its group's mode decides)."""
    physical, virtual = pair_modes(candidates)
    return np.where(physical & virtual, "either", np.where(physical, "physical", "virtual"))
