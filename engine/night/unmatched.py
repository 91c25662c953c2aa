"""A reason for everyone left out tonight: each matchable visitor without a proposal, and each
host with free places and none, with the reason in words and as a code.

* **No eligible partner**: every pair of the profile breaks a rule; the reason is the rule
  that excluded the most partners (``scoring.eligibility.EXCLUSIONS``: e.g. the physical
  visit used while the profile asks for physical only, no shared language, no overlapping
  availability after the lead time).
* **Had candidates but lost**, said for the visitor's best candidate host: its places went
  to others (``capacity``, naming who took them), its group tonight has other dates or
  another language (``group``), the SME share holds no more non-SMEs (``sme_share``), the
  partnership's budget has nothing left for it (``budget``), or the plan placed better pairs
  everywhere it could go (``outscored``).

Matchable visitor: published, validated, and not already matched (no accepted exchange that
keeps it from a new proposal).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from engine.domain.calendar import day_date
from engine.domain.contract import Campaign
from engine.night.slots import Slots
from scoring.eligibility import EXCLUSIONS, EligibilityContext, exclusion
from scoring.encoding import EncodedCampaign
from scoring.pairs import pair_view
from solvers.problem import AssignmentProblem
from solvers.result import SolveResult

NAMED = ("org_name", "partnership")  # filled from the profiles
UNMATCHED_COLUMNS = (
    "side", "profile_id", "org_name", "partnership", "code", "reason", "best_candidate",
    "best_score",
)  # fmt: skip

RULE_WORDS = {
    "not_matchable": "every {other} is a draft or not validated",
    "same_organisation": "every {other} is a profile of its own organisation",
    "same_country": "every {other} is in the same country",
    "physical_visit_used": "its organisation used its physical visit and the profile asks for "
    "a physical exchange only",
    "mode": "no {other} accepts the same mode (physical or virtual)",
    "stay_length": "no {other} accepts the same stay length",
    "availability": "no overlapping availability after the lead time",
    "language": "no shared language with any {other}",
    "blocked": "every possible pair was rejected or cancelled before",
}


def unmatched(
    campaign: Campaign,
    encoded: EncodedCampaign,
    context: EligibilityContext,
    candidates: pd.DataFrame,
    problem: AssignmentProblem,
    solve: SolveResult,
    slots: Slots,
    done_visitors: set[str],
) -> pd.DataFrame:
    """One row per left-out visitor and host (see the module); ``done_visitors``: visitors
    whose accepted exchange keeps them from a new proposal."""
    profiles = campaign.profiles.set_index("profile_id")
    rows = _visitors(encoded, context, candidates, problem, solve, slots, done_visitors)
    rows += _hosts(encoded, context, candidates, problem, solve)
    table = pd.DataFrame(rows, columns=[c for c in UNMATCHED_COLUMNS if c not in NAMED])
    for position, column in ((2, "org_name"), (3, "partnership")):
        table.insert(position, column, table["profile_id"].map(profiles[column]).fillna(""))
    return table


def tally(table: pd.DataFrame) -> dict[str, int]:
    """How many left-out profiles per reason code (visitors and hosts apart)."""
    counts = Counter(zip(table["side"], table["code"], strict=True))
    return {f"{side}:{code}": count for (side, code), count in sorted(counts.items())}


# --------------------------------------------------------------------------- visitors


def _visitors(
    encoded: EncodedCampaign,
    context: EligibilityContext,
    candidates: pd.DataFrame,
    problem: AssignmentProblem,
    solve: SolveResult,
    slots: Slots,
    done: set[str],
) -> list[dict[str, object]]:
    visitors, hosts = encoded.visitors, encoded.hosts
    proposed = set(problem.pair_visitor[solve.selected].tolist())
    matchable = np.flatnonzero(visitors.matchable)
    left_out = [
        int(v) for v in matchable if int(v) not in proposed and str(visitors.ids[v]) not in done
    ]
    by_visitor = candidates.groupby("visitor").indices
    load = np.bincount(problem.pair_host[solve.selected], minlength=problem.n_hosts)
    limits = problem.host_limits(solve.open_slots)
    rows: list[dict[str, object]] = []
    for v in left_out:
        base = {"side": "visitor", "profile_id": str(visitors.ids[v])}
        if v not in by_visitor:
            code = _most_excluding(np.full(len(hosts), v), np.arange(len(hosts)), encoded, context)
            rows.append(
                {**base, **_no_partner(code, "host"), "best_candidate": "", "best_score": None}
            )
            continue
        mine = candidates.iloc[by_visitor[v]]
        best = mine.sort_values("score", ascending=False, kind="stable").iloc[0]
        pair = int(mine.index[mine["host"] == best["host"]][0])
        rows.append(
            {
                **base,
                **_lost(pair, int(best["host"]), problem, solve, slots, load, limits, encoded),
                "best_candidate": str(hosts.ids[int(best["host"])]),
                "best_score": round(float(best["score"]), 2),
            }
        )
    return rows


def _lost(
    pair: int,
    host: int,
    problem: AssignmentProblem,
    solve: SolveResult,
    slots: Slots,
    load: np.ndarray,
    limits: np.ndarray,
    encoded: EncodedCampaign,
) -> dict[str, str]:
    host_id = str(encoded.hosts.ids[host])
    open_slots = solve.open_slots
    if open_slots is not None and problem.slot_host is not None:
        hosts_open = np.flatnonzero(open_slots & (problem.slot_host == host))
        fits = set(problem.slots_of(pair).tolist())
        if len(hosts_open) and not fits & set(hosts_open.tolist()):
            slot = slots.slots[slots.slots["slot"] == int(hosts_open[0])].iloc[0]
            first, last = day_date(np.array([slot["start_day"], slot["end_day"]], np.int64))
            when = f"{first}..{last}"
            language = f" in {slot['language']}" if slot["language"] else ""
            return {
                "code": "group",
                "reason": f"{host_id}'s group tonight ({when}{language}) does not suit it",
            }
    if load[host] >= limits[host] and load[host] > 0:
        taken = problem.pair_visitor[solve.selected & (problem.pair_host == host)]
        who = ", ".join(str(encoded.visitors.ids[v]) for v in taken[:3])
        return {"code": "capacity", "reason": f"{host_id}'s places went to {who}"}
    visitor = int(problem.pair_visitor[pair])
    if not problem.visitor_is_sme[visitor] and _sme_share_tight(problem, solve):
        return {
            "code": "sme_share",
            "reason": "not an SME, and the SME share holds no more non-SMEs tonight",
        }
    for cap in problem.caps:
        spent = int(cap.cost[solve.selected].sum())
        if cap.cost[pair] > 0 and spent + int(cap.cost[pair]) > cap.limit:
            return {"code": "budget", "reason": f"{cap.name} has not enough left for it"}
    return {
        "code": "outscored",
        "reason": f"the plan placed better pairs at {host_id} and its other candidates",
    }


def _sme_share_tight(problem: AssignmentProblem, solve: SolveResult) -> bool:
    """One more non-SME proposal would break the SME share."""
    share = problem.min_sme_share
    total = int(solve.selected.sum()) + problem.fixed_total + 1
    smes = int(problem.visitor_is_sme[problem.pair_visitor[solve.selected]].sum())
    return (smes + problem.fixed_smes) * share.denominator < share.numerator * total


# --------------------------------------------------------------------------- hosts


def _hosts(
    encoded: EncodedCampaign,
    context: EligibilityContext,
    candidates: pd.DataFrame,
    problem: AssignmentProblem,
    solve: SolveResult,
) -> list[dict[str, object]]:
    visitors, hosts = encoded.visitors, encoded.hosts
    proposed = set(problem.pair_host[solve.selected].tolist())
    by_host = candidates.groupby("host").indices
    rows: list[dict[str, object]] = []
    for h in np.flatnonzero(hosts.matchable):
        if int(h) in proposed:
            continue
        base = {"side": "host", "profile_id": str(hosts.ids[h])}
        if int(h) not in by_host:
            code = _most_excluding(
                np.arange(len(visitors)), np.full(len(visitors), h), encoded, context
            )
            rows.append(
                {**base, **_no_partner(code, "visitor"), "best_candidate": "", "best_score": None}
            )
            continue
        mine = candidates.iloc[by_host[int(h)]]
        best = mine.sort_values("score", ascending=False, kind="stable").iloc[0]
        rows.append(
            {
                **base,
                "code": "outscored",
                "reason": "its candidate visitors went to hosts that suit them better",
                "best_candidate": str(visitors.ids[int(best["visitor"])]),
                "best_score": round(float(best["score"]), 2),
            }
        )
    return rows


# --------------------------------------------------------------------------- helpers


def _most_excluding(
    visitor: np.ndarray, host: np.ndarray, encoded: EncodedCampaign, context: EligibilityContext
) -> int:
    """The exclusion code that rules out the most of these pairs (0 when one is eligible:
    an eligible pair that did not become a candidate)."""
    codes = exclusion(pair_view(encoded.visitors, encoded.hosts, visitor, host), context)
    if (codes == 0).any():
        return 0
    counted = Counter(int(c) for c in codes if c != EXCLUSIONS.index("not_matchable"))
    if not counted:
        return EXCLUSIONS.index("not_matchable")
    return max(counted, key=lambda code: (counted[code], -code))


def _no_partner(code: int, other: str) -> dict[str, str]:
    rule = EXCLUSIONS[code]
    if rule == "eligible":
        return {"code": "not_shortlisted", "reason": f"its eligible {other}s all prefer others"}
    return {"code": rule, "reason": f"no eligible {other}: " + RULE_WORDS[rule].format(other=other)}
