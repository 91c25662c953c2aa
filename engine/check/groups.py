"""Independent checks of grouped exchanges, lump sums and budgets (part of the checker).

Plain per-row Python over the proposals, written apart from the engine's slot, lump-sum and
solver code, so that a mistake there cannot hide here.

Rules:
- ``group_language``: with ``policy.group_common_language``, the members of a group and its
  host have no language all of them speak.
- ``group_org``: two visitors of one organisation in the same group.
- ``max_groups``: a host is proposed more *new* groups tonight than
  ``policy.max_groups_per_host`` (a proposal joining an accepted group, on its host, dates
  and mode, opens none).
- ``lump_sum``: a proposal's ``lump_sum_eur`` differs from the threshold of the host country
  (policy ``lump_sums`` overrides, else the bundled COSME table), the policy's
  ``short_stay_rate`` of it for stays under 5 working days, and 0 for a virtual exchange.
- ``budget``: tonight's proposals spend more than what a partnership's ``policy.budgets``
  cap leaves after its accepted physical exchanges (an undated one at the full threshold).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from engine.check.accepted import Accepted, accepted_exchanges
from engine.check.rows import host_working_days
from engine.check.violations import Violation
from engine.domain.contract import Campaign
from engine.domain.reference import canonical_country, cosme_countries

CENTS = 0.005  # amounts are compared to the cent


def check_groups(
    campaign: Campaign, proposals: pd.DataFrame, locked: pd.DataFrame | None = None
) -> list[Violation]:
    profiles: dict[str, dict[str, Any]] = {
        str(row["profile_id"]): {str(k): v for k, v in row.items()}
        for row in campaign.profiles.to_dict("records")
    }
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()} for row in proposals.to_dict("records")
    ]
    known = [r for r in rows if r["visitor_id"] in profiles and r["host_id"] in profiles]
    accepted = accepted_exchanges(campaign, locked)
    violations: list[Violation] = []
    violations += _group_rules(campaign, known, profiles, accepted)
    if "lump_sum_eur" in proposals.columns:
        violations += _lump_sums(campaign, known, profiles, accepted)
    return violations


def _group_rules(
    campaign: Campaign,
    rows: list[dict[str, Any]],
    profiles: dict[str, dict[str, Any]],
    accepted: list[Accepted],
) -> list[Violation]:
    policy = campaign.policy
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row["group_id"])].append(row)
    found: list[Violation] = []
    for group_id, members in sorted(groups.items()):
        host_id = members[0]["host_id"]
        if policy.group_common_language:
            spoken = set(profiles[host_id]["languages"])
            for member in members:
                spoken &= set(profiles[member["visitor_id"]]["languages"])
            if not spoken:
                found.append(
                    Violation(
                        "group_language",
                        f"group {group_id!r}: its members and host share no language",
                        None,
                        host_id,
                    )
                )
        by_org: dict[str, list[str]] = defaultdict(list)
        for member in members:
            by_org[str(profiles[member["visitor_id"]]["org_id"])].append(member["visitor_id"])
        for org, visitors in sorted(by_org.items()):
            if len(visitors) > 1:
                found.append(
                    Violation(
                        "group_org",
                        f"group {group_id!r} has {len(visitors)} visitors of organisation {org}",
                        visitors[1],
                        host_id,
                    )
                )
    running = {
        (exchange.host_id, exchange.start, exchange.end, exchange.mode)
        for exchange in accepted
        if exchange.start is not None
    }
    per_host: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        key = (row["host_id"], _day(row["start"]), _day(row["end"]), row["mode"])
        if key not in running:  # joining an accepted group opens no new one
            per_host[row["host_id"]].add(str(row["group_id"]))
    for host_id, host_groups in sorted(per_host.items()):
        if len(host_groups) > policy.max_groups_per_host:
            found.append(
                Violation(
                    "max_groups",
                    f"host {host_id} is proposed {len(host_groups)} new groups tonight "
                    f"(policy allows {policy.max_groups_per_host})",
                    None,
                    host_id,
                )
            )
    return found


def _lump_sums(
    campaign: Campaign,
    rows: list[dict[str, Any]],
    profiles: dict[str, dict[str, Any]],
    accepted: list[Accepted],
) -> list[Violation]:
    thresholds = {
        str(code): float(amount)
        for code, amount in cosme_countries()["lump_sum_threshold_eur"].items()
    }
    for code, amount in campaign.policy.lump_sums.items():
        thresholds[canonical_country(code) or code] = float(amount)
    found: list[Violation] = []
    spend: dict[str, float] = defaultdict(float)
    for row in rows:
        host = profiles[row["host_id"]]
        start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
        country = canonical_country(host["country"]) or ""
        days = host_working_days(country, start, end, campaign.policy.public_holidays)
        expected = 0.0
        if row["mode"] == "physical":
            expected = thresholds.get(country, 0.0)
            expected *= campaign.policy.short_stay_rate if days < 5 else 1.0
        paid = float(row["lump_sum_eur"])
        if abs(paid - expected) > CENTS:
            found.append(
                Violation(
                    "lump_sum",
                    f"lump sum {paid:.2f} EUR, expected {expected:.2f} EUR "
                    f"({row['mode']}, {days} working days in {host['country']})",
                    row["visitor_id"],
                    row["host_id"],
                )
            )
        spend[str(profiles[row["visitor_id"]]["partnership"])] += paid
    spent = _accepted_spend(campaign, accepted, profiles, thresholds)
    for partnership, cap in sorted(campaign.policy.budgets.items()):
        total = spend.get(partnership, 0.0) + spent.get(partnership, 0.0)
        left = max(0.0, float(cap) - spent.get(partnership, 0.0))  # overspent before: 0 left
        if spend.get(partnership, 0.0) > left + CENTS:
            found.append(
                Violation(
                    "budget",
                    f"partnership {partnership} spends {total:.2f} EUR ("
                    f"{spent.get(partnership, 0.0):.2f} accepted before, "
                    f"{spend.get(partnership, 0.0):.2f} proposed) of a {float(cap):.2f} EUR "
                    "budget",
                )
            )
    return found


def _accepted_spend(
    campaign: Campaign,
    accepted: list[Accepted],
    profiles: dict[str, dict[str, Any]],
    thresholds: dict[str, float],
) -> dict[str, float]:
    """Lump sums of the accepted physical exchanges per visitor partnership; an exchange
    without dates at the full threshold (its length is unknown)."""
    spent: dict[str, float] = defaultdict(float)
    for exchange in accepted:
        visitor, host = profiles.get(exchange.visitor_id), profiles.get(exchange.host_id)
        if exchange.mode != "physical" or visitor is None or host is None:
            continue
        country = canonical_country(host["country"]) or ""
        amount = thresholds.get(country, 0.0)
        if exchange.start is not None and exchange.end is not None:
            days = host_working_days(
                country, exchange.start, exchange.end, campaign.policy.public_holidays
            )
            amount *= campaign.policy.short_stay_rate if days < 5 else 1.0
        spent[str(visitor["partnership"])] += amount
    return spent


def _day(value: Any) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).normalize()
