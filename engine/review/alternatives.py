"""Taking an alternative: a reviewer accepts a pair the night did not propose (a line of
``alternatives.csv``, or any eligible pair) for its own side.

The pair is given dates the way the night would: joining a group its host has in tonight's
plan (same dates, mode and language), or the visitor's own proposed dates and mode, or the
first week from the night's earliest start that suits both. It is taken only if tonight's plan
stays valid with it, the visitor's own proposal (if any) giving way: the independent checker
(:mod:`engine.check`: capacity on its dates, every rule, with the exchanges accepted so far)
finds no broken rule the plan did not have before (a rule about the same visitor and host, or
the campaign's SME share, broken since the night by a cancellation, say). A refusal gives the
reasons of the dates that came nearest (the fewest broken rules). It is then recorded as a proposal of the
reviewer's (the log's ``taken`` table) together with the reviewer's acceptance for its side,
in one transaction; once the other side accepts too, the next night locks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from engine.check.groups import check_groups
from engine.check.rows import host_working_days
from engine.check.rules import check_proposals
from engine.domain.calendar import day_number, last_day_of_a_month_from
from engine.domain.contract import Campaign
from engine.domain.lumpsums import lump_sum, lump_sum_table
from engine.domain.reference import canonical_country
from engine.night.groups import group_name
from engine.output.folders import RunFolder
from engine.review.carryover import carryover
from engine.review.limits import ExchangeLimits
from engine.review.log import (
    ImportResult,
    log_path,
    night_events,
    read_log,
    record_requests,
    with_decisions,
)
from engine.review.parties import Proposal, Reviewer
from engine.review.rules import Pair, Request
from engine.review.state import pair_states, state_of

WEEKS_TRIED = 26  # weeks from the earliest start searched for dates that suit both


@dataclass(frozen=True)
class Taken:
    """The outcome of taking an alternative: recorded, or every reason it cannot be."""

    pair: Pair
    problems: list[str]
    result: ImportResult | None = None
    row: dict[str, Any] | None = None
    kind: str = "conflict"  # of a refusal: "unknown" profiles, "forbidden" side, "conflict"

    @property
    def ok(self) -> bool:
        return not self.problems and self.result is not None and not self.result.problems


def take_alternative(
    folder: Path,
    campaign: Campaign,
    run: RunFolder,
    proposals: dict[Pair, Proposal],
    limits: ExchangeLimits,
    pair: Pair,
    reviewer: Reviewer,
    note: str = "",
    decided_by: str = "",
    source: str = "web",
    today: date | None = None,
) -> Taken:
    """Take ``pair`` as an alternative to ``run``'s plan for ``reviewer``'s side(s) within the
    campaign's ``limits`` (:func:`engine.review.limits.exchange_limits`)."""
    visitor_id, host_id = pair
    profiles = campaign.profiles.set_index("profile_id", drop=False)
    roles = profiles["role"].to_dict()
    if roles.get(visitor_id) != "visitor" or roles.get(host_id) != "host":
        return Taken(
            pair, [f"{visitor_id} -> {host_id}: no such visitor or host profile"], kind="unknown"
        )
    visitor: pd.Series = profiles.loc[visitor_id]  # type: ignore[assignment]
    host: pd.Series = profiles.loc[host_id]  # type: ignore[assignment]
    if reviewer.partnership not in (None, visitor["partnership"], host["partnership"]):
        return Taken(
            pair,
            [f"{reviewer.actor} is neither the visitor's nor the host's partnership"],
            kind="forbidden",
        )
    records = read_log(log_path(folder))
    same = (records["visitor_id"] == visitor_id) & (records["host_id"] == host_id)
    takers = sorted(set(records.loc[same, "proposed_by"].astype(str)) - {""})
    if takers:
        return Taken(
            pair,
            [f"{visitor_id} -> {host_id} was taken already (by {', '.join(takers)}): answer it"],
        )
    states = pair_states(records)
    state = state_of(states, visitor_id, host_id)
    status = "" if state is None else str(state["status"])
    if status in ("rejected", "cancelled", "exchange"):
        said = {"rejected": "was rejected: it is never proposed again",
                "cancelled": "was cancelled: it is never proposed again",
                "exchange": "is an exchange already"}[status]  # fmt: skip
        return Taken(pair, [f"{visitor_id} -> {host_id} {said}"])
    # a pair an earlier night proposed that this run no longer does, and that nobody answered,
    # may be taken on this run's dates (the reviewers' audit: a line of alternatives.csv was
    # refused as proposed by an older run, whose dates the review page does not show)
    if pair in proposals and (proposals[pair].run_id >= run.run_id or status):
        run_id = proposals[pair].run_id
        answered = f", {status}" if status else ""
        return Taken(
            pair,
            [f"{visitor_id} -> {host_id} is proposed already (run {run_id}{answered}): answer it"],
        )
    decided = with_decisions(campaign, records)
    locked = carryover(night_events(records, campaign)).locked
    plan = run.proposals()
    as_of = date.fromisoformat(str(run.manifest.get("calendar", {}).get("as_of")))
    # tonight's plan beside the taken pair: without the visitor's own row, the pairs that
    # became exchanges since (the locked exchanges count them once, on their dates) and those
    # rejected or cancelled since (the IT-tool audit: a place a rejected proposal had held
    # refused an alternative for the host's capacity)
    exchanges = pd.MultiIndex.from_frame(locked[["visitor_id", "host_id"]].astype(str))
    ended = states.loc[states["status"].isin(["rejected", "cancelled"]), ["visitor_id", "host_id"]]
    planned = pd.MultiIndex.from_frame(plan[["visitor_id", "host_id"]].astype(str))
    ended_pairs = pd.MultiIndex.from_frame(ended.astype(str))
    current = plan[~planned.isin(exchanges) & ~planned.isin(ended_pairs)]
    others = current[current["visitor_id"] != visitor_id]
    # the rules the plan breaks already, with the visitor's own row or without it, by rule
    # and whom they concern, not by their words (the reviewers' audit: after an SME exchange
    # was cancelled the SME share read "27 of 56" without the row, "28 of 57" with the taken
    # pair, and every alternative was refused for a shortfall the plan had before)
    before = {
        _concern(v)
        for plan_before in (current, others)
        for v in _violations(decided, plan_before, locked, as_of)
    }
    fewest: list[str] | None = None
    for row in _options(plan, visitor, host, campaign, as_of, _score(run, pair)):
        broken = [v for v in _violations(decided, _with(others, row), locked, as_of)]
        new = [v for v in broken if _concern(v) not in before]
        if not new:
            return _record(folder, campaign, run, proposals, limits, row, reviewer, note,
                           decided_by, source, today)  # fmt: skip
        reasons = list(dict.fromkeys(f"[{v.rule}] {v.message}" for v in new))
        if fewest is None or len(reasons) < len(fewest):
            fewest = reasons  # the reasons of the dates that came nearest, not of every try
    return Taken(pair, fewest or ["no dates suit both the visitor and the host"])


