"""The independent checker: the oracle every run and every solver test trusts.

``check_proposals(campaign, proposals)`` returns *every* broken rule of a proposal set as a
list of :class:`Violation` (an empty list means the set is valid). It is written on
purpose without the engine's eligibility or solver code: plain per-row Python over
dictionaries, so that a reader can check each rule against ``DOMAIN.md`` line by line.
Every lookup is a dict or a counter, so the cost is linear in proposals + profiles +
history.

Rules (``Violation.rule``):

* per proposal row: ``unknown_profile``, ``role``, ``not_published``, ``not_validated``,
  ``same_country``, ``not_cosme``, ``mode``, ``blocked_pair``, ``language``, ``dates``,
  ``large_company_visitor``;
* over the whole set: ``duplicate_pair``, ``visitor_once``, ``physical_visit_used``,
  ``host_capacity``, ``sme_share``, ``group``.

With earlier nights' accepted exchanges (``locked``: visitor_id, host_id), the set is checked
as part of the plan they form together: ``locked_visitor`` (a visitor with an accepted
exchange is proposed again), and ``host_capacity`` and ``sme_share`` count the locked
exchanges with the proposals. (A rejected pair is in history, hence ``blocked_pair``.)

A pair listed twice is one defect, reported once as ``duplicate_pair``: the counting rules
(``visitor_once``, ``physical_visit_used``, ``host_capacity``, ``sme_share``) count each
visitor-host pair once. Identical violations are reported once.

``kpi_table(campaign, proposals)`` reports the soft quotas: target, achieved before,
proposed and shortfall per partnership and category.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import (
    BLOCKING_OUTCOMES,
    POSITIVE_OUTCOMES,
    Campaign,
    Policy,
)
from engine.domain.reference import canonical_country

logger = logging.getLogger(__name__)

PROPOSAL_MODES = ("physical", "virtual")
CHECKED_COLUMNS = ("visitor_id", "host_id", "group_id", "start", "end", "mode")
PROFILE_COLUMNS_READ = (
    "profile_id",
    "role",
    "org_type",
    "country",
    "languages",
    "available_from",
    "available_to",
    "min_days",
    "max_days",
    "mode",
    "capacity",
    "status",
    "validated",
)
RULES = (
    "unknown_profile",
    "role",
    "duplicate_pair",
    "visitor_once",
    "physical_visit_used",
    "host_capacity",
    "sme_share",
    "not_published",
    "not_validated",
    "same_country",
    "not_cosme",
    "mode",
    "blocked_pair",
    "language",
    "dates",
    "group",
    "large_company_visitor",
)
# rules that need earlier nights' locked exchanges (``check_proposals(..., locked)``)
CARRYOVER_RULES = ("locked_visitor",)

Profile = dict[Hashable, Any]
Pair = tuple[str, str]


@dataclass(frozen=True)
class Violation:
    """One broken rule; ``visitor_id``/``host_id`` name the proposal or profile concerned."""

    rule: str
    message: str
    visitor_id: str | None = None
    host_id: str | None = None


@dataclass(frozen=True)
class _Proposal:
    visitor_id: str
    host_id: str
    group_id: Hashable | None
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    mode: Any

    @property
    def pair(self) -> Pair:
        return (self.visitor_id, self.host_id)


def check_proposals(
    campaign: Campaign, proposals: pd.DataFrame, locked: pd.DataFrame | None = None
) -> list[Violation]:
    """Every rule the proposal set breaks; an empty list means the set is valid.

    ``locked``: exchanges accepted on earlier nights (visitor_id, host_id), if any.
    """
    rows = _proposal_rows(proposals)
    locked_pairs: list[Pair] = (
        [] if locked is None else list(zip(locked["visitor_id"], locked["host_id"], strict=True))
    )
    wanted = {id_ for row in rows for id_ in row.pair} | {id_ for p in locked_pairs for id_ in p}
    profiles = _profiles_by_id(campaign.profiles, wanted)
    history = campaign.history
    blocked = _history_pairs(history, BLOCKING_OUTCOMES)
    physical_used = _physical_visits_used(history)

    violations: list[Violation] = []
    for row in rows:
        violations.extend(_check_row(row, profiles, blocked, campaign.policy))
    pairs = _first_of_each_pair(rows)
    violations.extend(_check_duplicates(rows))
    violations.extend(_check_visitor_once(pairs))
    violations.extend(_check_physical_visits(pairs, physical_used, campaign.policy))
    violations.extend(_check_locked_visitors(pairs, locked_pairs))
    violations.extend(_check_host_capacity(pairs, profiles, campaign.policy, locked_pairs))
    violations.extend(_check_sme_share(pairs, profiles, campaign.policy, locked_pairs))
    violations.extend(_check_groups(rows))
    unique = list(dict.fromkeys(violations))
    logger.debug("checked %d proposals: %d violations", len(rows), len(unique))
    return unique


# --------------------------------------------------------------------------- inputs


def _proposal_rows(proposals: pd.DataFrame) -> list[_Proposal]:
    missing = [column for column in CHECKED_COLUMNS if column not in proposals.columns]
    if missing:
        raise ValueError(f"proposals lack columns {missing}")
    return [
        _Proposal(
            visitor_id=record["visitor_id"],
            host_id=record["host_id"],
            group_id=None if _is_missing(record["group_id"]) else record["group_id"],
            start=_day(record["start"]),
            end=_day(record["end"]),
            mode=record["mode"],
        )
        for record in proposals.to_dict("records")
    ]


def _profiles_by_id(profiles: pd.DataFrame, wanted: set[str]) -> dict[str, Profile]:
    """The profiles the proposals name, with only the columns the rules read."""
    named = profiles.loc[profiles["profile_id"].isin(wanted), list(PROFILE_COLUMNS_READ)]
    return {profile["profile_id"]: profile for profile in named.to_dict("records")}


def _history_pairs(history: pd.DataFrame, outcomes: Iterable[str]) -> set[Pair]:
    rows = history[history["outcome"].isin(tuple(outcomes))]
    return set(zip(rows["visitor_id"], rows["host_id"], strict=True))


def _physical_visits_used(history: pd.DataFrame) -> Counter[str]:
    rows = history[history["outcome"].isin(POSITIVE_OUTCOMES) & (history["mode"] == "physical")]
    return Counter(rows["visitor_id"])


def _first_of_each_pair(rows: list[_Proposal]) -> list[_Proposal]:
    first: dict[Pair, _Proposal] = {}
    for row in rows:
        first.setdefault(row.pair, row)
    return list(first.values())


# --------------------------------------------------------------------------- per proposal


def _check_row(
    row: _Proposal, profiles: dict[str, Profile], blocked: set[Pair], policy: Policy
) -> list[Violation]:
    found: list[Violation] = []

    def flag(rule: str, message: str) -> None:
        found.append(Violation(rule, message, row.visitor_id, row.host_id))

    if row.pair in blocked:
        flag("blocked_pair", "the pair was rejected or cancelled before")
    if row.mode not in PROPOSAL_MODES:
        flag("mode", f"proposal mode {row.mode!r} is not physical or virtual")

    visitor = profiles.get(row.visitor_id)
    host = profiles.get(row.host_id)
    for side, profile_id, profile in (
        ("visitor", row.visitor_id, visitor),
        ("host", row.host_id, host),
    ):
        if profile is None:
            flag("unknown_profile", f"{side} {profile_id!r} is not in the profiles")
            continue
        if profile["role"] != side:
            flag("role", f"{side} {profile_id!r} has role {profile['role']!r}")
        if profile["status"] != "published":
            flag("not_published", f"{side} {profile_id!r} has status {profile['status']!r}")
        if not _is_true(profile["validated"]):
            flag("not_validated", f"{side} {profile_id!r} is not validated")
        if canonical_country(profile["country"]) is None:
            flag("not_cosme", f"{side} {profile_id!r} is in {profile['country']!r}, not COSME")
        if row.mode in PROPOSAL_MODES and profile["mode"] not in (row.mode, "either"):
            flag("mode", f"{side} {profile_id!r} accepts {profile['mode']!r}, not {row.mode!r}")
    if visitor is None or host is None:
        return found

    if _country(visitor) == _country(host):
        flag("same_country", f"visitor and host are both in {host['country']!r}")
    if policy.require_common_language and not (
        _as_set(visitor["languages"]) & _as_set(host["languages"])
    ):
        flag("language", "visitor and host share no language")
    if visitor["org_type"] == "large_company":
        flag("large_company_visitor", "a large company may only host")
    for message in _date_problems(row, visitor, host, policy):
        flag("dates", message)
    return found


def _date_problems(row: _Proposal, visitor: Profile, host: Profile, policy: Policy) -> list[str]:
    start, end = row.start, row.end
    if start is None or end is None:
        return ["start or end date is missing"]
    if end < start:
        return [f"end {end.date()} is before start {start.date()}"]
    problems = []
    for side, profile in (("visitor", visitor), ("host", host)):
        available_from = _day(profile["available_from"])
        available_to = _day(profile["available_to"])
        if available_from is None or available_to is None:
            problems.append(f"{side} availability is unknown")
        elif start < available_from or end > available_to:
            problems.append(
                f"{start.date()}..{end.date()} is outside the {side}'s availability "
                f"{available_from.date()}..{available_to.date()}"
            )
    working_days = int(np.busday_count(start.date(), (end + pd.Timedelta(days=1)).date()))
    shortest = max(policy.min_days, int(visitor["min_days"]), int(host["min_days"]))
    longest = min(policy.max_days, int(visitor["max_days"]), int(host["max_days"]))
    if not shortest <= working_days <= longest:
        problems.append(
            f"{working_days} working days ({start.date()}..{end.date()}) "
            f"is outside the allowed {shortest}..{longest}"
        )
    return problems


# --------------------------------------------------------------------------- whole set


def _check_duplicates(rows: list[_Proposal]) -> list[Violation]:
    counts = Counter(row.pair for row in rows)
    return [
        Violation("duplicate_pair", f"the pair is proposed {count} times", visitor_id, host_id)
        for (visitor_id, host_id), count in counts.items()
        if count > 1
    ]


def _check_visitor_once(pairs: list[_Proposal]) -> list[Violation]:
    hosts_of: dict[str, list[str]] = defaultdict(list)
    for row in pairs:
        hosts_of[row.visitor_id].append(row.host_id)
    return [
        Violation("visitor_once", f"visitor proposed to {len(hosts)} hosts: {hosts}", visitor_id)
        for visitor_id, hosts in hosts_of.items()
        if len(hosts) > 1
    ]


def _check_physical_visits(
    pairs: list[_Proposal], used: Counter[str], policy: Policy
) -> list[Violation]:
    """Physical proposals beyond the visitor's allowance, history counted first."""
    found: list[Violation] = []
    taken = Counter(used)
    for row in pairs:
        if row.mode != "physical":
            continue
        taken[row.visitor_id] += 1
        if taken[row.visitor_id] > policy.physical_visits_per_visitor:
            found.append(
                Violation(
                    "physical_visit_used",
                    f"visitor already has {used[row.visitor_id]} accepted/completed physical "
                    f"exchange(s); allowance {policy.physical_visits_per_visitor}",
                    row.visitor_id,
                    row.host_id,
                )
            )
    return found


