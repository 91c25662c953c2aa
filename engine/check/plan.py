"""Rules of the proposal set as a whole, with the exchanges accepted before: a pair once, a
visitor once, one physical visit, locked visitors, host capacity, the SME share, groups."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from fractions import Fraction

import pandas as pd

from engine.check.accepted import Accepted
from engine.check.violations import Profile, ProposalRow, Violation
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
    pairs: list[ProposalRow],
    org_of: dict[str, str],
    accepted: list[Accepted],
    policy: Policy,
) -> list[Violation]:
    """One physical visit per visiting *organisation* in the programme generation: accepted
    physical exchanges since ``generation_start`` count first, then tonight's physical
    proposals of every visitor profile of the organisation. Virtual exchanges never count."""
    allowance = policy.physical_visits_per_visitor
    used: Counter[str] = Counter(
        org_of.get(exchange.visitor_id, exchange.visitor_id)
        for exchange in accepted
        if exchange.mode == "physical" and exchange.in_generation(policy.generation_start)
    )
    taken = Counter(used)
    found: list[Violation] = []
    for row in pairs:
        if row.mode != "physical":
            continue
        org = org_of.get(row.visitor_id, row.visitor_id)
        taken[org] += 1
        if taken[org] > allowance:
            before = f"{used[org]} accepted physical exchange(s) and " if used[org] else ""
            found.append(
                Violation(
                    "physical_visit_used",
                    f"organisation {org} has {before}{taken[org] - used[org]} physical "
                    f"proposal(s) tonight; it may make {allowance} physical visit(s)",
                    row.visitor_id,
                    row.host_id,
                )
            )
    return found


def check_repeated_exchanges(
    pairs: list[ProposalRow], accepted: list[Accepted], policy: Policy
) -> list[Violation]:
    """An exchange is not repeated: a pair whose exchange was accepted or completed in the
    programme generation is proposed again only as a physical exchange after a virtual one,
    and not at all after an exchange of the decision log (the log answers a pair once)."""
    done: dict[tuple[str, str], set[str]] = defaultdict(set)
    logged: set[tuple[str, str]] = set()
    for exchange in accepted:
        if exchange.locked or exchange.in_generation(policy.generation_start):
            done[exchange.pair].add(exchange.mode)
        if exchange.locked:
            logged.add(exchange.pair)
    found: list[Violation] = []
    for row in pairs:
        modes = done.get(row.pair, set())
        if "physical" in modes or row.mode in modes or row.pair in logged:
            where = " in the decision log" if row.pair in logged else ""
            found.append(
                Violation(
                    "repeated_exchange",
                    f"the pair's {' and '.join(sorted(modes))} exchange was accepted "
                    f"already{where}; it is proposed a {row.mode} one",
                    row.visitor_id,
                    row.host_id,
                )
            )
    return found


def check_visitor_free(pairs: list[ProposalRow], accepted: list[Accepted]) -> list[Violation]:
    """A visitor is proposed no stay on days it is in an exchange accepted before, at another
    host or virtually (it cannot be in two exchanges at once); an exchange without dates
    occupies no day (``dates``)."""
    busy: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, Accepted]]] = defaultdict(list)
    for exchange in accepted:
        if exchange.start is not None and exchange.end is not None:
            busy[exchange.visitor_id].append((exchange.start, exchange.end, exchange))
    found: list[Violation] = []
    for row in pairs:
        if row.start is None or row.end is None:
            continue  # reported by ``dates`` already
        for start, end, exchange in busy.get(row.visitor_id, []):
            if row.start <= end and start <= row.end:
                found.append(
                    Violation(
                        "dates",
                        f"{row.start.date()}..{row.end.date()} overlaps the visitor's "
                        f"{exchange.mode} exchange with {exchange.host_id!r} on "
                        f"{start.date()}..{end.date()}",
                        row.visitor_id,
                        row.host_id,
                    )
                )
    return found


def check_host_capacity(
    pairs: list[ProposalRow],
    profiles: dict[str, Profile],
    policy: Policy,
    accepted: list[Accepted],
) -> list[Violation]:
    """On every day, the visitors a host has (accepted exchanges on their dates, plus
    tonight's proposals) are at most its capacity. An accepted exchange without dates
    occupies nothing; a proposal without dates is reported by ``dates``."""
    stays: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, bool]]] = defaultdict(list)
    proposed = {row.host_id for row in pairs}
    for exchange in accepted:
        if exchange.host_id in proposed and exchange.start is not None:
            end = exchange.end if exchange.end is not None else exchange.start
            stays[exchange.host_id].append((exchange.start, end, False))
    for row in pairs:
        if row.start is not None and row.end is not None:
            stays[row.host_id].append((row.start, row.end, True))
    found: list[Violation] = []
    for host_id in sorted(proposed):
        host = profiles.get(host_id)
        if host is None or host["role"] != "host":
            continue  # reported as unknown_profile / role
        limit = int(host["capacity"])
        if policy.max_group_size is not None:
            limit = min(limit, policy.max_group_size)
        busiest = _busiest_day(stays[host_id])
        if busiest is not None and busiest[1] > limit:
            day, count, before = busiest
            earlier = f" ({before} of them accepted before)" if before else ""
            found.append(
                Violation(
                    "host_capacity",
                    f"{count} visitors{earlier} on {day.date()} for a capacity of {limit}",
                    None,
                    host_id,
                )
            )
    return found


def _busiest_day(
    stays: list[tuple[pd.Timestamp, pd.Timestamp, bool]],
) -> tuple[pd.Timestamp, int, int] | None:
    """Among the days tonight's proposals cover, the first with the most visitors (a sweep
    over stay starts and ends), its count, and how many of them were accepted before. Days
    with accepted exchanges only were checked when those were proposed."""
    events: list[tuple[pd.Timestamp, int, int]] = []
    for start, end, proposed in stays:
        events.append((start, 1, int(proposed)))
        events.append((end + pd.Timedelta(days=1), -1, -int(proposed)))
    best: tuple[pd.Timestamp, int, int] | None = None
    count = tonight = 0
    for day, step, proposed_step in sorted(events, key=lambda e: (e[0], e[1])):
        count += step
        tonight += proposed_step
        if step > 0 and tonight > 0 and (best is None or count > best[1]):
            best = (day, count, count - tonight)
    return best


def check_sme_share(
    pairs: list[ProposalRow],
    profiles: dict[str, Profile],
    policy: Policy,
    accepted: list[Accepted],
    is_sme: dict[str, bool],
) -> list[Violation]:
    """At least ``min_sme_share`` of the programme generation's exchanges and tonight's
    proposals go to SMEs (exact fractions): the exchanges accepted before (``accepted``: the
    history's of the generation and the log's, one per pair and mode) count beside the proposals,
    unless they fall short of the share already, when the proposals hold it on their own.
    ``is_sme``: every visitor profile's SME status (a past visitor need not be proposed)."""
    share = Fraction(str(policy.min_sme_share))  # the decimal the user wrote: 0.7 is 7/10
    past = [
        exchange.visitor_id
        for exchange in accepted
        if exchange.locked or exchange.in_generation(policy.generation_start)
    ]
    past_smes = sum(1 for v in past if is_sme.get(v, False))
    if past_smes < share * len(past):
        past, past_smes = [], 0  # short already: tonight's proposals on their own
    visitors = [row.visitor_id for row in pairs]
    smes = past_smes + sum(1 for v in visitors if (profiles.get(v) or {}).get("org_type") == "sme")
    total = len(visitors) + len(past)
    what = "proposals" if not past else "proposals and exchanges accepted before"
    if smes < share * total:
        return [
            Violation(
                "sme_share",
                f"{smes} of {total} {what} go to SMEs; at least {share} required",
            )
        ]
    chances = [row.p_accept for row in pairs]
    if policy.plan_on != "outcome" or not pairs or any(p is None for p in chances):
        return []
    # planning on the outcome, the expected exchanges hold the share too (each exchange
    # accepted before counts 1), on the chances as written (four decimals: half of their
    # last digit per proposal is the written chances' own rounding, not a broken rule)
    expected = sum(p for p in chances if p is not None)
    expected_smes = sum(
        p for v, p in zip(visitors, chances, strict=True) if p is not None and _is_sme(profiles, v)
    )
    slack = float(share) * (expected + len(past)) - (expected_smes + past_smes)
    if slack > WRITTEN_CHANCE_ROUNDING * len(pairs):
        return [
            Violation(
                "sme_share",
                f"{expected_smes + past_smes:.4f} of {expected + len(past):.4f} expected "
                f"exchanges ({what}) go to SMEs; at least {share} required",
            )
        ]
    return []


WRITTEN_CHANCE_ROUNDING = 0.5e-4  # p_accept is written with four decimals


def _is_sme(profiles: dict[str, Profile], visitor_id: str) -> bool:
    return (profiles.get(visitor_id) or {}).get("org_type") == "sme"


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
