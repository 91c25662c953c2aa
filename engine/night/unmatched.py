"""A reason for everyone left out tonight: each matchable visitor without a proposal, and each
host with free places and none, with the reason in words and as a code.

* **No eligible partner**: every pair of the profile breaks a rule; the reason is the rule
  that excluded the most partners (``scoring.eligibility.EXCLUSIONS``: e.g. the physical
  visit used while the profile asks for physical only, no shared language, no overlapping
  availability after the lead time).
* **Had candidates but lost**: a non-SME with a candidate host that has places left, where
  the SME share holds no more non-SMEs (``sme_share``; a host too, when its left-out
  candidates are all non-SMEs); otherwise, said for the visitor's best candidate host: its
  places went to others (``capacity``, naming who took them), its group tonight has other
  dates or another language and it fits no accepted group with room (``group``), the SME
  share holds no more non-SMEs (``sme_share``), its partnership's budget has nothing left
  for it (``budget``), or the plan placed better pairs wherever it could go (``outscored``).

Matchable visitor: published, validated, and not already matched (no accepted exchange that
keeps it from a new proposal).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from engine.domain.calendar import day_date
from engine.domain.contract import Campaign
from engine.domain.vocabulary import label
from engine.night.plan_room import SmeShareFull, fitting_slots, shares_a_language
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

# what rules a pair out, said of the other side's profile (``{other}``: host or visitor)
RULE_WORDS = {
    "not_matchable": "is a draft or not validated",
    "same_organisation": "is a profile of its own organisation",
    "same_country": "is in its country",
    "physical_visit_used": "fits it only physically, and the visiting organisation used its "
    "physical visit",
    "mode": "shares no mode with it (physical or virtual)",
    "stay_length": "shares no stay length with it",
    "availability": "shares too few available working days with it after the lead time for "
    "a stay both accept",
    "language": "shares no language with it",
    "blocked": "was rejected or cancelled with it before, or is its exchange already",
}
# the same rules named, where they rule out some of the other side and other rules the rest
# (one wording per rule: the report counts the left-out by reason)
RULE_NAMES = {
    "not_matchable": "draft or not validated",
    "same_organisation": "same organisation",
    "same_country": "same country",
    "physical_visit_used": "physical visit used (only a physical exchange fits)",
    "mode": "no common mode",
    "stay_length": "no common stay length",
    "availability": "too few shared working days after the lead time",
    "language": "no shared language",
    "blocked": "rejected or cancelled before, or an exchange already",
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
    shown: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per left-out visitor and host (see the module); ``done_visitors``: visitors
    whose accepted exchange keeps them from a new proposal; ``shown``: each candidate's score
    as people see it (the 0-100 percentile of proposals.csv; the best candidate is the one
    most likely accepted, whose ``score`` column is 100 x p_accept)."""
    profiles = campaign.profiles.set_index("profile_id")
    if shown is None:
        shown = candidates["score"].to_numpy(np.float64)
    rows = _visitors(encoded, context, candidates, problem, solve, slots, done_visitors, shown)
    rows += _hosts(encoded, context, candidates, problem, solve, shown)
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
    shown: np.ndarray,
) -> list[dict[str, object]]:
    visitors, hosts = encoded.visitors, encoded.hosts
    proposed = set(problem.pair_visitor[solve.selected].tolist())
    matchable = np.flatnonzero(visitors.matchable)
    left_out = [
        int(v) for v in matchable if int(v) not in proposed and str(visitors.ids[v]) not in done
    ]
    # each visitor's best candidate (the first of its highest scores): one sort for all
    visitor_of = candidates["visitor"].to_numpy(np.int64)
    host_of = candidates["host"].to_numpy(np.int64)
    score = candidates["score"].to_numpy(np.float64)
    pair_of = candidates.index.to_numpy(np.int64)  # the problem's pair of each candidate row
    order = np.lexsort((np.arange(len(candidates)), -score, visitor_of))
    firsts = (
        order[np.r_[True, visitor_of[order][1:] != visitor_of[order][:-1]]] if len(order) else order
    )
    best_of = dict(zip(visitor_of[firsts].tolist(), firsts.tolist(), strict=True))
    load = np.bincount(problem.pair_host[solve.selected], minlength=problem.n_hosts)
    limits = problem.host_limits(solve.open_slots)
    groups = _open_groups(problem, solve, slots)
    by_visitor = candidates.groupby("visitor").indices
    sme_full = SmeShareFull(problem, solve.selected)
    spent = [int(cap.cost[solve.selected].sum()) for cap in problem.caps]
    lonely = [v for v in left_out if v not in best_of]
    codes = _most_excluding_each(lonely, "visitor", encoded, context)
    rows: list[dict[str, object]] = []
    for v in left_out:
        base = {"side": "visitor", "profile_id": str(visitors.ids[v])}
        if v not in best_of:
            code = codes[v]
            rows.append(
                {**base, **_no_partner(code, "host"), "best_candidate": "", "best_score": None}
            )
            continue
        position = best_of[v]
        host = int(host_of[position])
        # a host of its candidates with places left: a rule of the whole plan kept it out
        room_elsewhere = bool((load < limits)[host_of[by_visitor[v]]].any())
        mine = pair_of[by_visitor[v]]
        if room_elsewhere and not problem.visitor_is_sme[v] and sme_full(mine):
            lost = _SME_SHARE
        else:
            lost = _lost(
                int(pair_of[position]), host, problem, solve, groups, load, limits, encoded,
                sme_full, spent,
            )  # fmt: skip
        rows.append(
            {
                **base,
                **lost,
                "best_candidate": str(hosts.ids[host]),
                "best_score": round(float(shown[position]), 2),
            }
        )
    return rows


