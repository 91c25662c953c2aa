"""The independent checker: the oracle every run and every solver test trusts.

``check_proposals(campaign, proposals)`` returns *every* broken rule of a proposal set as a
list of :class:`Violation` (an empty list means the set is valid). It is written on
purpose without the engine's eligibility or solver code: plain per-row Python over
dictionaries, so that a reader can check each rule against ``DOMAIN.md`` line by line.
Every lookup is a dict or a counter, so the cost is linear in proposals + profiles +
history.

Rules (``Violation.rule``):

* per proposal row: ``unknown_profile``, ``role``, ``not_published``, ``not_validated``,
  ``same_organisation`` (an organisation is never proposed to itself), ``same_country``, ``not_cosme``, ``mode``, ``blocked_pair``, ``language``, ``dates``
  (working days of the host country), ``lead_time`` (with the night's date ``as_of``),
  ``large_company_visitor``;
* over the whole set: ``duplicate_pair``, ``visitor_once``, ``physical_visit_used`` (one
  physical visit per visiting *organisation* in the programme generation),
  ``host_capacity`` (on every day), ``sme_share``, ``group``.

The set is checked as part of the plan it forms with the exchanges accepted before (the
history's accepted and completed rows, and the decision log's ``locked`` ones):
``host_capacity`` counts every accepted exchange on its dates, ``physical_visit_used`` every
accepted physical exchange of the organisation, ``dates`` a visitor's proposal on the days of
one of its exchanges (a visitor may have several: seeds 000/001, "plan one or more
exchanges"), ``repeated_exchange`` the same pair again (in the programme generation; but a
physical exchange after a virtual one), ``sme_share`` counts the locked exchanges. (A rejected pair is in history, hence
``blocked_pair``.)

A pair listed twice is one defect, reported once as ``duplicate_pair``: the counting rules
(``visitor_once``, ``physical_visit_used``, ``host_capacity``, ``sme_share``) count each
visitor-host pair once. Identical violations are reported once.

The rules live in ``rows.py`` (one proposal row) and ``plan.py`` (the set with the accepted
exchanges); ``violations.py`` lists them. ``kpi_table(campaign, proposals)``
(:mod:`engine.check.kpis`) reports the soft quotas.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

import pandas as pd

from engine.check.accepted import accepted_exchanges
from engine.check.plan import (
    check_duplicates,
    check_groups_of_rows,
    check_host_capacity,
    check_physical_visits,
    check_repeated_exchanges,
    check_sme_share,
    check_visitor_free,
    check_visitor_once,
)
from engine.check.rows import check_row
from engine.check.violations import (
    CHECKED_COLUMNS,
    PROFILE_COLUMNS_READ,
    Pair,
    Profile,
    ProposalRow,
    Violation,
    day_of,
    is_missing,
)
from engine.domain.contract import (
    BLOCKING_OUTCOMES,
    Campaign,
)

logger = logging.getLogger(__name__)


def check_proposals(
    campaign: Campaign,
    proposals: pd.DataFrame,
    locked: pd.DataFrame | None = None,
    as_of: date | None = None,
) -> list[Violation]:
    """Every rule the proposal set breaks; an empty list means the set is valid.

    ``locked``: exchanges accepted on earlier nights (visitor_id, host_id, and their mode,
    start and end when known), if any. ``as_of``: the night's date; no proposal may start
    before it plus ``policy.lead_days`` (not checked when None).
    """
    rows = _proposal_rows(proposals)
    accepted = accepted_exchanges(campaign, locked)
    locked_pairs: list[Pair] = [exchange.pair for exchange in accepted if exchange.locked]
    wanted = {id_ for row in rows for id_ in row.pair} | {id_ for p in locked_pairs for id_ in p}
    profiles = _profiles_by_id(campaign.profiles, wanted)
    org_of = dict(zip(campaign.profiles["profile_id"], campaign.profiles["org_id"], strict=True))
    blocked = _history_pairs(campaign.history, BLOCKING_OUTCOMES)
    policy = campaign.policy

    violations: list[Violation] = []
    for row in rows:
        violations.extend(check_row(row, profiles, blocked, policy, as_of))
    pairs = _first_of_each_pair(rows)
    violations.extend(check_duplicates(rows))
    violations.extend(check_visitor_once(pairs))
    violations.extend(check_physical_visits(pairs, org_of, accepted, policy))
    violations.extend(check_visitor_free(pairs, accepted))
    violations.extend(check_repeated_exchanges(pairs, accepted, policy))
    violations.extend(check_host_capacity(pairs, profiles, policy, accepted))
    is_sme = dict(
        zip(campaign.profiles["profile_id"], campaign.profiles["org_type"] == "sme", strict=True)
    )
    violations.extend(check_sme_share(pairs, profiles, policy, accepted, is_sme))
    violations.extend(check_groups_of_rows(rows))
    unique = list(dict.fromkeys(violations))
    logger.debug("checked %d proposals: %d violations", len(rows), len(unique))
    return unique


# --------------------------------------------------------------------------- inputs


def _proposal_rows(proposals: pd.DataFrame) -> list[ProposalRow]:
    missing = [column for column in CHECKED_COLUMNS if column not in proposals.columns]
    if missing:
        raise ValueError(f"proposals lack columns {missing}")
    return [
        ProposalRow(
            visitor_id=record["visitor_id"],
            host_id=record["host_id"],
            group_id=None if is_missing(record["group_id"]) else record["group_id"],
            start=day_of(record["start"]),
            end=day_of(record["end"]),
            mode=record["mode"],
            p_accept=None if is_missing(record.get("p_accept")) else float(record["p_accept"]),
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


def _first_of_each_pair(rows: list[ProposalRow]) -> list[ProposalRow]:
    first: dict[Pair, ProposalRow] = {}
    for row in rows:
        first.setdefault(row.pair, row)
    return list(first.values())


# --------------------------------------------------------------------------- per proposal


# --------------------------------------------------------------------------- whole set


# --------------------------------------------------------------------------- helpers
