"""What the campaign allows the exchanges reviewers accept (:class:`ExchangeLimits`): each
host's places on every day, each visiting organisation's physical visits in the programme
generation, each partnership's budget, and what the history's exchanges use of them already
(:mod:`engine.review.rules` asks it of every new exchange)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.domain.contract import POSITIVE_OUTCOMES, Campaign
from engine.domain.counts import counted
from engine.night.groups import accepted_spend
from engine.output.review_files import host_capacity
from engine.review.parties import Proposal
from scoring.eligibility import in_generation

HISTORY_RUN = "history"  # the run_id of an exchange of the campaign's history

Exchanges = Mapping[tuple[str, str], Proposal]
# the history's exchanges by pair and mode: a pair's virtual exchange and its physical one
# after it are two exchanges, each holding its host's places on its own dates
HistoryExchanges = Mapping[tuple[str, str, str], Proposal]
Standing = list[
    tuple[bool, Proposal]
]  # the exchanges standing beside a proposal: (of the log?, it)


@dataclass(frozen=True)
class ExchangeLimits:
    """What the campaign allows the exchanges reviewers accept, and the history's exchanges
    that use it already (:func:`exchange_limits`; by default only the given hosts' places and
    one physical visit per visitor profile)."""

    capacity: Mapping[str, int] = field(default_factory=dict)  # host -> places on any day
    organisation: Mapping[str, str] = field(default_factory=dict)  # visitor -> its org_id
    visits: int = 1  # physical visits per visiting organisation in the programme generation
    generation_start: str = ""  # ISO day; physical exchanges before it use no visit
    budgets: Mapping[str, float] = field(default_factory=dict)  # partnership -> EUR cap
    spent: Mapping[str, float] = field(default_factory=dict)  # partnership -> its history's EUR
    history: HistoryExchanges = field(default_factory=dict)  # accepted or completed
    visited: frozenset[tuple[str, str]] = frozenset()  # history's visits in the generation

    @classmethod
    def of(cls, limits: ExchangeLimits | Mapping[str, int]) -> ExchangeLimits:
        """``limits`` themselves, or the limits of only these places per host."""
        return limits if isinstance(limits, ExchangeLimits) else cls(capacity=dict(limits))

    def problem(
        self, proposal: Proposal, exchanges: Exchanges, cancelled: set[tuple[str, str]]
    ) -> str:
        """Why ``proposal`` cannot become an exchange beside the log's ``exchanges`` and the
        history's (those the log cancelled excepted): "" when it can."""
        pair = (proposal.visitor_id, proposal.host_id)
        logged = {p: e for p, e in exchanges.items() if p != pair}
        # the history's exchanges but those the log cancelled, holds itself (the log's
        # answer to the pair in that mode) or the proposal is (the pair in its mode)
        kept = [
            (False, e)
            for (v, h, mode), e in self.history.items()
            if (v, h) not in cancelled
            and not ((v, h) in logged and logged[(v, h)].mode == mode)
            and not ((v, h) == pair and mode == proposal.mode)
        ]
        standing = kept + [(True, e) for e in logged.values()]
        return (
            self._capacity_problem(proposal, standing)
            or self._visit_problem(proposal, standing)
            or self._budget_problem(proposal, logged)
        )

    def _capacity_problem(self, proposal: Proposal, standing: Standing) -> str:
        """Every dated exchange at the host (either mode) holds one of its places."""
        limit = self.capacity.get(proposal.host_id)
        stays = [
            (e.start_day, e.end_day)
            for _, e in standing
            if e.host_id == proposal.host_id and e.start_day and e.end_day
        ]
        busiest = busiest_day(stays, (proposal.start_day, proposal.end_day))
        if limit is None or busiest + 1 <= limit:
            return ""
        return (
            f"host {proposal.host_id} would receive {busiest + 1} accepted visitors on "
            f"{proposal.start_day}..{proposal.end_day} for a capacity of {limit}"
        )

    def _visit_problem(self, proposal: Proposal, standing: Standing) -> str:
        """The organisation's physical exchanges in the programme generation (the log's by
        their first day, the history's as :func:`scoring.eligibility.in_generation` says)."""
        if proposal.mode != "physical":
            return ""
        org = self.organisation.get(proposal.visitor_id, proposal.visitor_id)
        used = [
            e
            for from_log, e in standing
            if e.mode == "physical"
            and self.organisation.get(e.visitor_id, e.visitor_id) == org
            and (
                e.start_day >= self.generation_start
                if from_log
                else (e.visitor_id, e.host_id) in self.visited
            )
        ]
        if len(used) < self.visits:
            return ""
        listed = ", ".join(f"{e.visitor_id} with {e.host_id}" for e in used)
        return (
            f"organisation {org} has {counted(len(used), 'physical exchange')} already "
            f"({listed}); it may make {counted(self.visits, 'physical visit')}"
        )

    def _budget_problem(self, proposal: Proposal, logged: Exchanges) -> str:
        """The history's spend (``spent``) and the lump sums of the log's exchanges the
        history does not hold already, as the night counts a partnership's spend."""
        payer = proposal.visitor_partnership
        budget = self.budgets.get(payer)
        if budget is None or proposal.mode != "physical":
            return ""
        spent = self.spent.get(payer, 0.0) + sum(
            e.lump_sum_eur
            for pair, e in logged.items()
            if e.mode == "physical"
            and e.visitor_partnership == payer
            and (*pair, "physical") not in self.history
        )
        if round(spent + proposal.lump_sum_eur, 2) <= budget:
            return ""
        return (
            f"partnership {payer} would spend {spent + proposal.lump_sum_eur:.2f} EUR of its "
            f"budget of {budget:.2f} EUR ({spent:.2f} EUR on its exchanges already, "
            f"{proposal.lump_sum_eur:.2f} EUR on this one)"
        )