def _open_groups(
    problem: AssignmentProblem, solve: SolveResult, slots: Slots
) -> dict[int, tuple[list[int], str]]:
    """Per host with open slots: the open slots, and the first one's dates and language in
    words (``start..end in language``)."""
    if solve.open_slots is None or problem.slot_host is None:
        return {}
    table = slots.slots.set_index("slot")
    out: dict[int, tuple[list[int], str]] = {}
    for slot in np.flatnonzero(solve.open_slots).tolist():
        host = int(problem.slot_host[slot])
        if host in out:
            out[host][0].append(slot)
            continue
        row = table.loc[slot]
        first, last = day_date(np.array([row["start_day"], row["end_day"]], np.int64))
        language = f" in {label('language', str(row['language']))}" if row["language"] else ""
        out[host] = ([slot], f"{first}..{last}{language}")
    return out


def _lost(
    pair: int,
    host: int,
    problem: AssignmentProblem,
    solve: SolveResult,
    groups: dict[int, tuple[list[int], str]],
    load: np.ndarray,
    limits: np.ndarray,
    encoded: EncodedCampaign,
    sme_full: SmeShareFull,
    spent: list[int],
) -> dict[str, str]:
    """What the visitor's ``pair`` lost to, at its best candidate ``host``; ``sme_full`` and
    ``spent`` (per cap) are the plan's, computed once for every left-out visitor."""
    host_id = str(encoded.hosts.ids[host])
    if not len(fitting_slots(problem, np.array([pair]))):
        if not shares_a_language(encoded, np.array([problem.pair_visitor[pair]]), host):
            return {
                "code": "group",
                "reason": f"it speaks none of {host_id}'s languages, and a group has one working "
                "language its members and host speak",
            }
        return {
            "code": "capacity",
            "reason": f"{host_id} has no place left on the dates they share (taken by "
            "exchanges accepted before), or none of them is free for it (an exchange of its "
            "own; a proposal awaiting an answer on dates now too close)",
        }
    if host in groups:  # (an accepted group it fits opens free: no group reason)
        hosts_open, when = groups[host]
        fits = problem.slots_of(pair)
        if problem.new_slots[fits].all() and not set(fits.tolist()) & set(hosts_open):
            return {
                "code": "group",
                "reason": f"{host_id}'s group tonight ({when}) does not suit it",
            }
    if load[host] >= limits[host] and load[host] > 0:
        taken = problem.pair_visitor[solve.selected & (problem.pair_host == host)]
        who = ", ".join(str(encoded.visitors.ids[v]) for v in taken[:3])
        more = f" and {len(taken) - 3} more" if len(taken) > 3 else ""  # all of them counted
        return {"code": "capacity", "reason": f"{host_id}'s places went to {who}{more}"}
    visitor = int(problem.pair_visitor[pair])
    if not problem.visitor_is_sme[visitor] and sme_full(np.array([pair])):
        return _SME_SHARE
    for cap, used in zip(problem.caps, spent, strict=True):
        if cap.cost[pair] > 0 and used + int(cap.cost[pair]) > cap.limit:
            return {"code": "budget", "reason": f"{cap.name} has not enough left for it"}
    if (
        problem.limit_set is not None
        and problem.set_limit is not None
        and problem.limit_set[pair] >= 0
    ):
        kind = problem.limit_set[pair]
        taken = problem.pair_visitor[solve.selected & (problem.limit_set == kind)]
        if len(taken) >= problem.set_limit[kind]:  # its organisation's, tonight
            who = ", ".join(str(encoded.visitors.ids[v]) for v in taken[:3])
            if len(np.unique(problem.pair_host[problem.limit_set == kind])) == 1:
                return {
                    "code": "group",
                    "reason": f"{who} of its organisation goes to {host_id} tonight",
                }
            return {
                "code": "physical_visit_used",
                "reason": f"its organisation's physical visit goes to {who} tonight",
            }
    return {
        "code": "outscored",
        "reason": f"the plan placed better pairs at {host_id} and its other candidates",
    }


