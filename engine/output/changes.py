"""What changed since the previous run: every proposal kept, new, locked or dropped, and why.

``change`` is one of:

* ``kept``: proposed last run and again tonight (``reason``: its new dates and mode, when they
  changed);
* ``new``: proposed tonight, not last run;
* ``locked``: proposed last run and accepted by reviewers: now an exchange, no longer a proposal;
* ``dropped``: proposed last run, not tonight; ``reason`` always says why (rejected by
  reviewers, a profile left or changed, the host's places went to accepted exchanges, the
  visitor was accepted elsewhere, or the global assignment found a better plan and which).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pandas as pd

from engine.check.rules import check_proposals
from engine.domain.contract import Campaign
from engine.night.carryover import AWAITING_COLUMNS, Carryover

CHANGE_COLUMNS = (
    "change", "visitor_id", "host_id", "score", "previous_score", "decision", "reason",
)  # fmt: skip
SET_RULES = ("duplicate_pair", "visitor_once", "host_capacity", "sme_share", "group")


def changes(
    campaign: Campaign,
    proposals: pd.DataFrame,
    candidates: pd.DataFrame,
    carry: Carryover | None,
    left_out: pd.DataFrame | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """One row per pair proposed last run or tonight (``CHANGE_COLUMNS``); ``left_out``:
    tonight's ``unmatched.csv`` (a dropped pair whose visitor is left out says why);
    ``as_of``: the night (a proposal now within its lead time says so)."""
    previous = None if carry is None else carry.previous
    tonight = {(r["visitor_id"], r["host_id"]): r for r in proposals.to_dict("records")}
    before: dict[tuple[str, str], dict[Any, Any]] = {}
    if previous is not None:
        before = {(r["visitor_id"], r["host_id"]): r for r in previous.to_dict("records")}
    decisions = _decisions(carry)
    # a pair reviewers took from the previous run as an alternative, one side's acceptance
    # awaiting the other's: proposed since, on its dates (kept or dropped as the run's own)
    proposed = list(before)  # the previous run's own proposals: where a visitor moved from
    before.update(_taken_awaiting(carry, before))
    context = _Context(campaign, proposals, candidates, carry, decisions, left_out, as_of)
    # an exchange now (locked) is no move: its visitor may be proposed another exchange
    moved_from = {
        v: h for v, h in proposed if (v, h) not in tonight and v not in context.locked_host
    }

    records = []
    for pair, row in tonight.items():
        kept = pair in before
        old_host = moved_from.get(pair[0])
        reason = "" if kept or old_host is None else f"visitor moved here from {old_host}"
        if old_host is not None and decisions.get((pair[0], old_host), ("", ""))[0] == "rejected":
            reason = f"its proposal with {old_host} was rejected"  # no move: an answer
        if not kept and pair[0] in context.locked_host:
            reason = f"a new exchange after its accepted one with {context.locked_host[pair[0]]}"
        if kept:
            reason = _moved(before[pair], row)
        records.append(
            _record(
                "kept" if kept else "new",
                pair,
                row["score"],
                before[pair]["score"] if kept else None,
                decisions.get(pair, ("", ""))[0],
                reason,
            )
        )
    for pair, row in before.items():
        if pair in tonight:
            continue
        decision, on = decisions.get(pair, ("", ""))
        if decision == "accepted":
            change, reason = "locked", f"accepted by reviewers on {on}: now an exchange"
        elif decision == "rejected":
            change, reason = "dropped", f"rejected by reviewers on {on}"
        else:
            change, reason = "dropped", context.drop_reason(pair, row)
            if decision == "hold":
                reason = f"on hold, but {reason}"
        records.append(_record(change, pair, None, row["score"], decision, reason))
    records += _taken_since(carry, before, tonight)
    order = {"dropped": 0, "locked": 1, "new": 2, "kept": 3}
    table = pd.DataFrame.from_records(records, columns=list(CHANGE_COLUMNS))
    table["order"] = table["change"].map(order)
    return (
        table.sort_values(["order", "visitor_id", "host_id"], kind="stable")
        .drop(columns="order")
        .reset_index(drop=True)
    )


def _moved(before: dict[Any, Any], tonight: dict[Any, Any]) -> str:
    """How a kept proposal's dates or mode changed since the previous run ("" if not)."""

    def terms(row: dict[Any, Any]) -> str:
        start, end = (pd.Timestamp(str(row.get(k, ""))) for k in ("start", "end"))
        dates = "" if pd.isna(start) or pd.isna(end) else f"{start.date()}..{end.date()} "
        return f"{dates}{row.get('mode', '')}".strip()

    old, new = terms(before), terms(tonight)
    return "" if old == new or not old else f"now {new} (was {old})"