def exchange_limits(campaign: Campaign) -> ExchangeLimits:
    """The campaign's limits on accepted exchanges: host places as the review files give them
    (:func:`engine.output.review_files.host_capacity`), the policy's physical visits per
    organisation from ``generation_start`` and budgets, and its history's exchanges and what
    they cost (:func:`engine.night.groups.accepted_spend`)."""
    policy, visitors = campaign.policy, campaign.visitors
    physical = campaign.history[
        campaign.history["outcome"].isin(POSITIVE_OUTCOMES)
        & (campaign.history["mode"] == "physical")
    ]
    physical = in_generation(physical, policy)
    start = policy.generation_start
    return ExchangeLimits(
        capacity=host_capacity(campaign),
        organisation=dict(
            zip(visitors["profile_id"].astype(str), visitors["org_id"].astype(str), strict=True)
        ),
        visits=policy.physical_visits_per_visitor,
        generation_start="" if start is None else start.isoformat(),
        budgets=dict(policy.budgets),
        spent=accepted_spend(campaign) if policy.budgets else {},
        history=history_exchanges(campaign),
        visited=frozenset(
            zip(physical["visitor_id"].astype(str), physical["host_id"].astype(str), strict=True)
        ),
    )


def history_exchanges(campaign: Campaign) -> dict[tuple[str, str, str], Proposal]:
    """The history's accepted or completed exchanges, one per pair and mode, with their dates
    ("" when the history does not say); what they cost is
    :func:`engine.night.groups.accepted_spend`'s."""
    history = campaign.history
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES)]
    partnership = dict(
        zip(campaign.profiles["profile_id"], campaign.profiles["partnership"], strict=True)
    )
    found: dict[tuple[str, str, str], Proposal] = {}
    for row in positive.drop_duplicates(["visitor_id", "host_id", "mode"]).to_dict("records"):
        visitor, host = str(row["visitor_id"]), str(row["host_id"])
        found[(visitor, host, str(row["mode"]))] = Proposal(
            visitor, host, str(row["mode"]), _iso(row.get("start")), _iso(row.get("end")),
            0.0, HISTORY_RUN, str(partnership.get(visitor, "")), str(partnership.get(host, "")),
        )  # fmt: skip
    return found


def busiest_day(stays: list[tuple[str, str]], stay: tuple[str, str]) -> int:
    """The most ``stays`` (ISO start, end) that share one day with ``stay``: a day of the
    stay's own interval carries the most where another stay starts, or on its first day."""
    first, last = stay
    overlapping = [(s, e) for s, e in stays if s <= last and e >= first]
    days = {first} | {s for s, _ in overlapping if s >= first}
    return max((sum(1 for s, e in overlapping if s <= day <= e) for day in days), default=0)


def _iso(value: Any) -> str:
    """An ISO day, or "" when there is none."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()