_SME_SHARE = {
    "code": "sme_share",
    "reason": "not an SME, and the SME share holds no more non-SMEs tonight",
}


# --------------------------------------------------------------------------- hosts


def _hosts(
    encoded: EncodedCampaign,
    context: EligibilityContext,
    candidates: pd.DataFrame,
    problem: AssignmentProblem,
    solve: SolveResult,
    shown: np.ndarray,
) -> list[dict[str, object]]:
    visitors, hosts = encoded.visitors, encoded.hosts
    proposed = set(problem.pair_host[solve.selected].tolist())
    placed = set(problem.pair_visitor[solve.selected].tolist())
    sme_full = SmeShareFull(problem, solve.selected)
    by_host = candidates.groupby("host").indices
    lonely = [int(h) for h in np.flatnonzero(hosts.matchable) if int(h) not in by_host]
    codes = _most_excluding_each(lonely, "host", encoded, context)
    rows: list[dict[str, object]] = []
    for h in np.flatnonzero(hosts.matchable):
        if int(h) in proposed:
            continue
        base = {"side": "host", "profile_id": str(hosts.ids[h])}
        if int(h) not in by_host:
            code = codes[int(h)]
            rows.append(
                {**base, **_no_partner(code, "visitor"), "best_candidate": "", "best_score": None}
            )
            continue
        mine = candidates.iloc[by_host[int(h)]]
        first = int(np.argmax(mine["score"].to_numpy()))  # the first of the highest
        best = mine.iloc[first]
        waiting = mine["visitor"].to_numpy(np.int64)
        waiting = waiting[~np.isin(waiting, list(placed))]  # its candidates left out
        reason = {
            "code": "outscored",
            "reason": "its candidate visitors went to hosts that suit them better",
        }
        left = mine.index.to_numpy(np.int64)[~np.isin(mine["visitor"], list(placed))]
        no_slot = not len(fitting_slots(problem, mine.index.to_numpy(np.int64)))
        if no_slot and not shares_a_language(encoded, mine["visitor"].to_numpy(np.int64), int(h)):
            reason = {
                "code": "group",
                "reason": "its groups have a working language none of its candidates speaks",
            }
        elif no_slot:
            reason = {
                "code": "capacity",
                "reason": "no place left on the dates its candidate visitors share with it "
                "(taken by exchanges accepted before)",
            }
        elif len(waiting) and not problem.visitor_is_sme[waiting].any() and sme_full(left):
            reason = {
                "code": "sme_share",
                "reason": "its candidate visitors left out are not SMEs, and the SME share "
                "holds no more non-SMEs tonight",
            }
        rows.append(
            {
                **base,
                **reason,
                "best_candidate": str(visitors.ids[int(best["visitor"])]),
                "best_score": round(float(shown[by_host[int(h)][first]]), 2),
            }
        )
    return rows