def _check_locked_visitors(pairs: list[_Proposal], locked: list[Pair]) -> list[Violation]:
    host_of = dict(locked)
    return [
        Violation(
            "locked_visitor",
            f"visitor has an accepted exchange with {host_of[row.visitor_id]!r} and is proposed again",
            row.visitor_id,
            row.host_id,
        )
        for row in pairs
        if row.visitor_id in host_of
    ]


def _check_host_capacity(
    pairs: list[_Proposal], profiles: dict[str, Profile], policy: Policy, locked: list[Pair]
) -> list[Violation]:
    """Proposals plus locked exchanges per host, within its capacity."""
    found: list[Violation] = []
    held = Counter(host_id for _, host_id in set(locked))
    proposed = Counter(row.host_id for row in pairs)
    for host_id, count in (proposed + held).items():
        if host_id not in proposed:
            continue  # locked exchanges alone were checked when they were proposed
        host = profiles.get(host_id)
        if host is None or host["role"] != "host":
            continue  # reported as unknown_profile / role
        limit = int(host["capacity"])
        if policy.max_group_size is not None:
            limit = min(limit, policy.max_group_size)
        if count > limit:
            locked_here = f" ({held[host_id]} of them accepted before)" if held[host_id] else ""
            message = f"{count} visitors{locked_here} for a capacity of {limit}"
            found.append(Violation("host_capacity", message, None, host_id))
    return found


