"""Which visitor-host pairs may be proposed at all (vectorised over blocks of pairs).

A pair is eligible when: both profiles are published and validated; visitor and host are
profiles of two organisations (an organisation is never proposed to itself) in different
countries (both COSME, checked at load); their modes meet (physical needs
both sides to accept physical and the visitor's *organisation* to still have a physical
visit left in the programme generation); the pair was never rejected or cancelled; a stay
length fits both sides' and the policy's ``min_days..max_days``; the availability windows,
from the night's earliest start on (its date plus the policy's lead time), share at least
that many working days of the host country; and, when the policy requires it, they share a
language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.domain.calendar import WorkCalendar, day_number
from engine.domain.contract import BLOCKING_OUTCOMES, POSITIVE_OUTCOMES, Campaign, Policy
from scoring.encoding import EncodedCampaign
from scoring.pairs import PairView, meets


@dataclass(frozen=True)
class EligibilityContext:
    """What eligibility needs beyond the profile arrays, derived once from history + policy."""

    physical_left: np.ndarray  # (n_visitors,) bool: the visitor may still make a physical visit
    blocked: np.ndarray  # (k, 2) int64 rows (visitor position, host position): never propose
    policy_min_days: int
    policy_max_days: int
    require_common_language: bool
    calendar: WorkCalendar  # working days per host country
    earliest_day: int | None = None  # day number of the earliest start (None: no night)
    # (k, 2) pairs whose virtual exchange was accepted in the programme generation: proposed
    # again only as a physical exchange (a physical one's pair is in ``blocked``)
    repeat_virtual: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    virtual_open: bool = True  # a virtual exchange may still start (policy.virtual_until)


def eligibility_context(
    campaign: Campaign,
    encoded: EncodedCampaign,
    earliest_day: int | None = None,
    answered: pd.DataFrame | None = None,
) -> EligibilityContext:
    """What eligibility needs from the history and policy. ``earliest_day``: the first day a
    proposal may start (the night's date plus the lead time); None for no night (training).
    ``answered``: pairs (``visitor_id, host_id``) the decision log holds an exchange of, never
    proposed again in any mode (the log answers a pair once): blocked."""
    history = campaign.history
    policy = campaign.policy
    visitor_ids, host_ids = encoded.visitors.ids, encoded.hosts.ids
    visitor_pos = pd.Series(np.arange(len(visitor_ids)), index=pd.Index(visitor_ids))
    host_pos = pd.Series(np.arange(len(host_ids)), index=pd.Index(host_ids))
    physical_left = physical_visits_left(campaign, visitor_ids) > 0

    def positions(rows: pd.DataFrame) -> np.ndarray:
        v = visitor_pos.reindex(rows["visitor_id"]).to_numpy()
        h = host_pos.reindex(rows["host_id"]).to_numpy()
        known = ~(np.isnan(v) | np.isnan(h))
        return np.stack([v[known], h[known]], axis=1).astype(np.int64).reshape(-1, 2)

    # an exchange is not repeated: its pair again only as a physical one after a virtual one
    done = in_generation(history[history["outcome"].isin(POSITIVE_OUTCOMES)], policy)
    virtual = done["mode"] == "virtual"
    blocked = np.concatenate(
        [
            positions(history[history["outcome"].isin(BLOCKING_OUTCOMES)]),
            positions(done[~virtual]),
            positions(answered if answered is not None else history.iloc[:0]),
        ]
    )
    return EligibilityContext(
        repeat_virtual=np.unique(positions(done[virtual]), axis=0),
        physical_left=physical_left,
        blocked=np.unique(blocked, axis=0),
        policy_min_days=policy.min_days,
        policy_max_days=policy.max_days,
        require_common_language=policy.require_common_language,
        calendar=encoded.calendar,
        earliest_day=earliest_day,
        virtual_open=policy.virtual_until is None
        or earliest_day is None
        or earliest_day <= int(day_number([policy.virtual_until])[0]),
    )


def physical_visits_left(campaign: Campaign, visitor_ids: np.ndarray) -> np.ndarray:
    """(n,) int: the physical visits the visitor's organisation has left in the programme
    generation (its allowance less the accepted or completed physical exchanges since
    ``generation_start`` of any of its visitor profiles; virtual exchanges never count)."""
    history, policy, profiles = campaign.history, campaign.policy, campaign.profiles
    org_of = pd.Series(profiles["org_id"].to_numpy(), index=profiles["profile_id"].to_numpy())
    used = history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    used = in_generation(used, policy)
    visits = used["visitor_id"].map(org_of).dropna().value_counts()
    orgs = org_of.reindex(visitor_ids)
    used_by_visitor = visits.reindex(orgs.to_numpy()).fillna(0).to_numpy().astype(np.int64)
    return np.maximum(policy.physical_visits_per_visitor - used_by_visitor, 0)


def in_generation(exchanges: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """The history's rows (exchanges) in the programme generation: started (or, undated,
    decided) on or after ``generation_start``."""
    if policy.generation_start is None or not len(exchanges):
        return exchanges
    day = exchanges["decided_on"]
    if "start" in exchanges:
        day = exchanges["start"].fillna(day)
    return exchanges[~(pd.to_datetime(day) < pd.Timestamp(policy.generation_start))]


@dataclass(frozen=True)
class Eligibility:
    eligible: np.ndarray  # bool, the view's shape
    physical: np.ndarray  # bool: the exchange may be physical (both sides take it, a visit left)
    virtual: np.ndarray  # bool: the exchange may be virtual (both take it, not made already)
    stay_days: np.ndarray  # int16: the shortest stay that suits both sides (working days)
    overlap_days: np.ndarray  # int32: working days the availability windows share


def _broadcast(view: PairView, per_visitor: np.ndarray) -> np.ndarray:
    values = per_visitor[view.visitor_index]
    return values[:, None] if view.dense else values


def eligibility(view: PairView, context: EligibilityContext) -> Eligibility:
    visitor, host = view.visitor, view.host
    physical = visitor.physical & host.physical & _broadcast(view, context.physical_left)
    virtual = visitor.virtual & host.virtual & context.virtual_open
    stay = np.maximum(np.maximum(visitor.min_days, host.min_days), context.policy_min_days)
    longest = np.minimum(np.minimum(visitor.max_days, host.max_days), context.policy_max_days)
    first = np.maximum(visitor.day_from, host.day_from)
    if context.earliest_day is not None:
        first = np.maximum(first, context.earliest_day)
    end = np.minimum(visitor.day_to_excl, host.day_to_excl)
    overlap = context.calendar.count(host.work_country, first, end)
    eligible = (
        visitor.matchable
        & host.matchable
        & (visitor.org_id != host.org_id)
        & (visitor.country != host.country)
        & (physical | virtual)
        & (stay <= longest)
        & (overlap >= stay)
    )
    if context.require_common_language:
        eligible &= meets(visitor.languages, host.languages)
    eligible = np.broadcast_to(eligible, view.shape).copy()
    _remove_blocked(view, context.blocked, eligible)
    virtual = np.broadcast_to(virtual, view.shape)
    if len(context.repeat_virtual):  # made virtually already: only a physical exchange again
        virtual = virtual & _not_repeated(view, context)
        eligible &= virtual | physical
    return Eligibility(
        eligible=eligible,
        physical=np.broadcast_to(physical, view.shape),
        virtual=virtual,
        stay_days=np.broadcast_to(stay, view.shape).astype(np.int16),
        overlap_days=np.broadcast_to(overlap, view.shape).astype(np.int32),
    )


def _not_repeated(view: PairView, context: EligibilityContext) -> np.ndarray:
    """(view's shape) bool: the pair made no virtual exchange in the generation."""
    fresh = np.ones(view.shape, dtype=bool)
    _remove_blocked(view, context.repeat_virtual, fresh)
    return fresh


def _remove_blocked(view: PairView, blocked: np.ndarray, eligible: np.ndarray) -> None:
    if not len(blocked):
        return
    if view.dense:
        first, last = view.visitor_index[0], view.visitor_index[-1]
        inside = blocked[(blocked[:, 0] >= first) & (blocked[:, 0] <= last)]
        eligible[inside[:, 0] - first, inside[:, 1]] = False
    else:
        keys = view.visitor_index * (1 << 32) + view.host_index
        blocked_keys = blocked[:, 0] * (1 << 32) + blocked[:, 1]
        eligible &= ~np.isin(keys, blocked_keys)


# Why a pair is not eligible: the first rule it breaks, in this order (0: eligible).
EXCLUSIONS = (
    "eligible",
    "not_matchable",  # a profile is a draft or not validated
    "same_organisation",  # the visitor and host profiles of one organisation
    "same_country",
    "physical_visit_used",  # only a physical exchange fits, and the organisation used its visit
    "mode",  # no mode both accept
    "stay_length",  # no stay length both accept
    "availability",  # too few shared working days from the night's earliest start
    "language",  # no shared language (when the policy requires one)
    "blocked",  # rejected or cancelled before, or its exchange accepted (see repeat_virtual)
)


def exclusion(view: PairView, context: EligibilityContext) -> np.ndarray:
    """The index in :data:`EXCLUSIONS` of the first rule each pair breaks (0: eligible)."""
    visitor, host = view.visitor, view.host
    shape = view.shape
    code = np.zeros(shape, dtype=np.int8)

    def first(rule: str, broken: np.ndarray) -> None:
        broken = np.broadcast_to(broken, shape)
        code[(code == 0) & broken] = EXCLUSIONS.index(rule)

    first("not_matchable", ~(visitor.matchable & host.matchable))
    first("same_organisation", visitor.org_id == host.org_id)
    first("same_country", visitor.country == host.country)
    physical = visitor.physical & host.physical
    virtual = visitor.virtual & host.virtual & context.virtual_open
    left = _broadcast(view, context.physical_left)
    first("physical_visit_used", physical & ~left & ~virtual)
    first("mode", ~(physical | virtual))
    stay = np.maximum(np.maximum(visitor.min_days, host.min_days), context.policy_min_days)
    longest = np.minimum(np.minimum(visitor.max_days, host.max_days), context.policy_max_days)
    first("stay_length", stay > longest)
    start = np.maximum(visitor.day_from, host.day_from)
    if context.earliest_day is not None:
        start = np.maximum(start, context.earliest_day)
    end = np.minimum(visitor.day_to_excl, host.day_to_excl)
    first("availability", context.calendar.count(host.work_country, start, end) < stay)
    if context.require_common_language:
        first("language", ~meets(visitor.languages, host.languages))
    never_refused = np.ones(shape, dtype=bool)
    _remove_blocked(view, context.blocked, never_refused)
    if len(context.repeat_virtual):
        never_refused &= _not_repeated(view, context) | (physical & left)
    first("blocked", ~never_refused)
    return code
