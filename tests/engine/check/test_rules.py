"""The independent checker on tiny hand-made campaigns.

Every rule: the valid base set passes, and one minimal corruption gives exactly that rule
with the ids it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import pytest

from engine.check.kpis import KPI_COLUMNS, kpi_table
from engine.check.rules import check_proposals
from engine.check.violations import RULES, Violation
from engine.domain.contract import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
    PROFILE_LIST_COLUMNS,
    QUOTA_COLUMNS,
    Campaign,
    Policy,
)

PROPOSAL_COLUMNS = ("visitor_id", "host_id", "group_id", "start", "end", "mode", "score")


# --------------------------------------------------------------------------- builders


def profile(profile_id: str, role: str, **overrides: Any) -> dict[str, Any]:
    """A valid published, validated profile; available 2025-03-03 (Mon) .. 2025-04-30."""
    row: dict[str, Any] = {
        "profile_id": profile_id,
        "role": role,
        "org_id": f"org-{profile_id}",
        "org_name": f"Organisation {profile_id}",
        "org_type": "sme",
        "country": "DE",
        "partnership": "P1",
        "sectors": ("C29",),
        "languages": ("en",),
        "available_from": "2025-03-03",
        "available_to": "2025-04-30",
        "min_days": 3,
        "max_days": 22,
        "mode": "either",
        "target_org_types": (),
        "target_countries": (),
        "target_sectors": (),
        "exchange_types": (),
        "offer": "",
        "seek": "",
        "capacity": 1,
        "status": "published",
        "validated": True,
    }
    row.update(overrides)
    return row


def make_campaign(
    profiles: list[dict[str, Any]],
    history: list[dict[str, Any]] | None = None,
    quotas: list[dict[str, Any]] | None = None,
    **policy: Any,
) -> Campaign:
    """A Campaign with canonical dtypes (tuples, datetime64) from plain dicts."""
    profile_frame = pd.DataFrame.from_records(profiles)
    for column in PROFILE_LIST_COLUMNS:
        profile_frame[column] = profile_frame[column].map(tuple)
    for column in ("available_from", "available_to"):
        profile_frame[column] = pd.to_datetime(profile_frame[column])
    history_frame = pd.DataFrame.from_records(
        history or [], columns=[*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS]
    )
    for column in ("decided_on", *HISTORY_OPTIONAL_COLUMNS):
        history_frame[column] = pd.to_datetime(history_frame[column])
    quota_frame = pd.DataFrame.from_records(quotas or [], columns=list(QUOTA_COLUMNS))
    return Campaign(profile_frame, history_frame, quota_frame, Policy(**policy))


def proposal(
    visitor_id: str,
    host_id: str,
    start: Any = "2025-03-10",
    end: Any = "2025-03-14",
    mode: str = "physical",
    group_id: str | None = None,
) -> dict[str, Any]:
    """2025-03-10 is a Monday: the default stay is 5 working days."""
    return {
        "visitor_id": visitor_id,
        "host_id": host_id,
        "group_id": group_id,
        "start": start,
        "end": end,
        "mode": mode,
        "score": 75.0,
    }


def proposal_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(PROPOSAL_COLUMNS))
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame


def history_row(
    visitor_id: str,
    host_id: str,
    outcome: str,
    mode: str = "physical",
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    return {
        "visitor_id": visitor_id,
        "host_id": host_id,
        "decided_on": "2024-06-01",
        "outcome": outcome,
        "mode": mode,
        "start": start,
        "end": end,
    }


def found(violations: list[Violation]) -> set[tuple[str, str | None, str | None]]:
    return {(v.rule, v.visitor_id, v.host_id) for v in violations}


@dataclass
class Scenario:
    """The valid base case, as dicts a corruption can edit.

    V1 (SME, GR) and V3 (research institute, IT) visit H1 (technology centre, DE, capacity
    2) together as group G1; V2 (SME, Kosovo) visits large company H2 (FR) virtually.
    2 of 3 proposals go to SMEs.
    """

    profiles: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            "V1": profile("V1", "visitor", country="GR", languages=("el", "en")),
            "V2": profile("V2", "visitor", country="XK", partnership="P2", languages=("sq", "en")),
            "V3": profile("V3", "visitor", org_type="research_institute", country="IT"),
            "H1": profile("H1", "host", org_type="technology_centre", capacity=2),
            "H2": profile(
                "H2",
                "host",
                org_type="large_company",
                country="FR",
                partnership="P2",
                languages=("fr", "en"),
                capacity=2,
            ),
        }
    )
    proposals: list[dict[str, Any]] = field(
        default_factory=lambda: [
            proposal("V1", "H1", group_id="G1"),
            proposal("V3", "H1", group_id="G1"),
            proposal("V2", "H2", start="2025-03-12", end="2025-03-14", mode="virtual"),
        ]
    )
    history: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=dict)
    as_of: date | None = None
    locked: list[dict[str, Any]] | None = None

    def check(self) -> list[Violation]:
        campaign = make_campaign(list(self.profiles.values()), self.history, **self.policy)
        locked = None if self.locked is None else pd.DataFrame.from_records(self.locked)
        return check_proposals(campaign, proposal_frame(self.proposals), locked, self.as_of)


# --------------------------------------------------------------------------- valid sets


def test_valid_base_set_passes() -> None:
    assert Scenario().check() == []


def test_empty_proposal_set_passes() -> None:
    scenario = Scenario(proposals=[])
    assert scenario.check() == []


def test_dates_as_python_dates_or_strings_pass() -> None:
    scenario = Scenario()
    campaign = make_campaign(list(scenario.profiles.values()))
    rows = [
        proposal("V1", "H1", start=date(2025, 3, 10), end=date(2025, 3, 14), group_id="G1"),
        proposal("V3", "H1", start="2025-03-10", end="2025-03-14", group_id="G1"),
    ]
    frame = pd.DataFrame.from_records(rows, columns=list(PROPOSAL_COLUMNS))
    assert frame["start"].dtype == object
    assert check_proposals(campaign, frame) == []


def test_missing_column_is_an_error_not_a_violation() -> None:
    scenario = Scenario()
    campaign = make_campaign(list(scenario.profiles.values()))
    frame = proposal_frame(scenario.proposals).drop(columns=["group_id"])
    with pytest.raises(ValueError, match="group_id"):
        check_proposals(campaign, frame)


# --------------------------------------------------------------------------- one rule each

Corruption = Callable[[Scenario], None]


def _set(kind: str, key: str, column: str, value: Any) -> Corruption:
    def corrupt(scenario: Scenario) -> None:
        if kind == "profile":
            scenario.profiles[key][column] = value
        else:
            scenario.proposals[int(key)][column] = value

    return corrupt


def _add_proposal(row: dict[str, Any]) -> Corruption:
    return lambda scenario: scenario.proposals.append(row)


def _add_history(row: dict[str, Any]) -> Corruption:
    return lambda scenario: scenario.history.append(row)


def _policy(**values: Any) -> Corruption:
    return lambda scenario: scenario.policy.update(values)


def _as_of(day: str) -> Corruption:
    def corrupt(scenario: Scenario) -> None:
        scenario.as_of = date.fromisoformat(day)

    return corrupt


def _add_profile(row: dict[str, Any]) -> Corruption:
    return lambda scenario: scenario.profiles.__setitem__(row["profile_id"], row)


def _all(*corruptions: Corruption) -> Corruption:
    def corrupt(scenario: Scenario) -> None:
        for corruption in corruptions:
            corruption(scenario)

    return corrupt


CASES: dict[str, tuple[Corruption, set[tuple[str, str | None, str | None]]]] = {
    "unknown visitor": (
        _set("proposal", "1", "visitor_id", "V9"),
        {("unknown_profile", "V9", "H1")},
    ),
    "unknown host": (_set("proposal", "2", "host_id", "H9"), {("unknown_profile", "V2", "H9")}),
    "visitor is a host": (_set("profile", "V1", "role", "host"), {("role", "V1", "H1")}),
    "host is a visitor": (_set("profile", "H2", "role", "visitor"), {("role", "V2", "H2")}),
    "duplicate pair": (
        _add_proposal(proposal("V1", "H1", group_id="G1")),
        {("duplicate_pair", "V1", "H1")},
    ),
    "visitor twice": (
        _add_proposal(proposal("V1", "H2", mode="virtual")),
        {("visitor_once", "V1", None)},
    ),
    "physical visit used": (
        _add_history(history_row("V1", "H2", "completed")),
        {("physical_visit_used", "V1", "H1")},
    ),
    "physical visit accepted": (
        _add_history(history_row("V3", "H2", "accepted")),
        {("physical_visit_used", "V3", "H1")},
    ),
    "host capacity": (_set("profile", "H1", "capacity", 1), {("host_capacity", None, "H1")}),
    # an exchange accepted before occupies H1 on 12-13 March: three visitors for two places
    "host full on those dates": (
        _all(
            _add_profile(profile("V4", "visitor", country="IT")),
            _add_history(
                history_row("V4", "H1", "accepted", "virtual", "2025-03-12", "2025-03-13")
            ),
        ),
        {("host_capacity", None, "H1")},
    ),
    "two profiles of one organisation go physical": (
        _set("profile", "V3", "org_id", "org-V1"),
        {("physical_visit_used", "V3", "H1")},
    ),
    "organisation's visit used by another profile": (
        _all(
            _add_profile(profile("V4", "visitor", country="IT", org_id="org-V1")),
            _add_history(history_row("V4", "H2", "completed", "physical")),
        ),
        {("physical_visit_used", "V1", "H1")},
    ),
    "the pair's virtual exchange again": (
        _add_history(history_row("V2", "H2", "accepted", "virtual")),
        {("repeated_exchange", "V2", "H2")},
    ),
    "max group size": (_policy(max_group_size=1), {("host_capacity", None, "H1")}),
    "sme share": (_policy(min_sme_share=0.7), {("sme_share", None, None)}),
    "sme share lost": (
        _set("profile", "V2", "org_type", "innovation_hub"),
        {("sme_share", None, None)},
    ),
    "visitor draft": (_set("profile", "V1", "status", "draft"), {("not_published", "V1", "H1")}),
    "host draft": (_set("profile", "H2", "status", "draft"), {("not_published", "V2", "H2")}),
    "host not validated": (
        _set("profile", "H1", "validated", False),
        {("not_validated", "V1", "H1"), ("not_validated", "V3", "H1")},
    ),
    "visitor validated is a string": (
        _set("profile", "V2", "validated", "false"),
        {("not_validated", "V2", "H2")},
    ),
    "same country": (_set("profile", "V1", "country", "DE"), {("same_country", "V1", "H1")}),
    # the visitor profile and the host profile of one organisation
    "organisation proposed to itself": (
        _set("profile", "V1", "org_id", "org-H1"),
        {("same_organisation", "V1", "H1")},
    ),
    "host not cosme": (_set("profile", "H2", "country", "CH"), {("not_cosme", "V2", "H2")}),
    "visitor not cosme": (_set("profile", "V3", "country", "NO"), {("not_cosme", "V3", "H1")}),
    "host physical only": (_set("profile", "H2", "mode", "physical"), {("mode", "V2", "H2")}),
    "visitor virtual only": (_set("profile", "V1", "mode", "virtual"), {("mode", "V1", "H1")}),
    "unknown mode": (_set("proposal", "2", "mode", "hybrid"), {("mode", "V2", "H2")}),
    "rejected before": (
        _add_history(history_row("V2", "H2", "rejected", "virtual")),
        {("blocked_pair", "V2", "H2")},
    ),
    "cancelled before": (
        _add_history(history_row("V2", "H2", "cancelled", "virtual")),
        {("blocked_pair", "V2", "H2")},
    ),
    "no common language": (_set("profile", "V2", "languages", ("sq",)), {("language", "V2", "H2")}),
    "missing start": (_set("proposal", "2", "start", None), {("dates", "V2", "H2")}),
    # the night of 25 February with 14 days' notice: nothing may start before 11 March
    "starts within the lead time": (
        _as_of("2025-02-25"),
        {("lead_time", "V1", "H1"), ("lead_time", "V3", "H1")},
    ),
    # Good Friday 18 April 2025 is a public holiday in Germany: 15..22 April has 4 working days
    "too short over a public holiday": (
        _all(
            _set("profile", "V1", "min_days", 5),
            _set("proposal", "0", "start", "2025-04-15"),
            _set("proposal", "0", "end", "2025-04-22"),
            _set("proposal", "1", "start", "2025-04-15"),
            _set("proposal", "1", "end", "2025-04-22"),
        ),
        {("dates", "V1", "H1")},
    ),
    "end before start": (_set("proposal", "2", "end", "2025-03-11"), {("dates", "V2", "H2")}),
    "before availability": (_set("proposal", "2", "start", "2025-02-28"), {("dates", "V2", "H2")}),
    "after host availability": (
        _set("profile", "H2", "available_to", "2025-03-13"),
        {("dates", "V2", "H2")},
    ),
    # Fri 14 .. Mon 17 March: 2 working days, below the minimum of 3
    "too short over a weekend": (
        _all(
            _set("proposal", "2", "start", "2025-03-14"), _set("proposal", "2", "end", "2025-03-17")
        ),
        {("dates", "V2", "H2")},
    ),
    "shorter than visitor min_days": (
        _set("profile", "V2", "min_days", 4),
        {("dates", "V2", "H2")},
    ),
    "longer than host max_days": (
        _set("profile", "H1", "max_days", 4),
        {("dates", "V1", "H1"), ("dates", "V3", "H1")},
    ),
    "longer than policy max_days": (
        _policy(max_days=4),
        {("dates", "V1", "H1"), ("dates", "V3", "H1")},
    ),
    # 31 March .. 30 April 2025 in France: 22 working days (Easter Monday off), a day longer
    # than a month (seeds: "up to a maximum of a month"; it may end on 29 April)
    "longer than a month": (
        _all(
            _set("profile", "V2", "max_days", 22),
            _set("profile", "H2", "max_days", 22),
            _set("proposal", "2", "start", "2025-03-31"),
            _set("proposal", "2", "end", "2025-04-30"),
        ),
        {("dates", "V2", "H2")},
    ),
    # V2, proposed 12..14 March at H2, is in a virtual exchange with H3 on the 13th
    "visitor busy in an exchange of its own": (
        _all(
            _add_profile(profile("H3", "host", country="FR", partnership="P2")),
            _add_history(
                history_row("V2", "H3", "accepted", "virtual", "2025-03-13", "2025-03-13")
            ),
        ),
        {("dates", "V2", "H2")},
    ),
    # seed 002: "the virtual exchanges period ended on 31 August 2021"
    "virtual after the virtual period": (
        _policy(virtual_until=date(2025, 3, 13)),
        {("mode", "V2", "H2")},
    ),
    "group dates differ": (_set("proposal", "1", "end", "2025-03-13"), {("group", None, "H1")}),
    "group modes differ": (_set("proposal", "1", "mode", "virtual"), {("group", None, "H1")}),
    "group across hosts": (_set("proposal", "2", "group_id", "G1"), {("group", None, None)}),
    "large company visitor": (
        _set("profile", "V3", "org_type", "large_company"),
        {("large_company_visitor", "V3", "H1")},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_one_corruption_breaks_exactly_one_rule(name: str) -> None:
    corrupt, expected = CASES[name]
    scenario = Scenario()
    corrupt(scenario)
    violations = scenario.check()
    assert found(violations) == expected
    assert all(v.message for v in violations)


def test_every_rule_has_a_corruption_case() -> None:
    covered = {rule for _, expected in CASES.values() for rule, _, _ in expected}
    assert covered == set(RULES)


def test_all_simultaneous_violations_are_reported() -> None:
    scenario = Scenario()
    for name in (
        "unknown host",
        "same country",
        "host capacity",
        "group dates differ",
        "sme share",
    ):
        CASES[name][0](scenario)
    assert found(scenario.check()) == {
        ("unknown_profile", "V2", "H9"),
        ("same_country", "V1", "H1"),
        ("host_capacity", None, "H1"),
        ("group", None, "H1"),
        ("sme_share", None, None),
    }
    scenario = Scenario()
    for name in ("host draft", "no common language", "too short over a weekend", "visitor twice"):
        CASES[name][0](scenario)
    assert found(scenario.check()) == {
        ("not_published", "V2", "H2"),
        ("not_published", "V1", "H2"),
        ("language", "V2", "H2"),
        ("dates", "V2", "H2"),
        ("visitor_once", "V1", None),
    }


def test_one_row_can_break_several_date_rules() -> None:
    scenario = Scenario()
    _set("proposal", "2", "end", "2025-05-30")(scenario)
    messages = [v.message for v in scenario.check() if v.rule == "dates"]
    # outside both availability windows, longer than a month and too many working days
    assert len(messages) == 4
    assert sum("availability" in message for message in messages) == 2
    assert sum("longer than a month" in message for message in messages) == 1


# --------------------------------------------------------------------------- rule details


@pytest.mark.parametrize(
    ("outcome", "mode", "proposal_mode", "allowance", "broken"),
    [
        ("completed", "physical", "physical", 1, True),
        ("completed", "physical", "physical", 2, False),  # policy allows two visits
        ("completed", "virtual", "physical", 1, False),  # a virtual exchange uses nothing
        ("rejected", "physical", "physical", 1, False),  # a rejected match was no visit
        ("completed", "physical", "virtual", 1, False),  # a virtual proposal is always fine
    ],
)
def test_physical_visit_allowance(
    outcome: str, mode: str, proposal_mode: str, allowance: int, broken: bool
) -> None:
    scenario = Scenario(
        proposals=[proposal("V1", "H1", mode=proposal_mode)],
        history=[history_row("V1", "H2", outcome, mode)],
        policy={"physical_visits_per_visitor": allowance},
    )
    expected = {("physical_visit_used", "V1", "H1")} if broken else set()
    assert found(scenario.check()) == expected


def test_language_rule_can_be_switched_off() -> None:
    scenario = Scenario(policy={"require_common_language": False})
    scenario.profiles["V2"]["languages"] = ("sq",)
    assert scenario.check() == []


def test_same_country_compares_canonical_codes() -> None:
    scenario = Scenario()
    scenario.profiles["H1"]["country"] = "GR"
    scenario.profiles["V1"]["country"] = "EL"  # the EU spelling of Greece
    assert found(scenario.check()) == {("same_country", "V1", "H1")}


@pytest.mark.parametrize(("smes", "broken"), [(7, False), (6, True)])
def test_sme_share_is_exact(smes: int, broken: bool) -> None:
    """0.28 x 25 is 7.000000000000001 in floats; 7 SMEs of 25 meet a 0.28 share exactly."""
    assert 0.28 * 25 > 7  # the float trap this test is about
    visitors = [
        profile(f"V{i}", "visitor", org_type="sme" if i < smes else "fab_lab", country="GR")
        for i in range(25)
    ]
    campaign = make_campaign([*visitors, profile("H1", "host", capacity=25)], min_sme_share=0.28)
    frame = proposal_frame([proposal(f"V{i}", "H1") for i in range(25)])
    expected = {("sme_share", None, None)} if broken else set()
    assert found(check_proposals(campaign, frame)) == expected


@pytest.mark.parametrize(
    ("chances", "plan_on", "broken"),
    [
        ((0.5514, 0.5459), "outcome", True),  # the oracle's audit: 49.75% of the expected
        ((0.5459, 0.5514), "outcome", False),  # the SME's chance the larger: 50.25%
        ((0.5514, 0.5459), "proposals", False),  # planning on proposals: 1 of 2
        ((0.5, 0.49995), "outcome", False),  # within the four written decimals' rounding
    ],
)
def test_sme_share_of_the_expected_exchanges(
    chances: tuple[float, float], plan_on: str, broken: bool
) -> None:
    """Planning on the outcome, the expected exchanges hold the share too: 1 SME proposal of
    2 is half the proposals, but not half the expected exchanges where its chance is lower."""
    visitors = [
        profile("V0", "visitor", org_type="technology_centre", country="GR"),
        profile("V1", "visitor", org_type="sme", country="GR"),
    ]
    campaign = make_campaign([*visitors, profile("H1", "host", capacity=2)], plan_on=plan_on)
    frame = proposal_frame([proposal("V0", "H1"), proposal("V1", "H1")])
    frame["p_accept"] = list(chances)
    expected = {("sme_share", None, None)} if broken else set()
    assert found(check_proposals(campaign, frame)) == expected


def test_end_before_start_is_one_dates_violation() -> None:
    scenario = Scenario()
    scenario.proposals[2]["end"] = "2025-03-11"  # start is Wed 12 March
    violations = scenario.check()
    assert [(v.rule, v.visitor_id, v.host_id) for v in violations] == [("dates", "V2", "H2")]
    assert "before start" in violations[0].message


def test_checker_finds_the_few_bad_rows_among_thousands_of_proposals() -> None:
    visitors = [profile(f"V{i}", "visitor", country="GR") for i in range(5000)]
    hosts = [profile(f"H{j}", "host", capacity=10) for j in range(500)]
    history = [history_row(f"V{i}", "H0", "rejected") for i in range(0, 5000, 500)]
    history += [history_row(f"V{i}", "H1", "completed", "virtual") for i in range(5000)]
    campaign = make_campaign([*visitors, *hosts], history)
    frame = proposal_frame([proposal(f"V{i}", f"H{i % 500}") for i in range(5000)])
    violations = check_proposals(campaign, frame)
    assert found(violations) == {("blocked_pair", f"V{i}", "H0") for i in range(0, 5000, 500)}


# --------------------------------------------------------------------------- KPIs


def test_kpi_table_on_a_hand_checked_example() -> None:
    profiles = [
        profile("V1", "visitor", org_type="sme", country="GR"),
        profile("V2", "visitor", org_type="sme", country="GR"),
        profile("V3", "visitor", org_type="research_institute", country="GR"),  # scaling_up
        profile("V4", "visitor", org_type="cluster_organisation", partnership="P2"),
        profile("V5", "visitor", org_type="technology_centre", partnership="P2"),
        profile("V6", "visitor", org_type="fab_lab", country="GR"),  # scaling_up
        profile("H1", "host", partnership="P1"),
        profile("H2", "host", partnership="P2", country="FR"),
    ]
    history = [
        history_row("V1", "H2", "completed"),  # P1 sme
        history_row("V2", "H2", "accepted", "virtual"),  # P1 sme
        history_row("V3", "H1", "rejected"),  # not an exchange
        history_row("V4", "H1", "accepted"),  # P2 cluster: the *visitor's* partnership
        history_row("V4", "H2", "cancelled"),  # not an exchange
    ]
    quotas = [
        {"partnership": "P1", "category": "sme", "target": 3},
        {"partnership": "P1", "category": "cluster", "target": 1},
        {"partnership": "P1", "category": "scaling_up", "target": 1},
        {"partnership": "P1", "category": "total", "target": 5},
        {"partnership": "P2", "category": "technology_centre", "target": 2},
        {"partnership": "P2", "category": "total", "target": 1},
        {"partnership": "P3", "category": "sme", "target": 2},
    ]
    campaign = make_campaign(profiles, history, quotas)
    proposals = proposal_frame(
        [proposal("V3", "H2"), proposal("V5", "H1"), proposal("V6", "H2"), proposal("V1", "H1")]
    )
    expected = pd.DataFrame.from_records(
        [
            ("P1", "sme", 3, 2, 1, 0),
            ("P1", "cluster", 1, 0, 0, 1),
            ("P1", "scaling_up", 1, 0, 2, 0),  # over-achieved: shortfall is not negative
            ("P1", "total", 5, 2, 3, 0),
            ("P2", "cluster", 0, 1, 0, 0),  # an exchange without a quota still shows
            ("P2", "technology_centre", 2, 0, 1, 1),
            ("P2", "total", 1, 1, 1, 0),
            ("P3", "sme", 2, 0, 0, 2),
        ],
        columns=list(KPI_COLUMNS),
    )
    pd.testing.assert_frame_equal(kpi_table(campaign, proposals), expected, check_dtype=False)


def test_kpi_table_without_proposals_reports_the_whole_target_as_shortfall() -> None:
    campaign = make_campaign(
        [profile("V1", "visitor")], quotas=[{"partnership": "P1", "category": "sme", "target": 4}]
    )
    table = kpi_table(campaign, proposal_frame([]))
    assert table.to_dict("records") == [
        {
            "partnership": "P1",
            "category": "sme",
            "target": 4,
            "achieved": 0,
            "proposed": 0,
            "shortfall": 4,
        }
    ]
    assert list(table.columns) == list(KPI_COLUMNS)


# --------------------------------------------------------------------------- over time


def test_an_accepted_exchange_on_other_dates_leaves_the_host_free() -> None:
    scenario = Scenario()
    scenario.profiles["V4"] = profile("V4", "visitor", country="IT")
    scenario.profiles["V5"] = profile("V5", "visitor", country="IT")
    scenario.history += [
        history_row("V4", "H1", "accepted", "physical", "2025-03-03", "2025-03-07"),
        history_row("V5", "H1", "completed", "physical", "2025-03-17", "2025-03-21"),
    ]
    assert scenario.check() == []  # H1 (capacity 2) receives group after group


def test_an_accepted_exchange_without_dates_occupies_nothing() -> None:
    scenario = Scenario()
    scenario.profiles["V4"] = profile("V4", "visitor", country="IT")
    scenario.history.append(history_row("V4", "H1", "accepted", "physical"))
    assert scenario.check() == []


def test_a_virtual_exchange_does_not_use_the_physical_visit() -> None:
    scenario = Scenario()
    scenario.history.append(history_row("V1", "H2", "completed", "virtual"))
    assert scenario.check() == []


def test_a_physical_visit_before_the_generation_does_not_count() -> None:
    scenario = Scenario(policy={"generation_start": date(2025, 1, 1)})
    scenario.history.append(history_row("V1", "H2", "completed", "physical"))  # 2024-06-01
    assert scenario.check() == []
    scenario.policy = {"generation_start": date(2024, 1, 1)}
    assert found(scenario.check()) == {("physical_visit_used", "V1", "H1")}


def test_a_visitor_locked_on_a_virtual_exchange_may_be_proposed_a_physical_one() -> None:
    scenario = Scenario()
    scenario.locked = [
        {"visitor_id": "V1", "host_id": "H2", "mode": "virtual", "start": "2025-03-03",
         "end": "2025-03-05"}
    ]  # fmt: skip
    assert scenario.check() == []
    scenario.locked[0]["mode"] = "physical"  # its organisation's one physical visit
    assert found(scenario.check()) == {("physical_visit_used", "V1", "H1")}


def test_a_visitor_locked_on_a_physical_and_a_virtual_exchange_is_held_by_the_physical() -> None:
    """Whichever the log lists first (the checker kept the last one a visitor had)."""
    scenario = Scenario()
    scenario.locked = [
        {"visitor_id": "V1", "host_id": "H3", "mode": "physical", "start": "2025-03-03",
         "end": "2025-03-05"},
        {"visitor_id": "V1", "host_id": "H2", "mode": "virtual", "start": "2025-03-03",
         "end": "2025-03-05"},
    ]  # fmt: skip
    assert ("physical_visit_used", "V1", "H1") in found(scenario.check())


def test_the_pair_of_a_virtual_exchange_in_the_log_is_not_proposed_again() -> None:
    """The log answers a pair once: a physical proposal of the pair whose virtual exchange
    the log holds could not be answered (an acceptance is recorded already, a rejection
    contradicts it; the simulation's rejection overwrote the exchange and its KPI)."""
    scenario = Scenario()
    scenario.locked = [
        {"visitor_id": "V1", "host_id": "H1", "mode": "virtual", "start": "2025-03-03",
         "end": "2025-03-05"}
    ]  # fmt: skip
    (violation,) = [v for v in scenario.check() if v.rule == "repeated_exchange"]
    assert (violation.visitor_id, violation.host_id) == ("V1", "H1")
    assert "accepted already in the decision log" in violation.message


def test_a_proposal_after_the_lead_time_passes() -> None:
    scenario = Scenario(as_of=date(2025, 2, 24))  # earliest start 10 March
    assert scenario.check() == []


def test_a_physical_exchange_may_follow_a_virtual_one_of_the_pair() -> None:
    """``repeated_exchange`` refuses the same pair in the same mode (or after a physical
    exchange), in the programme generation only."""
    after_virtual = Scenario()
    after_virtual.history.append(history_row("V1", "H1", "completed", "virtual"))
    assert found(after_virtual.check()) == set()
    earlier_generation = Scenario()  # decided on 1 June 2024
    earlier_generation.history.append(history_row("V2", "H2", "completed", "virtual"))
    earlier_generation.policy = {"generation_start": date(2025, 1, 1)}
    assert found(earlier_generation.check()) == set()
    this_generation = Scenario()
    this_generation.history.append(history_row("V2", "H2", "completed", "virtual"))
    this_generation.policy = {"generation_start": date(2024, 1, 1)}
    assert found(this_generation.check()) == {("repeated_exchange", "V2", "H2")}