def _record(
    change: str, pair: tuple[str, str], score: Any, previous: Any, decision: str, reason: str
) -> dict[str, Any]:
    return {
        "change": change,
        "visitor_id": pair[0],
        "host_id": pair[1],
        "score": None if score is None else round(float(score), 2),
        "previous_score": None if previous is None else round(float(previous), 2),
        "decision": decision,
        "reason": reason,
    }


def _taken_since(
    carry: Carryover | None, before: dict[tuple[str, str], Any], tonight: dict[tuple[str, str], Any]
) -> list[dict[str, Any]]:
    """The exchanges of pairs the previous run did not propose that reviewers took from it as
    alternatives and accepted since (the reviewers' audit: in the manifest's locked count, in
    no row)."""
    if carry is None or carry.previous_run_id is None:
        return []
    taken = _of_previous_run(carry, "accepted")
    rows = []
    for v, h, on in zip(taken["visitor_id"], taken["host_id"], taken["decided_on"], strict=True):
        if (v, h) in before or (v, h) in tonight:
            continue
        reason = f"taken as an alternative and accepted by reviewers on {on}: now an exchange"
        rows.append(_record("locked", (v, h), None, None, "accepted", reason))
    return rows


def _taken_awaiting(
    carry: Carryover | None, before: dict[tuple[str, str], Any]
) -> dict[tuple[str, str], dict[Any, Any]]:
    """The pairs the previous run did not propose that reviewers took from it as alternatives
    and that await the other side's answer, as the rows of proposals on their dates (the
    reviewers' audit: one dropped the next night for an exchange of its visitor's on the same
    days was in no row)."""
    if carry is None or carry.previous_run_id is None or not len(carry.awaiting):
        return {}
    taken = _of_previous_run(carry, "awaiting")
    pairs = set(zip(taken["visitor_id"].astype(str), taken["host_id"].astype(str), strict=True))
    rows = {}
    for row in carry.awaiting.to_dict("records"):
        pair = (str(row["visitor_id"]), str(row["host_id"]))
        if pair in pairs and pair not in before:
            rows[pair] = {**row, "score": None}
    return rows


def _of_previous_run(carry: Carryover, decision: str) -> pd.DataFrame:
    """The carried decisions of this word recorded against the previous run."""
    table = carry.decisions
    previous = table["run_id"].astype(str) == carry.previous_run_id
    return table[(table["decision"] == decision) & previous]


def _decisions(carry: Carryover | None) -> dict[tuple[str, str], tuple[str, str]]:
    if carry is None:
        return {}
    table = carry.decisions
    return {
        (v, h): (d, str(on))
        for v, h, d, on in zip(
            table["visitor_id"],
            table["host_id"],
            table["decision"],
            table["decided_on"],
            strict=True,
        )
    }


