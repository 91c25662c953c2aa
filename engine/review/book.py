"""The working state of a batch of answers while :mod:`engine.review.rules` checks it row by
row: each side's answer, each author's latest live event, the cancelled pairs and the
exchanges, read from the log's events and moved by every valid row of the batch.

A withdrawal takes back one live event of a side: its author's latest (a reviewer undoing its
own answer, until a run reads it), or, for the Support Office, the side's latest of anyone at
any time: recreating a rejected or cancelled match with the same counterparts "needs the SO's
intervention" (seed 002), and the Support Office's withdrawal of the rejection or the
cancellation is that intervention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.review.parties import Proposal
from engine.review.state import SIDES, live, side_answers

Pair = tuple[str, str]
Event = dict[str, Any]


@dataclass
class Book:
    """The working state while a batch is checked row by row."""

    answers: dict[tuple[str, str, str], Event]  # (visitor, host, side) -> its answer
    latest_own: dict[tuple[str, str, str, str], Event]  # + actor -> its latest live event
    cancelled: set[Pair]
    exchanges: dict[Pair, Proposal]
    batch: dict[tuple[str, str, str], tuple[int | None, str]] = field(default_factory=dict)
    # (visitor, host, side, actor) of the live withdrawals: what was taken back already
    withdrawn_by: set[tuple[str, str, str, str]] = field(default_factory=set)

    @classmethod
    def of(cls, events: pd.DataFrame, proposals: Mapping[Pair, Proposal]) -> Book:
        """The state the log's ``events`` give (``proposals``: the pairs' proposals)."""
        answers = {
            (str(r["visitor_id"]), str(r["host_id"]), str(r["side"])): _record(r)
            for r in side_answers(events).to_dict("records")
        }
        counted = live(events).sort_values("seq", kind="stable")
        own = {
            (str(r["visitor_id"]), str(r["host_id"]), str(r["side"]), str(r["actor"])): _record(r)
            for r in counted.to_dict("records")
        }
        cancels = counted[counted["decision"] == "cancelled"]
        cancelled = set(zip(cancels["visitor_id"], cancels["host_id"], strict=True))
        withdrawals = counted_withdrawals(events)
        book = cls(answers, own, cancelled, {}, withdrawn_by=withdrawals)
        for (v, h, side), event in answers.items():
            if side == "visitor" and book.accepted_by_both((v, h)) and (v, h) not in cancelled:
                book.exchanges[(v, h)] = _as_proposal(event, proposals.get((v, h)))
        return book

    def accepted_by_both(self, pair: Pair) -> bool:
        answers = [self.answers.get((*pair, side)) for side in SIDES]
        return all(a is not None and a["decision"] == "accepted" for a in answers)

    def target(self, pair: Pair, side: str, actor: str | None) -> Event | None:
        """The live event a withdrawal of ``side`` takes back: ``actor``'s latest, or (None:
        the Support Office) the side's latest of anyone."""
        if actor is not None:
            return self.latest_own.get((*pair, side, actor))
        found = [e for key, e in self.latest_own.items() if key[:3] == (*pair, side)]
        return max(found, key=_seq, default=None)

    def restores_exchange(self, pair: Pair, new: Sequence[Event]) -> bool:
        """The withdrawals ``new`` take back every live cancellation of the cancelled
        exchange ``pair``: it is an exchange again."""
        taken_back = {e["withdraws"] for e in new if e["decision"] == "withdrawn"}
        if pair not in self.cancelled or not taken_back:
            return False
        cancels = [
            e
            for key, e in self.latest_own.items()
            if key[:2] == pair and e["decision"] == "cancelled"
        ]
        return all(_seq(e) in taken_back for e in cancels) and self.accepted_by_both(pair)

    def apply(self, event: Event, proposal: Proposal) -> None:
        """Move the state by a valid row's event."""
        pair = (proposal.visitor_id, proposal.host_id)
        key = (*pair, event["side"])
        if event["decision"] == "withdrawn":
            gone = [
                k
                for k, e in self.latest_own.items()
                if k[:3] == key and _seq(e) == event["withdraws"]
            ]
            for k in gone:
                taken_back = self.latest_own.pop(k)
                if taken_back["decision"] == "cancelled":
                    self._uncancel(pair, proposal)
            if _seq(self.answers.get(key)) == event["withdraws"]:
                self.answers.pop(key)  # (a batch never withdraws what it recorded itself)
                self.exchanges.pop(pair, None)
            return
        if event["decision"] == "cancelled":
            self.cancelled.add(pair)
            self.exchanges.pop(pair, None)
            self.latest_own[(*key, event["actor"])] = event
            return
        self.answers[key] = event
        self.latest_own[(*key, event["actor"])] = event  # no seq yet: not withdrawn in this batch
        if self.accepted_by_both(pair):
            self.exchanges[pair] = proposal

    def _uncancel(self, pair: Pair, proposal: Proposal) -> None:
        if any(k[:2] == pair and e["decision"] == "cancelled" for k, e in self.latest_own.items()):
            return  # the other side's cancellation stands
        self.cancelled.discard(pair)
        if self.accepted_by_both(pair):
            self.exchanges[pair] = proposal


def counted_withdrawals(events: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """(visitor, host, side, actor) of every withdrawal no later withdrawal took back."""
    if events.empty:
        return set()
    taken_back = set(pd.to_numeric(events["withdraws"], errors="coerce").dropna().astype(int))
    rows = events[(events["decision"] == "withdrawn") & ~events["seq"].astype(int).isin(taken_back)]
    return set(
        zip(
            rows["visitor_id"].astype(str), rows["host_id"].astype(str),
            rows["side"].astype(str), rows["actor"].astype(str), strict=True,
        )
    )  # fmt: skip


def _seq(event: Mapping[str, Any] | None) -> int:
    """An event's place in the log (-1: none, or one recorded in this batch)."""
    seq = None if event is None else event.get("seq")
    return -1 if seq is None or pd.isna(seq) else int(seq)


def _record(row: Mapping[Any, Any]) -> Event:
    return {str(key): value for key, value in row.items()}


def _as_proposal(event: Mapping[str, Any], known: Proposal | None) -> Proposal:
    if known is not None:
        return known
    return Proposal(
        str(event["visitor_id"]), str(event["host_id"]), str(event["mode"]),
        str(event["start_day"]), str(event["end_day"]), float(event["score"]),
        str(event["run_id"]), "", "", str(event.get("proposed_by") or ""),
    )  # fmt: skip
