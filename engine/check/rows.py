"""Rules of a single proposal row: profiles, roles, status, countries, mode, blocked pair,
language, dates (inside both availabilities, a stay both accept counted in the host country's
working days, no earlier than the night's date plus the lead time)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import numpy as np
import pandas as pd

from engine.check.violations import (
    PROPOSAL_MODES,
    Pair,
    Profile,
    ProposalRow,
    Violation,
    as_set,
    country_of,
    day_of,
    is_true,
)
from engine.domain.calendar import WEEKMASK, public_holidays
from engine.domain.contract import Policy
from engine.domain.reference import canonical_country


def check_row(
    row: ProposalRow,
    profiles: dict[str, Profile],
    blocked: set[Pair],
    policy: Policy,
    as_of: date | None = None,
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
        if not is_true(profile["validated"]):
            flag("not_validated", f"{side} {profile_id!r} is not validated")
        if canonical_country(profile["country"]) is None:
            flag("not_cosme", f"{side} {profile_id!r} is in {profile['country']!r}, not COSME")
        if row.mode in PROPOSAL_MODES and profile["mode"] not in (row.mode, "either"):
            flag("mode", f"{side} {profile_id!r} accepts {profile['mode']!r}, not {row.mode!r}")
    until = policy.virtual_until
    if (
        row.mode == "virtual"
        and until is not None
        and row.end is not None
        and row.end.date() > until
    ):
        flag("mode", f"a virtual exchange until {row.end.date()}, after their end on {until}")
    if visitor is None or host is None:
        return found

    if str(visitor["org_id"]) == str(host["org_id"]):
        flag("same_organisation", f"visitor and host are both organisation {host['org_id']!r}")
    if country_of(visitor) == country_of(host):
        flag("same_country", f"visitor and host are both in {host['country']!r}")
    if policy.require_common_language and not (
        as_set(visitor["languages"]) & as_set(host["languages"])
    ):
        flag("language", "visitor and host share no language")
    if visitor["org_type"] == "large_company":
        flag("large_company_visitor", "a large company may only host")
    for message in date_problems(row, visitor, host, policy):
        flag("dates", message)
    if as_of is not None and row.start is not None:
        earliest = as_of + timedelta(days=policy.lead_days)
        if row.start.date() < earliest:
            flag(
                "lead_time",
                f"starts {row.start.date()}, before {earliest} (the night {as_of} plus "
                f"{policy.lead_days} days' notice)",
            )
    return found


def date_problems(row: ProposalRow, visitor: Profile, host: Profile, policy: Policy) -> list[str]:
    start, end = row.start, row.end
    if start is None or end is None:
        return ["start or end date is missing"]
    if end < start:
        return [f"end {end.date()} is before start {start.date()}"]
    problems = []
    for side, profile in (("visitor", visitor), ("host", host)):
        available_from = day_of(profile["available_from"])
        available_to = day_of(profile["available_to"])
        if available_from is None or available_to is None:
            problems.append(f"{side} availability is unknown")
        elif start < available_from or end > available_to:
            problems.append(
                f"{start.date()}..{end.date()} is outside the {side}'s availability "
                f"{available_from.date()}..{available_to.date()}"
            )
    latest = _last_day_of_a_month_from(start.date())
    if end.date() > latest:
        problems.append(
            f"{start.date()}..{end.date()} is longer than a month (it may end {latest} at the "
            "latest)"
        )
    working_days = host_working_days(country_of(host), start, end, policy.public_holidays)
    shortest = max(policy.min_days, int(visitor["min_days"]), int(host["min_days"]))
    longest = min(policy.max_days, int(visitor["max_days"]), int(host["max_days"]))
    if not shortest <= working_days <= longest:
        problems.append(
            f"{working_days} working days ({start.date()}..{end.date()}) "
            f"is outside the allowed {shortest}..{longest}"
        )
    return problems


def _last_day_of_a_month_from(start: date) -> date:
    """A stay lasts "up to a maximum of a month" (seeds 000, 001, 004): it ends before the
    same date a month later (that month's last day where it has no such date)."""
    year, month = start.year + start.month // 12, start.month % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1])) - timedelta(days=1)


def host_working_days(country: str, start: pd.Timestamp, end: pd.Timestamp, public: bool) -> int:
    """Working days from ``start`` to ``end`` inclusive: Monday to Friday less the host
    country's public holidays (when the policy counts them)."""
    years = tuple(range(start.year, end.year + 1))
    off = public_holidays(country, years) if public else np.zeros(0, "datetime64[D]")
    first = np.datetime64(start.date(), "D")
    return int(np.busday_count(first, np.datetime64(end.date(), "D") + 1, WEEKMASK, off))
