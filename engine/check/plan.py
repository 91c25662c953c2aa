"""Rules of the proposal set as a whole, with the exchanges accepted before: a pair once, a
visitor once, one physical visit, locked visitors, host capacity, the SME share, groups."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from fractions import Fraction

from engine.check.violations import Pair, Profile, ProposalRow, Violation
from engine.domain.contract import Policy


def check_duplicates(rows: list[ProposalRow]) -> list[Violation]:
    counts = Counter(row.pair for row in rows)
    return [
        Violation("duplicate_pair", f"the pair is proposed {count} times", visitor_id, host_id)
        for (visitor_id, host_id), count in counts.items()
        if count > 1
    ]


def check_visitor_once(pairs: list[ProposalRow]) -> list[Violation]:
    hosts_of: dict[str, list[str]] = defaultdict(list)
    for row in pairs:
        hosts_of[row.visitor_id].append(row.host_id)
    return [
        Violation("visitor_once", f"visitor proposed to {len(hosts)} hosts: {hosts}", visitor_id)
        for visitor_id, hosts in hosts_of.items()
        if len(hosts) > 1
    ]


def check_physical_visits(
    pairs: list[ProposalRow], used: Counter[str], policy: Policy
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


def check_locked_visitors(pairs: list[ProposalRow], locked: list[Pair]) -> list[Violation]:
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


def check_host_capacity(
    pairs: list[ProposalRow], profiles: dict[str, Profile], policy: Policy, locked: list[Pair]
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


def check_sme_share(
    pairs: list[ProposalRow], profiles: dict[str, Profile], policy: Policy, locked: list[Pair]
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


def check_groups_of_rows(rows: list[ProposalRow]) -> list[Violation]:
    members: dict[Hashable, list[ProposalRow]] = defaultdict(list)
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
