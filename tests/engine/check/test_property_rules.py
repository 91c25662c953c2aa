"""Property: on any random small campaign, the engine's proposals break no rule.

Hypothesis draws profiles (countries, modes, languages, windows, durations, capacities,
statuses, organisations with several visitor profiles), history (accepted, completed,
rejected, cancelled, with or without the exchange's dates), quotas, policy (lead time, group
rules, budgets, generation start) and the night's date; the whole nightly pipeline runs; the
independent checker must find nothing.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import host, make_campaign, visitor

COUNTRIES = ["DE", "FR", "EL", "XK"]
LANGUAGES = ["en", "en", "de", "fr", "el"]
ORG_TYPES = [
    "sme",
    "sme",
    "cluster_organisation",
    "technology_centre",
    "incubator",
    "public_authority",
]


@st.composite
def profile_fields(draw, role: str) -> dict:
    start = draw(st.integers(0, 30))
    length = draw(st.integers(2, 90))
    min_days = draw(st.integers(3, 6))
    org_types = ORG_TYPES + (["large_company"] if role == "host" else [])
    return {
        "country": draw(st.sampled_from(COUNTRIES)),
        "org_type": draw(st.sampled_from(org_types)),
        "partnership": draw(st.sampled_from(["P1", "P2"])),
        "mode": draw(st.sampled_from(["physical", "either", "either", "virtual"])),
        "languages": ";".join(
            draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2, unique=True))
        ),  # noqa: E501
        "available_from": str(date(2027, 1, 4) + timedelta(days=start)),
        "available_to": str(date(2027, 1, 4) + timedelta(days=start + length)),
        "min_days": min_days,
        "max_days": draw(st.integers(min_days, 12)),
        "capacity": draw(st.integers(1, 3)) if role == "host" else 1,
        # a host offering group events gets a bonus per member beyond one per group
        "exchange_types": draw(st.sampled_from(["learning_skills", "group_event"])),
        "status": draw(st.sampled_from(["published"] * 12 + ["draft"])),
        "validated": draw(st.sampled_from(["true"] * 12 + ["false"])),
    }


@st.composite
def campaigns(draw):
    n_visitors = draw(st.integers(1, 15))
    n_hosts = draw(st.integers(1, 6))
    # some visitors share an organisation (a group may never hold two of them)
    profiles = [
        visitor(
            f"V{i}",
            org_id=f"ORG{draw(st.integers(0, n_visitors // 3))}",
            **draw(profile_fields("visitor")),
        )
        for i in range(n_visitors)
    ]
    # some hosts are profiles of a visiting organisation (never proposed to itself)
    profiles += [
        host(
            f"H{j}",
            org_id=draw(st.sampled_from([f"O-H{j}"] * 3 + [f"ORG{j % (n_visitors // 3 + 1)}"])),
            **draw(profile_fields("host")),
        )
        for j in range(n_hosts)
    ]
    drawn = [draw(history_row(n_visitors, n_hosts)) for _ in range(draw(st.integers(0, 8)))]
    history = consistent(drawn)
    quotas = [
        {"partnership": p, "category": c, "target": draw(st.integers(0, 4))}
        for p in ("P1", "P2")
        for c in draw(
            st.lists(
                st.sampled_from(
                    ["sme", "cluster", "technology_centre", "scaling_up", "public", "total"]
                ),
                unique=True,
                max_size=3,
            )
        )
        if any(row["partnership"] == p for row in profiles)
    ]
    policy = (
        f"min_sme_share = {draw(st.sampled_from([0.0, 0.3, 0.5, 0.75]))}\n"
        f"require_common_language = {draw(st.sampled_from(['true', 'false']))}\n"
    )
    if draw(st.booleans()):
        policy += f"max_group_size = {draw(st.integers(1, 2))}\n"
    policy += f"lead_days = {draw(st.sampled_from([0, 7, 14]))}\n"
    policy += f"max_groups_per_host = {draw(st.integers(1, 2))}\n"
    policy += f"short_stay_rate = {draw(st.sampled_from([1.0, 0.5]))}\n"
    if draw(st.booleans()):
        policy += "generation_start = 2026-09-01\n"
    # a budget names a partnership of the profiles (the loader refuses one that names none)
    if draw(st.booleans()) and any(row["partnership"] == "P1" for row in profiles):
        policy += f"[budgets]\nP1 = {draw(st.sampled_from([0, 500, 2000]))}\n"
    as_of = date(2026, 12, 20) + timedelta(days=draw(st.integers(0, 40)))
    return profiles, history, quotas, policy, as_of


def consistent(history: list[dict]) -> list[dict]:
    """The rows that agree with the first row of their pair: a pair is an exchange (accepted,
    completed) or refused (rejected, cancelled), never both (the loader refuses that)."""
    first: dict[tuple[str, str], bool] = {}
    kept = []
    for row in history:
        exchange = row["outcome"] in ("accepted", "completed")
        if first.setdefault((row["visitor_id"], row["host_id"]), exchange) == exchange:
            kept.append(row)
    return kept


@st.composite
def history_row(draw, n_visitors: int, n_hosts: int) -> dict:
    """A past decision; an accepted or completed one often with its dates (some of them in
    the campaign, occupying the host then)."""
    row = {
        "visitor_id": f"V{draw(st.integers(0, n_visitors - 1))}",
        "host_id": f"H{draw(st.integers(0, n_hosts - 1))}",
        "decided_on": str(date(2026, 8, 1) + timedelta(days=draw(st.integers(0, 120)))),
        "outcome": draw(st.sampled_from(["accepted", "completed", "rejected", "cancelled"])),
        "mode": draw(st.sampled_from(["physical", "virtual"])),
        "start": "",
        "end": "",
    }
    if row["outcome"] in ("accepted", "completed") and draw(st.booleans()):
        start = date(2026, 11, 2) + timedelta(days=draw(st.integers(0, 120)))
        row["start"] = str(start)
        row["end"] = str(start + timedelta(days=draw(st.integers(2, 12))))
    return row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_proposals_never_break_a_rule(drawn):
    profiles, history, quotas, policy, as_of = drawn
    with tempfile.TemporaryDirectory() as folder:
        campaign = make_campaign(Path(folder), profiles, history, quotas, policy)
    result = run_night(campaign, RunOptions(time_limit_s=5, workers=1, as_of=as_of))
    assert result.solve.status.has_solution
    assert result.violations == []
    # the top-up only adds and moves where the objective gains (its own count of the gain)
    stats = result.solve.stats
    assert stats.get("top_up_value", 0) >= 0
    assert not stats.get("top_up_moved", 0) or stats["top_up_value"] > 0
    kpis = result.kpis
    assert (kpis["shortfall"] >= 0).all()
