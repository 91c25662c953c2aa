"""What a night inherits from earlier nights: locked exchanges, pairs on hold, pending proposals.

* **locked**: pairs reviewers accepted. They are exchanges now, not proposals: they occupy
  their host's capacity, count in the SME share (``AssignmentProblem.fixed_*``), and their
  visitor gets no new proposal. (Their physical visit and KPI count come from history, where
  :func:`engine.decisions.with_decisions` puts every final decision.)
* **held**: pairs reviewers put on hold. They stay proposed while they remain eligible: the
  solver earns ``policy.hold_penalty`` score points for keeping one.
* **pending**: the last run's proposals nobody answered yet. Changing them costs
  ``policy.churn_penalty`` score points each, so the plan only moves when it gains more.

Held and pending pairs that fell out of tonight's candidate shortlist are scored again and
added back when still eligible, so stability never depends on the shortlist's cut-off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from engine.contract import Campaign
from engine.decision_files import FINAL_DECISIONS
from engine.decisions import current_decisions
from engine.eligibility import EligibilityContext, eligibility
from scoring.encoding import EncodedCampaign
from scoring.features import FeatureInputs, compute_features
from scoring.pairs import pair_view
from scoring.text import TextSimilarity
from solvers.problem import SCORE_SCALE, AssignmentProblem

PAIR = ["visitor_id", "host_id"]
LOCK_COLUMNS = ("visitor_id", "host_id", "mode", "start", "end", "score", "decided_on")
DECISION_COLUMNS = ("visitor_id", "host_id", "decision", "decided_on", "run_id")


def _empty(columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series([], dtype=object) for column in columns})


@dataclass(frozen=True)
class Carryover:
    locked: pd.DataFrame  # LOCK_COLUMNS: accepted exchanges
    held: pd.DataFrame  # visitor_id, host_id: on hold, stay proposed
    pending: pd.DataFrame  # visitor_id, host_id: unanswered proposals of the previous run
    decisions: pd.DataFrame  # DECISION_COLUMNS: the latest decision of every decided pair
    previous: pd.DataFrame | None = None  # the previous run's proposals, if there is one
    previous_run_id: str | None = None

    @classmethod
    def none(cls) -> Carryover:
        return carryover(_empty(DECISION_COLUMNS + ("mode", "start_day", "end_day", "score")))

    def summary(self) -> dict[str, object]:
        return {
            "previous_run": self.previous_run_id,
            "locked": len(self.locked),
            "held": len(self.held),
            "pending": len(self.pending),
        }


def carryover(
    records: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    previous_run_id: str | None = None,
) -> Carryover:
    """The carry-over from the decision log ``records`` and the previous run's proposals."""
    current = current_decisions(records) if len(records) else records
    accepted = current[current["decision"] == "accepted"]
    locked = pd.DataFrame(
        {
            "visitor_id": accepted["visitor_id"].astype(str),
            "host_id": accepted["host_id"].astype(str),
            "mode": accepted["mode"].astype(str),
            "start": pd.to_datetime(accepted["start_day"]),
            "end": pd.to_datetime(accepted["end_day"]),
            "score": accepted["score"].astype(float),
            "decided_on": accepted["decided_on"].astype(str),
        },
        columns=list(LOCK_COLUMNS),
    ).reset_index(drop=True)
    held = current.loc[current["decision"] == "hold", PAIR].astype(str).reset_index(drop=True)
    decided = set(zip(current["visitor_id"], current["host_id"], strict=True))
    pending = _empty(PAIR)
    if previous is not None and len(previous):
        pairs = previous[PAIR].astype(str)
        answered = [
            pair in decided for pair in zip(pairs["visitor_id"], pairs["host_id"], strict=True)
        ]
        pending = pairs[~np.asarray(answered, dtype=bool)].reset_index(drop=True)
    decisions = current[list(DECISION_COLUMNS)].reset_index(drop=True)
    return Carryover(locked, held, pending, decisions, previous, previous_run_id)


def is_final(decision: str) -> bool:
    return decision in FINAL_DECISIONS


# --------------------------------------------------------------------------- tonight's model


def carry_candidates(
    carry: Carryover,
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Callable[[np.ndarray], np.ndarray],
    candidates: pd.DataFrame,
) -> pd.DataFrame:
    """Candidates without locked visitors, plus held/pending pairs still eligible."""
    visitor_pos = {v: i for i, v in enumerate(encoded.visitors.ids)}
    host_pos = {h: i for i, h in enumerate(encoded.hosts.ids)}
    locked = np.array(
        sorted(visitor_pos[v] for v in set(carry.locked["visitor_id"]) if v in visitor_pos),
        dtype=np.int64,
    )
    candidates = candidates[~np.isin(candidates["visitor"].to_numpy(), locked)]
    sticky = pd.concat([carry.held, carry.pending], ignore_index=True).drop_duplicates()
    present = set(zip(candidates["visitor"].tolist(), candidates["host"].tolist(), strict=True))
    wanted = [
        (visitor_pos[v], host_pos[h])
        for v, h in zip(sticky["visitor_id"], sticky["host_id"], strict=True)
        if v in visitor_pos and h in host_pos
    ]
    missing = sorted({pair for pair in wanted if pair not in present and pair[0] not in locked})
    if missing:
        candidates = pd.concat([candidates, _score_pairs(missing, encoded, text, context, score)])
    return candidates.sort_values(["visitor", "host"], kind="stable").reset_index(drop=True)


def _score_pairs(
    pairs: list[tuple[int, int]],
    encoded: EncodedCampaign,
    text: TextSimilarity,
    context: EligibilityContext,
    score: Callable[[np.ndarray], np.ndarray],
) -> pd.DataFrame:
    v = np.array([p[0] for p in pairs], dtype=np.int64)
    h = np.array([p[1] for p in pairs], dtype=np.int64)
    view = pair_view(encoded.visitors, encoded.hosts, v, h)
    elig = eligibility(view, context)
    features = compute_features(
        FeatureInputs(view=view, overlap_days=elig.overlap_days, text=text, vocab=encoded.vocab)
    )
    ok = elig.eligible
    return pd.DataFrame(
        {
            "visitor": v[ok].astype(np.int32),
            "host": h[ok].astype(np.int32),
            "score": np.asarray(score(features), dtype=np.float32)[ok],
            "physical": elig.physical[ok],
            "stay_days": elig.stay_days[ok],
            "overlap_days": elig.overlap_days[ok],
        }
    )


def with_carryover(
    problem: AssignmentProblem,
    carry: Carryover,
    encoded: EncodedCampaign,
    candidates: pd.DataFrame,
    campaign: Campaign,
) -> AssignmentProblem:
    """Host capacity less the locked exchanges, locked SMEs in the share, stability bonuses."""
    capacity = problem.host_capacity.copy()
    host_pos = {h: i for i, h in enumerate(encoded.hosts.ids)}
    for host_id, count in Counter(carry.locked["host_id"]).items():
        if host_id in host_pos:
            position = host_pos[host_id]
            capacity[position] = max(0, int(capacity[position]) - count)
    smes = set(campaign.profiles.loc[campaign.profiles["org_type"] == "sme", "profile_id"])
    fixed_smes = sum(1 for v in carry.locked["visitor_id"] if v in smes)
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
    return replace(
        problem,
        host_capacity=capacity,
        fixed_smes=fixed_smes,
        fixed_total=len(carry.locked),
        pair_bonus=bonus,
    )