class _Context:
    """What tonight's plan looks like, to explain why an earlier proposal left it."""

    def __init__(
        self,
        campaign: Campaign,
        proposals: pd.DataFrame,
        candidates: pd.DataFrame,
        carry: Carryover | None,
        decisions: dict[tuple[str, str], tuple[str, str]],
        left_out: pd.DataFrame | None = None,
        as_of: date | None = None,
    ) -> None:
        self.campaign = campaign
        self.as_of = as_of
        self.earliest = None if as_of is None else as_of + timedelta(days=campaign.policy.lead_days)
        visitors_out = (
            left_out[left_out["side"] == "visitor"]
            if left_out is not None and len(left_out)
            else pd.DataFrame(columns=["profile_id", "reason", "best_candidate"])
        )
        self.left_out = dict(zip(visitors_out["profile_id"], visitors_out["reason"], strict=True))
        best = visitors_out.get("best_candidate", pd.Series("", index=visitors_out.index))
        self.best_of = dict(zip(visitors_out["profile_id"], best.fillna(""), strict=True))
        self.profiles = set(campaign.profiles["profile_id"])
        self.host_tonight = dict(zip(proposals["visitor_id"], proposals["host_id"], strict=True))
        self.score_tonight = {
            (v, h): float(s)
            for v, h, s in zip(
                proposals["visitor_id"], proposals["host_id"], proposals["score"], strict=True
            )
        }
        self.visitors_of: dict[str, list[str]] = defaultdict(list)
        for v, h in zip(proposals["visitor_id"], proposals["host_id"], strict=True):
            self.visitors_of[h].append(v)
        self.candidate_score = {
            (v, h): float(s)
            for v, h, s in zip(
                candidates["visitor_id"], candidates["host_id"], candidates["score"], strict=True
            )
        }
        locked = (
            carry.locked if carry is not None else pd.DataFrame(columns=["visitor_id", "host_id"])
        )
        self.locked_host = dict(zip(locked["visitor_id"], locked["host_id"], strict=True))
        # each host's and each visitor's accepted exchanges' days (a dropped proposal's host is
        # full, its visitor taken, only on them: a visitor may have several exchanges, and the
        # audit saw "the visitor was accepted by host X" for a visitor proposed elsewhere)
        self.locked_days: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = defaultdict(list)
        self.visitor_days: dict[str, list[tuple[str, pd.Timestamp, pd.Timestamp]]] = defaultdict(
            list
        )
        if {"start", "end"} <= set(locked.columns):
            for v, h, s, e in zip(
                locked["visitor_id"], locked["host_id"], locked["start"], locked["end"], strict=True
            ):
                if pd.notna(s) and pd.notna(e):
                    self.locked_days[h].append((pd.Timestamp(s), pd.Timestamp(e)))
                    self.visitor_days[v].append((h, pd.Timestamp(s), pd.Timestamp(e)))
        limit = campaign.policy.max_group_size
        self.capacity = {
            str(h): int(c if limit is None else min(c, limit))
            for h, c in zip(
                campaign.profiles["profile_id"], campaign.profiles["capacity"], strict=True
            )
        }
        self.decisions = decisions
        awaiting = carry.awaiting if carry is not None else pd.DataFrame(columns=AWAITING_COLUMNS)
        self.awaiting = {
            (str(v), str(h)): f"{pd.Timestamp(s).date()}..{pd.Timestamp(e).date()}"
            for v, h, s, e in zip(
                awaiting["visitor_id"],
                awaiting["host_id"],
                awaiting["start"],
                awaiting["end"],
                strict=True,
            )
        }

    def drop_reason(self, pair: tuple[str, str], row: dict[Any, Any]) -> str:
        visitor_id, host_id = pair
        for side, profile_id in (("visitor", visitor_id), ("host", host_id)):
            if profile_id not in self.profiles:
                return f"the {side} {profile_id} left the campaign"
        start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
        for host, s, e in self.visitor_days.get(visitor_id, []):
            if host != host_id and s <= end and start <= e:
                return (
                    f"the visitor was accepted by host {host} on {s.date()}..{e.date()}, days "
                    "this proposal shared"
                )
        if pair in self.awaiting:
            return (
                f"one side accepted it for {self.awaiting[pair]}, the only dates it stays "
                "proposed on, and they no longer fit tonight (the lead time, or the host's room); "
                "the other side may still answer it"
            )
        if self.earliest is not None and start.date() < self.earliest:
            return (
                f"its dates {start.date()}..{end.date()} now fall within the lead time: "
                f"nothing starts before {self.earliest} (the night {self.as_of} plus "
                f"{self.campaign.policy.lead_days} days)"
            )
        if pair not in self.candidate_score:
            return self._not_eligible(row)
        n = sum(s <= end and start <= e for s, e in self.locked_days.get(host_id, []))
        if n and (n >= self.capacity.get(host_id, 1) or not self.visitors_of.get(host_id)):
            return (
                f"the host is full on {start.date()}..{end.date()}: its place"
                f"{'s' if n > 1 else ''} went to {n} accepted exchange{'s' if n > 1 else ''}"
            )
        return self._replaced(pair)

    def _not_eligible(self, row: dict[Any, Any]) -> str:
        one = pd.DataFrame([{column: row.get(column) for column in _CHECKED}])
        broken = [v for v in check_proposals(self.campaign, one) if v.rule not in SET_RULES]
        if broken:
            return "no longer allowed: " + "; ".join(f"{v.rule}: {v.message}" for v in broken)
        return "no longer eligible: availability, stay length or mode changed"

    def _replaced(self, pair: tuple[str, str]) -> str:
        visitor_id, host_id = pair
        score = self.candidate_score[pair]
        parts = []
        other_host = self.host_tonight.get(visitor_id)
        if other_host is not None:
            better = self.score_tonight[(visitor_id, other_host)]
            parts.append(
                f"the visitor now goes to {other_host} (score {better:.1f} vs {score:.1f})"
            )
        others = [v for v in self.visitors_of.get(host_id, []) if v != visitor_id]
        if other_host is None and visitor_id in self.left_out:  # its own reason, not a guess
            best = str(self.best_of.get(visitor_id, ""))
            if best in ("", host_id):
                return f"left out tonight: {self.left_out[visitor_id]}"
            # its reason is of its best candidate: say so, and what happened at this host
            here = f"{host_id}'s places went to {', '.join(sorted(others)[:3])}; " if others else ""
            return (
                f"left out tonight: {here}at its best candidate {best}, {self.left_out[visitor_id]}"
            )
        if others:
            shown = ", ".join(
                f"{v} ({self.score_tonight[(v, host_id)]:.1f})" for v in sorted(others)[:3]
            )
            parts.append(f"the host's place{'s' if len(others) > 1 else ''} went to {shown}")
        if not parts:
            return (
                f"left out of tonight's optimum (score {score:.1f}): the SME share, quotas "
                "or capacity elsewhere weighed more"
            )
        return "replaced: " + "; ".join(parts)


_CHECKED = ("visitor_id", "host_id", "group_id", "start", "end", "mode")