def _check_sme_share(
    pairs: list[_Proposal], profiles: dict[str, Profile], policy: Policy, locked: list[Pair]
) -> list[Violation]:
    """At least ``min_sme_share`` of proposals + locked exchanges go to SMEs (exact fractions)."""
    visitors = [row.visitor_id for row in pairs] + [v for v, _ in dict.fromkeys(locked)]
    smes = sum(1 for v in visitors if (profiles.get(v) or {}).get("org_type") == "sme")
    share = Fraction(str(policy.min_sme_share))  # the decimal the user wrote: 0.7 is 7/10
    if smes < share * len(visitors):
        what = "proposals" if not locked else "proposals and accepted exchanges"
        return [
            Violation(
                "sme_share",
                f"{smes} of {len(visitors)} {what} go to SMEs; at least {share} required",
            )
        ]
    return []


def _check_groups(rows: list[_Proposal]) -> list[Violation]:
    members: dict[Hashable, list[_Proposal]] = defaultdict(list)
    for row in rows:
        if row.group_id is not None:
            members[row.group_id].append(row)
    found: list[Violation] = []
    for group_id, group in members.items():
        differing = [
            name
            for name in ("host_id", "start", "end", "mode")
            if len({getattr(row, name) for row in group}) > 1
        ]
        if differing:
            hosts = {row.host_id for row in group}
            found.append(
                Violation(
                    "group",
                    f"group {group_id!r} members differ in {', '.join(differing)}",
                    None,
                    next(iter(hosts)) if len(hosts) == 1 else None,
                )
            )
    return found


# --------------------------------------------------------------------------- helpers


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _is_true(value: Any) -> bool:
    """Only a real boolean True counts: ``"false"`` or NaN is not validated."""
    return isinstance(value, bool | np.bool_) and bool(value)


def _day(value: Any) -> pd.Timestamp | None:
    """A calendar day (midnight) from a date, datetime64 or ISO string; None if missing."""
    if isinstance(value, pd.Timestamp):  # the common case, and never NaT
        return value.normalize()
    if _is_missing(value):
        return None
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(day) else day.normalize()


def _country(profile: Profile) -> str:
    country = str(profile["country"])
    return canonical_country(country) or country.strip().upper()


def _as_set(values: Any) -> set[str]:
    if _is_missing(values):
        return set()
    if isinstance(values, str):
        return {value for value in values.split(";") if value}
    return {str(value) for value in values}