def _concern(violation: Any) -> tuple[str, str | None, str | None]:
    """What a broken rule is about: the rule and the visitor and host it names (the SME share,
    the campaign's: its rule alone)."""
    return violation.rule, violation.visitor_id, violation.host_id


def _record(
    folder: Path,
    campaign: Campaign,
    run: RunFolder,
    proposals: dict[Pair, Proposal],
    limits: ExchangeLimits,
    row: dict[str, Any],
    reviewer: Reviewer,
    note: str,
    decided_by: str,
    source: str,
    today: date | None,
) -> Taken:
    partnership = dict(
        zip(campaign.profiles["profile_id"], campaign.profiles["partnership"], strict=True)
    )
    taken = {
        "visitor_id": row["visitor_id"], "host_id": row["host_id"], "mode": row["mode"],
        "start_day": row["start"].date().isoformat(), "end_day": row["end"].date().isoformat(),
        "stay_days": int(row["stay_days"]), "score": float(row["score"]),
        "group_id": row["group_id"], "group_language": row["group_language"],
        "lump_sum_eur": float(row["lump_sum_eur"]),
        "visitor_partnership": str(partnership.get(row["visitor_id"], "")),
        "host_partnership": str(partnership.get(row["host_id"], "")),
        "run_id": run.run_id, "taken_by": reviewer.actor,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    request = Request(
        row["visitor_id"], row["host_id"], "accepted", note=note, decided_by=decided_by
    )
    result = record_requests(
        log_path(folder), [request], reviewer, proposals, limits,
        today=today, source=source, taken=taken, policy=campaign.policy,
    )  # fmt: skip
    problems = [p.message for p in result.problems]
    return Taken((row["visitor_id"], row["host_id"]), problems, result, taken)


def _violations(campaign: Campaign, plan: pd.DataFrame, locked: pd.DataFrame, as_of: date) -> list:
    return check_proposals(campaign, plan, locked, as_of) + check_groups(campaign, plan, locked)


def _with(plan: pd.DataFrame, row: dict[str, Any]) -> pd.DataFrame:
    return pd.concat([plan, pd.DataFrame([row])], ignore_index=True)


def _score(run: RunFolder, pair: Pair) -> float:
    """The pair's score tonight, when it was a candidate (else 0: any eligible pair)."""
    try:
        candidates = pd.read_parquet(run.path / "candidates.parquet")
    except Exception:
        return 0.0
    match = candidates[(candidates["visitor_id"] == pair[0]) & (candidates["host_id"] == pair[1])]
    return float(match["score"].max()) if len(match) else 0.0


def _options(
    plan: pd.DataFrame,
    visitor: pd.Series,
    host: pd.Series,
    campaign: Campaign,
    as_of: date,
    score: float,
) -> list[dict[str, Any]]:
    """Dates, mode and group to try, best first: a group of the host in tonight's plan, the
    visitor's own proposed dates, the first weeks that suit both (each mode both take)."""
    found: list[dict[str, Any]] = []
    base = {
        "visitor_id": str(visitor["profile_id"]), "host_id": str(host["profile_id"]),
        "score": score, "band": "", "category": str(visitor["org_type"]),
        "visitor_partnership": str(visitor["partnership"]),
        "host_partnership": str(host["partnership"]),
        "visitor_country": str(visitor["country"]), "host_country": str(host["country"]),
    }  # fmt: skip
    at_host = plan[plan["host_id"] == host["profile_id"]].drop_duplicates("group_id")
    for group in at_host.to_dict("records"):
        if _suits(visitor, group):  # (the browser audit: a virtual group outside the visitor's
            # dates was tried for a physical-only visitor, and its refusals were the reasons)
            found.append({**base, **{k: group[k] for k in ("start", "end", "stay_days", "mode",
                          "group_id", "group_language", "lump_sum_eur")}})  # fmt: skip
    own = plan[plan["visitor_id"] == visitor["profile_id"]]
    modes = [m for m in ("physical", "virtual") if _takes(visitor, m) and _takes(host, m)]
    windows = [(pd.Timestamp(r["start"]), pd.Timestamp(r["end"]), r["mode"])
               for r in own.to_dict("records")
               if _takes(host, str(r["mode"])) and _within(host, r)]  # fmt: skip
    windows += [(s, e, m) for m in modes for s, e in _weeks(visitor, host, campaign, as_of)[:3]]
    language = _language(visitor, host)
    for start, end, mode in windows:
        days = host_working_days(
            str(canonical_country(str(host["country"]))),
            start,
            end,
            campaign.policy.public_holidays,
        )
        found.append({
            **base, "start": start, "end": end, "stay_days": days, "mode": mode,
            "group_id": group_name(str(host["profile_id"]), start, days, mode == "physical",
                                   language),
            "group_language": language,
            "lump_sum_eur": _lump_sum(campaign, str(host["country"]), days, mode),
        })  # fmt: skip
    return found


def _suits(visitor: pd.Series, group: dict[str, Any]) -> bool:
    """A group of the host tonight the visitor could join: its mode, days and stay length."""
    start, end = pd.Timestamp(group["start"]), pd.Timestamp(group["end"])
    return (
        _takes(visitor, str(group["mode"]))
        and pd.Timestamp(visitor["available_from"]) <= start
        and end <= pd.Timestamp(visitor["available_to"])
        and int(visitor["min_days"]) <= int(group["stay_days"]) <= int(visitor["max_days"])
    )


def _within(host: pd.Series, stay: dict[str, Any]) -> bool:
    """The visitor's own proposed days within the host's availability (they were the other
    host's: the audit saw their "outside the host's availability" as a take's reason)."""
    return bool(
        pd.Timestamp(host["available_from"]) <= pd.Timestamp(stay["start"])
        and pd.Timestamp(stay["end"]) <= pd.Timestamp(host["available_to"])
    )


def _takes(profile: pd.Series, mode: str) -> bool:
    return str(profile["mode"]) in (mode, "either")


def _language(visitor: pd.Series, host: pd.Series) -> str:
    spoken = set(visitor["languages"])
    shared = [code for code in list(host["languages"]) if code in spoken]
    return shared[0] if shared else ""


def _lump_sum(campaign: Campaign, country: str, days: int, mode: str) -> float:
    if mode != "physical":
        return 0.0
    threshold = lump_sum_table(campaign.policy.lump_sums).get(str(canonical_country(country)), 0.0)
    return lump_sum(threshold, days, campaign.policy.short_stay_rate)


def _weeks(
    visitor: pd.Series, host: pd.Series, campaign: Campaign, as_of: date
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Stays of the shortest length both accept, starting on the first working day of each
    week from the night's earliest start, inside both availabilities."""
    policy = campaign.policy
    length = max(policy.min_days, int(visitor["min_days"]), int(host["min_days"]))
    country = str(canonical_country(str(host["country"])))
    first = max(
        pd.Timestamp(as_of + timedelta(days=policy.lead_days)),
        pd.Timestamp(visitor["available_from"]), pd.Timestamp(host["available_from"]),
    )  # fmt: skip
    last = min(pd.Timestamp(visitor["available_to"]), pd.Timestamp(host["available_to"]))
    found = []
    monday = first - pd.Timedelta(days=first.weekday())
    for week in range(WEEKS_TRIED):
        start = max(first, monday + pd.Timedelta(weeks=week))
        while host_working_days(country, start, start, policy.public_holidays) == 0:
            start += pd.Timedelta(days=1)
        end = start
        while host_working_days(country, start, end, policy.public_holidays) < length:
            end += pd.Timedelta(days=1)
        if end > last:
            break
        month = last_day_of_a_month_from(day_number([start.date()]))[0]
        if day_number([end.date()])[0] <= month:  # a stay lasts a month at most
            found.append((start, end))
    return found
