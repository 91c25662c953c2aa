"""What a night inherits from earlier nights: locked exchanges, pairs on hold, pending proposals.

* **locked**: pairs reviewers accepted. They are exchanges now, not proposals: they occupy
  their host on their dates, count in the SME share with the history's exchanges
  (``AssignmentProblem.fixed_*``: :func:`with_past_exchanges`), and their
  visitor is proposed nothing on their days, nor the same host again. (Their physical visit and KPI count come from history, where
  :func:`engine.review.log.with_decisions` puts every final decision.)
* **held**: pairs reviewers put on hold, or one side accepted. They stay proposed while they
  remain eligible: the solver earns ``policy.hold_penalty`` score points for keeping one, and
  more than its host's places could earn otherwise (:func:`host_worth`).
* **pending**: the last run's proposals nobody answered yet. Changing them costs
  ``policy.churn_penalty`` score points each, so the plan only moves when it gains more.

Held and pending pairs that fell out of tonight's candidate shortlist are scored again and
added back when still eligible, so stability never depends on the shortlist's cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

import numpy as np
import pandas as pd

from engine.domain.calendar import day_number
from engine.domain.contract import Campaign
from engine.night.quotas import standing_exchanges
from scoring.eligibility import in_generation
from scoring.encoding import EncodedCampaign
from solvers.problem import SCORE_SCALE, AssignmentProblem

PAIR = ["visitor_id", "host_id"]
LOCK_COLUMNS = ("visitor_id", "host_id", "mode", "start", "end", "score", "decided_on")
DECISION_COLUMNS = ("visitor_id", "host_id", "decision", "decided_on", "run_id")
AWAITING_COLUMNS = ("visitor_id", "host_id", "mode", "start", "end")


def empty_table(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in columns})


@dataclass(frozen=True)
class Carryover:
    locked: pd.DataFrame  # LOCK_COLUMNS: accepted exchanges
    held: pd.DataFrame  # visitor_id, host_id: on hold, stay proposed
    pending: pd.DataFrame  # visitor_id, host_id: unanswered proposals of the previous run
    decisions: pd.DataFrame  # DECISION_COLUMNS: the latest decision of every decided pair
    previous: pd.DataFrame | None = None  # the previous run's proposals, if there is one
    previous_run_id: str | None = None
    # AWAITING_COLUMNS: pairs one side accepted, on the dates and mode it accepted: they stay
    # proposed on those, or not at all (the other side answers what the first accepted)
    awaiting: pd.DataFrame = field(default_factory=lambda: empty_table(AWAITING_COLUMNS))

    def summary(self) -> dict[str, object]:
        return {
            "previous_run": self.previous_run_id,
            "locked": len(self.locked),
            "held": len(self.held),
            "pending": len(self.pending),
        }


# --------------------------------------------------------------------------- tonight's model


def past_exchanges(campaign: Campaign, carry: Carryover | None) -> tuple[int, int]:
    """(SMEs, exchanges) among the exchanges accepted before tonight in the programme
    generation: the history's accepted and completed rows of the generation and the log's
    locked exchanges, one per pair and mode (:func:`engine.night.quotas.standing_exchanges`)."""
    past = in_generation(standing_exchanges(campaign.history), campaign.policy)
    exchanges = set(zip(past["visitor_id"], past["host_id"], past["mode"], strict=True))
    if carry is not None:
        locked = carry.locked
        exchanges |= set(zip(locked["visitor_id"], locked["host_id"], locked["mode"], strict=True))
    profiles = campaign.profiles
    smes = set(profiles.loc[profiles["org_type"] == "sme", "profile_id"])
    return sum(1 for visitor, _, _ in exchanges if visitor in smes), len(exchanges)


def past_counts(past: tuple[int, int], share: Fraction) -> bool:
    """Whether the exchanges accepted before count in tonight's SME share: not where they
    fall short of it already (tonight's proposals then hold it on their own: no night is
    refused for what was accepted before, and each moves the share towards its minimum)."""
    smes, total = past
    return share.denominator * smes >= share.numerator * total


def with_past_exchanges(problem: AssignmentProblem, past: tuple[int, int]) -> AssignmentProblem:
    """The SME share over the programme generation: the exchanges accepted before
    (:func:`past_exchanges`) count beside tonight's proposals where :func:`past_counts`."""
    if not past_counts(past, problem.min_sme_share):
        return problem
    return replace(problem, fixed_smes=past[0], fixed_total=past[1])