# --------------------------------------------------------------------------- helpers


PAIRS_PER_BATCH = 2_000_000  # pairs whose exclusion codes are computed at once


def _most_excluding_each(
    profiles: list[int], side: str, encoded: EncodedCampaign, context: EligibilityContext
) -> dict[int, tuple[int, int, int]]:
    """For each visitor (``side`` "visitor") or host without a candidate, the exclusion code
    that rules out the most of its pairs with every profile of the other side (0 when one is
    eligible: an eligible pair that did not become a candidate), how many it rules out, and
    how many profiles the other side has, in batches."""
    others = len(encoded.hosts.ids if side == "visitor" else encoded.visitors.ids)
    out: dict[int, tuple[int, int, int]] = {}
    if not others:
        return {profile: (EXCLUSIONS.index("not_matchable"), 0, 0) for profile in profiles}
    step = max(1, PAIRS_PER_BATCH // max(1, others))
    for first in range(0, len(profiles), step):
        batch = np.asarray(profiles[first : first + step], dtype=np.int64)
        mine, theirs = np.repeat(batch, others), np.tile(np.arange(others), len(batch))
        visitor, host = (mine, theirs) if side == "visitor" else (theirs, mine)
        codes = exclusion(pair_view(encoded.visitors, encoded.hosts, visitor, host), context)
        kinds = len(EXCLUSIONS)
        row = np.repeat(np.arange(len(batch)), others)
        counted = np.bincount(
            row * kinds + codes.astype(np.int64), minlength=len(batch) * kinds
        ).reshape(len(batch), kinds)
        for profile, counts in zip(batch.tolist(), counted, strict=True):
            code = _most(counts)
            out[profile] = (code, int(counts[code]), others)
    return out


def _most(counts: np.ndarray) -> int:
    """Of one profile's pair counts per exclusion code: 0 when a pair is eligible, else the
    code counted most (of equals, the lowest; "not matchable" only when nothing else)."""
    if counts[0]:
        return 0
    counts = counts.copy()
    counts[EXCLUSIONS.index("not_matchable")] = 0
    if not counts.any():
        return EXCLUSIONS.index("not_matchable")
    return int(np.argmax(counts))


def _no_partner(most: tuple[int, int, int], other: str) -> dict[str, str]:
    """The row's code and reason from (the code, how many of the other side's profiles it
    rules out, how many there are)."""
    code, count, total = most
    rule = EXCLUSIONS[code]
    if rule == "eligible":
        return {"code": "not_shortlisted", "reason": f"its eligible {other}s all prefer others"}
    if not total:
        return {"code": rule, "reason": f"the campaign has no matchable {other}"}
    if count < total:  # other rules rule out the rest
        said = f"no eligible {other}; the rule ruling out the most: {RULE_NAMES[rule]}"
        return {"code": rule, "reason": said}
    words = RULE_WORDS[rule]
    said = f"the {other} {words}" if total == 1 else f"every {other} {words}"
    return {"code": rule, "reason": f"no eligible {other}: {said}"}