def with_carryover(
    problem: AssignmentProblem,
    carry: Carryover,
    encoded: EncodedCampaign,
    candidates: pd.DataFrame,
    campaign: Campaign,
) -> AssignmentProblem:
    """Stability bonuses. (Locked exchanges occupy their hosts on their dates only: the
    slots' room, :mod:`engine.night.occupancy`; they count in the SME share:
    :func:`with_past_exchanges`.)"""
    keys = pd.MultiIndex.from_arrays(
        [
            encoded.visitors.ids[candidates["visitor"].to_numpy()].astype(str),
            encoded.hosts.ids[candidates["host"].to_numpy()].astype(str),
        ]
    )
    bonus = np.zeros(len(candidates), dtype=np.int64)
    policy = campaign.policy
    for table, points in ((carry.pending, policy.churn_penalty), (carry.held, policy.hold_penalty)):
        sticky = pd.MultiIndex.from_frame(table[PAIR].astype(str))
        bonus[keys.isin(sticky)] = int(round(points * SCORE_SCALE))
    # on hold, or one side accepted (``held`` holds both): it keeps its place
    waiting = keys.isin(pd.MultiIndex.from_frame(carry.held[PAIR].astype(str)))
    if waiting.any():
        worth = host_worth(problem, waiting, policy.group_event_bonus)
        bonus[waiting] += worth[problem.pair_host[waiting]]
    return replace(problem, pair_bonus=bonus)


def host_worth(problem: AssignmentProblem, waiting: np.ndarray, group_points: float) -> np.ndarray:
    """(n_hosts,) more than what each host's places could earn tonight without the pairs on
    hold or one side accepted (``waiting``): the sum of its ``capacity`` most valuable other
    candidate pairs, each counted with everything it could earn (its value, every quota it
    could fill at its penalty, the group bonus). Such a pair earns this besides
    ``hold_penalty``: a person answered it, so it stays proposed whenever it still fits,
    whatever new pairs the host's places could take (the reviewers' audit: three new,
    unanswered pairs took the place of a pair the visitor had accepted, their quota gain above
    the ``hold_penalty`` of 1,000 points; the time audit: a held pair's host took a new group
    of two instead)."""
    value = problem.pair_score.astype(np.float64) + group_points * SCORE_SCALE
    for quota in problem.quotas:
        counted = quota.contribution(problem.pair_visitor).astype(np.float64)
        value += counted * quota.penalty
    value[waiting] = 0.0
    order = np.lexsort((-value, problem.pair_host))  # by host, the most valuable first
    host = problem.pair_host[order]
    starts = np.searchsorted(host, np.arange(problem.n_hosts))
    rank = np.arange(len(order)) - starts[host]
    counted = rank < problem.host_capacity[host]
    worth = np.bincount(host[counted], value[order][counted], minlength=problem.n_hosts)
    return np.ceil(worth).astype(np.int64) + 1


def pinned_days(
    candidates: pd.DataFrame, encoded: EncodedCampaign, awaiting: pd.DataFrame
) -> np.ndarray | None:
    """(candidates x 3) the first and last day numbers and mode (1: physical) each candidate
    pair one side accepted (``Carryover.awaiting``) stays proposed on; -1 where it is free.
    None when no pair waits."""
    if awaiting.empty or candidates.empty:
        return None
    keys = pd.MultiIndex.from_arrays(
        [
            encoded.visitors.ids[candidates["visitor"].to_numpy()].astype(str),
            encoded.hosts.ids[candidates["host"].to_numpy()].astype(str),
        ]
    )
    table = awaiting.set_index(PAIR)
    at = table.index.get_indexer(keys)
    found = at >= 0
    pinned = np.full((len(candidates), 3), -1, dtype=np.int64)
    rows = table.iloc[at[found]]
    pinned[found, 0] = day_number(pd.to_datetime(rows["start"]).dt.date.tolist())
    pinned[found, 1] = day_number(pd.to_datetime(rows["end"]).dt.date.tolist())
    pinned[found, 2] = (rows["mode"] == "physical").to_numpy(np.int64)
    return pinned
