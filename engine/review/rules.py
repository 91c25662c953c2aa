"""The one validation of reviewers' answers: every entry point (``cxmatch decide``, the nightly
inbox, the review web app's forms and its JSON API) calls :func:`check_requests`.

A request answers one side of a pair (``visitor``, ``host``, or ``both`` at once: what a
single-``decision`` file of the Support Office means) with ``accepted``, ``rejected`` or
``hold``, cancels an exchange (``cancelled``), or withdraws its author's last answer
(``withdrawn``). Rules, each a listed problem (the row, the column, the value, why):

* the ids are given, the word is one of the five, the side one of the three, the date a date;
* the pair was proposed by a run (the one it names, else the latest) or taken by a reviewer;
* a partnership answers only the sides whose partnership it is (``forbidden`` otherwise), and
  a row naming a partnership only that partnership's sides (without a side: its own);
* a side's ``accepted`` or ``rejected`` is final: a different answer needs the first withdrawn
  (only by its author, and only until a run reads it); ``hold`` may become either;
* a pair either side rejected, or a cancelled exchange, is blocked (the Support Office's
  withdrawal of the rejection or the cancellation reopens it: :mod:`engine.review.book`);
* an exchange (both sides accepted) takes no new answer: it can only be cancelled;
* a new exchange (its sides accepted, one after the other or both at once) may not give its
  visitor two exchanges on shared days, its host more visitors on some day than its capacity,
  its visiting organisation more physical visits in the programme generation than the policy
  allows, nor its visitor's partnership a spend beyond its budget (the campaign's
  :class:`~engine.review.limits.ExchangeLimits`, counting the history's exchanges too);
* two rows of one batch may not answer one side differently. Nothing here writes:
  :mod:`engine.review.log` appends what the verdict allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from engine.domain.cells import look_alike
from engine.domain.contract import Policy
from engine.domain.problems import Problem
from engine.review.book import Book
from engine.review.conflicts import conflicting_rows, named_sides
from engine.review.forms import Form, form_problems, unreadable
from engine.review.limits import ExchangeLimits
from engine.review.parties import Proposal, Reviewer
from engine.review.state import SIDES

RECORDED, ALREADY, INVALID, FORBIDDEN = "recorded", "already recorded", "invalid", "forbidden"
BLOCKING = ("rejected", "cancelled")  # what the Support Office withdraws to reopen a pair
Pair = tuple[str, str]


@dataclass(frozen=True)
class Request:
    visitor_id: str
    host_id: str
    decision: str
    side: str = ""
    note: str = ""
    decided_by: str = ""
    decided_on: str = ""
    partnership: str = ""  # answered on behalf of this partnership (the side's own)
    row: int | None = None  # the file's row (Excel's own numbers) or the API list's index
    run_id: str = ""  # the run it answers (empty: whichever run proposed the pair last)


@dataclass
class Outcome:
    request: Request
    status: str  # RECORDED, ALREADY, INVALID or FORBIDDEN
    problems: list[Problem] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    proposals: Mapping[Pair, Proposal]
    limits: ExchangeLimits  # host places, visits per organisation, budgets, the history's
    read_seq: int  # events up to this one were read by a run: no longer withdrawn
    today: date
    source: str = "file"  # how the answers came: file, web or api
    file: str = ""  # the name problems carry
    policy: Policy = Policy()  # its plausible dates bound decided_on
    by_run: Mapping[tuple[str, str, str], Proposal] = field(default_factory=dict)

    @cached_property
    def folded(self) -> dict[Pair, list[Pair]]:
        """The proposed pairs by their ids without case (a row's ids in another case)."""
        found: dict[Pair, list[Pair]] = {}
        for visitor_id, host_id in self.proposals:
            found.setdefault((look_alike(visitor_id), look_alike(host_id)), []).append(
                (visitor_id, host_id)
            )
        return found


def check_requests(
    requests: Sequence[Request], events: pd.DataFrame, reviewer: Reviewer, context: Context
) -> list[Outcome]:
    """One outcome per request, in order: the events to append, or every problem."""
    # a row with a problem of its own (a date, a note too long) still answers its pair where
    # its ids, side and answer are clear: an opposite answer beside it is not recorded alone
    # (the IT-tool audit: "accepted" dated 31/02 refused, "rejected" of that side recorded)
    formed = [None if unreadable(r, context.policy) else r for r in requests]

    def sides_of(request: Form) -> set[str]:  # those it names that are the reviewer's
        proposal, named = _proposal_of(request, context), named_sides(request)
        return (named & set(reviewer.sides(proposal)) if proposal else named) or named

    book, conflicts = Book.of(events, context.proposals), conflicting_rows(formed, sides_of)
    return [
        Outcome(
            r,
            INVALID,
            [
                *_form(r, context),
                Problem(context.file, r.row, "decision", r.decision, conflicts[at]),
            ],
        )
        if at in conflicts
        else _check(r, book, reviewer, context)
        for at, r in enumerate(requests)
    ]


def _form(request: Request, context: Context) -> list[Problem]:
    found = form_problems(request, context.policy, context.source)
    return [Problem(context.file, request.row, c, value, why) for c, value, why in found]


def _proposal_of(request: Form, context: Context) -> Proposal | None:
    """The proposal a row answers: of the run it names, else the latest proposing it."""
    pair = (request.visitor_id.strip(), request.host_id.strip())
    return context.by_run.get((*pair, request.run_id)) or context.proposals.get(pair)


def _not_proposed(pair: tuple[str, str], context: Context) -> str:
    """Why a pair no run proposed cannot be answered, and the proposal it may have meant: one
    whose ids differ only in case (ids are compared without case, and written as the
    profiles do)."""
    meant = context.folded.get((look_alike(pair[0].strip()), look_alike(pair[1].strip())), [])
    if meant:
        named = " or ".join(f"'{visitor_id} -> {host_id}'" for visitor_id, host_id in meant)
        return (
            f"was proposed by no run of this campaign; did you mean {named}? (write ids as "
            "the profiles do)"
        )
    return "was proposed by no run of this campaign (take it as an alternative first)"


def _check(request: Request, book: Book, reviewer: Reviewer, context: Context) -> Outcome:
    outcome = Outcome(request, INVALID)

    def problem(column: str | None, value: str | None, message: str) -> Outcome:
        outcome.problems.append(Problem(context.file, request.row, column, value, message))
        return outcome

    form = _form(request, context)
    if form:
        outcome.problems.extend(form)
        return outcome
    pair = (request.visitor_id, request.host_id)
    proposal = _proposal_of(request, context)
    if proposal is None:
        return problem(None, f"{pair[0]} -> {pair[1]}", _not_proposed(pair, context))
    if request.partnership and request.partnership not in (
        proposal.visitor_partnership,
        proposal.host_partnership,
    ):
        return problem(
            "partnership",
            request.partnership,
            "is neither the visitor's nor the host's partnership",
        )
    mine = reviewer.sides(proposal)
    asked = _asked(request, mine, reviewer, book, proposal)
    others = [
        s for s in asked if request.partnership and proposal.partnership(s) != request.partnership
    ]
    if others:
        return problem(
            "partnership", request.partnership,
            f"answers the {others[0]} side of {pair[0]} -> {pair[1]}, which is "
            f"{proposal.partnership(others[0])}'s (a partnership answers its own side)",
        )  # fmt: skip
    if not asked or set(asked) - set(mine):
        outcome.status = FORBIDDEN
        return problem(
            "side", request.side or None,
            f"{reviewer.actor} does not answer for "
            f"{'the ' + ' and '.join(asked) + ' side' if asked else 'either side'} "
            f"of {pair[0]} -> {pair[1]} (visitor's partnership {proposal.visitor_partnership}, "
            f"host's {proposal.host_partnership})",
        )  # fmt: skip
    new: list[dict[str, Any]] = []
    already = 0
    for side in asked:
        key = (pair[0], pair[1], side)
        earlier = book.batch.get(key)
        if earlier is not None and earlier[1] != request.decision:
            return problem(
                "decision", request.decision,
                f"conflicts with row {earlier[0]} ({earlier[1]}) for the {side} side",
            )  # fmt: skip
        why = _refusal(request, side, pair, book, reviewer, context)
        if why == ALREADY:
            already += 1
            continue
        if why:  # the value is the subject of "conflicts with", the refusal of the others
            said = why if why.startswith("conflicts") else f"is refused: {why}"
            return problem("decision", request.decision, said)
        new.append(_event(request, side, proposal, reviewer, context, book))
    restores = book.restores_exchange(pair, new)  # the Support Office undoing a cancellation
    if (_makes_exchange(new, pair, book) or restores) and (
        why := _exchange_problem(proposal, book, context)
    ):
        return problem("decision", request.decision, why)
    for event in new:  # the whole request is valid: it moves the working state
        book.apply(event, proposal)
        book.batch[(pair[0], pair[1], event["side"])] = (request.row, request.decision)
    outcome.events = new
    outcome.status = RECORDED if new else ALREADY
    return outcome


def _asked(
    request: Request, mine: tuple[str, ...], reviewer: Reviewer, book: Book, proposal: Proposal
) -> tuple[str, ...]:
    """The sides a request answers: the one it names, both, or (unnamed) the reviewer's own
    (a withdrawal without a side: the reviewer's sides that have an answer of its own); the
    Support Office's row naming a partnership and no side: that partnership's sides."""
    if request.side in SIDES:
        return (request.side,)
    if not request.side and request.partnership and reviewer.partnership is None:
        mine = tuple(side for side in SIDES if proposal.partnership(side) == request.partnership)
        if request.decision != "withdrawn":
            return mine
    if request.side == "both" or reviewer.partnership is None and request.decision != "withdrawn":
        return SIDES if request.side == "both" or reviewer.partnership is None else mine
    if request.decision == "withdrawn":  # the Support Office's: the rejections, cancellations
        pair, actor = (request.visitor_id, request.host_id), reviewer.partnership and reviewer.actor
        held = {s: book.target(pair, s, actor or None) for s in mine}
        closing = tuple(s for s, e in held.items() if e and e["decision"] in BLOCKING)
        return (closing if not actor else ()) or tuple(s for s, e in held.items() if e) or mine
    return mine


def _refusal(
    request: Request,
    side: str,
    pair: Pair,
    book: Book,
    reviewer: Reviewer,
    context: Context,
) -> str:
    """Why this side cannot take the request ("" when it can, ALREADY when it holds it)."""
    decision = request.decision
    answer = book.answers.get((*pair, side))
    current = "" if answer is None else str(answer["decision"])
    if decision == "withdrawn":
        office = reviewer.partnership is None  # intervenes on any side's answer, at any time
        own = book.target(pair, side, None if office else reviewer.actor)
        if own is None or own.get("seq") is None:
            if (*pair, side, reviewer.actor) in book.withdrawn_by:
                return ALREADY  # (a file of withdrawals imported again)
            whose = "" if office else " of its own"
            return f"{reviewer.actor} has no answer{whose} to withdraw on the {side} side"
        if own["actor"] == reviewer.actor and int(own["seq"]) > context.read_seq:
            return ""  # its author's undo, no run having read it
        if office and own["decision"] == "accepted" and pair in book.exchanges:
            return "the pair is an exchange (both sides accepted): cancel it instead"
        if not office:
            return (
                f"the {side} side's {own['decision']!r} of {own['decided_on']} was read by a run "
                "already: it can no longer be withdrawn"
                + (" (cancel the exchange instead)" if pair in book.exchanges else "")
            )
        return ""
    if decision == "cancelled":
        if pair in book.cancelled:
            return ALREADY
        if pair not in book.exchanges:
            return "only an exchange (both sides accepted) can be cancelled"
        return ""
    if decision == "hold" and current in ("accepted", "rejected") and pair not in book.exchanges:
        return ALREADY  # the side's final answer since stands (a workbook returned as it was)
    if pair in book.cancelled:
        return "the exchange was cancelled: the pair is never proposed again"
    rejected = [
        s for s in SIDES if (a := book.answers.get((*pair, s))) and a["decision"] == "rejected"
    ]
    if current == decision:
        return ALREADY
    if rejected:
        return f"the pair was rejected by the {rejected[0]} side: it is never proposed again"
    if pair in book.exchanges:
        return "the pair is an exchange already (both sides accepted): cancel it instead"
    if answer is not None and current in ("accepted", "rejected"):
        return (
            f"conflicts with the {side} side's recorded {current!r} of {answer['decided_on']} "
            f"(run {answer['run_id']}); a recorded answer is never overwritten: "
            + _how_to_withdraw(answer, reviewer, context)
        )
    return ""


def _how_to_withdraw(answer: Mapping[str, Any], reviewer: Reviewer, context: Context) -> str:
    """Who may still take a recorded answer back, in the words of the one who asked (the
    reviewers' audit: "withdrawn first" to a reviewer whose withdrawal is refused since a run
    read the answer)."""
    if reviewer.partnership is None:
        return "withdraw it first"
    seq = answer.get("seq")
    unread = seq is not None and int(seq) > context.read_seq
    if unread and answer.get("actor") == reviewer.actor:
        return "withdraw it first"
    if unread:
        return "its author may withdraw it until a run reads it, or the Support Office"
    return "a run has read it, so only the Support Office can withdraw it"


def _makes_exchange(new: list[dict[str, Any]], pair: Pair, book: Book) -> bool:
    """The request's ``new`` events make the pair an exchange: after them every side has
    accepted it (one side after the other, or both at once)."""
    if pair in book.exchanges or not new or new[0]["decision"] != "accepted":
        return False
    answered = {event["side"] for event in new}
    return all(
        side in answered or (a := book.answers.get((*pair, side))) and a["decision"] == "accepted"
        for side in SIDES
    )


def _exchange_problem(proposal: Proposal, book: Book, context: Context) -> str:
    """Why the pair cannot become an exchange beside every exchange recorded before and
    earlier in the batch ("" when it can): its visitor in one exchange at a time (it may have
    several: seeds 000/001, "plan one or more exchanges"), then the campaign's limits."""
    pair = (proposal.visitor_id, proposal.host_id)
    for side in SIDES:  # an exchange is on the dates and mode both sides accepted
        first = book.answers.get((*pair, side))
        if first is not None and first["decision"] == "accepted" and _terms(first) != (
            proposal.mode, proposal.start_day, proposal.end_day,
        ):  # fmt: skip
            mode, start, end = _terms(first)
            return (
                f"the {side} side accepted it as {mode} on {start}..{end} (run "
                f"{first['run_id']}), and this answer is to {proposal.mode} on "
                f"{proposal.start_day}..{proposal.end_day} (run {proposal.run_id}): an "
                "exchange is on the dates both sides accepted"
            )
    for (visitor, host), exchange in book.exchanges.items():
        if visitor == proposal.visitor_id and not (
            exchange.end_day < proposal.start_day or proposal.end_day < exchange.start_day
        ):
            return (
                f"visitor {visitor} has an accepted {exchange.mode} exchange with host {host} "
                f"on {exchange.start_day}..{exchange.end_day}, days this one shares"
            )
    return context.limits.problem(proposal, book.exchanges, book.cancelled)


def _terms(answer: Mapping[str, Any]) -> tuple[str, str, str]:
    """The mode and days a recorded answer answered."""
    return str(answer["mode"]), str(answer["start_day"]), str(answer["end_day"])


def _event(
    request: Request,
    side: str,
    proposal: Proposal,
    reviewer: Reviewer,
    context: Context,
    book: Book,
) -> dict[str, Any]:
    own = proposal.partnership(side)
    on_behalf = reviewer.partnership or (request.partnership if request.partnership == own else "")
    withdraws = None
    if request.decision == "withdrawn":  # checked present by _refusal
        actor = None if reviewer.partnership is None else reviewer.actor
        target = book.target((proposal.visitor_id, proposal.host_id), side, actor)
        withdraws = None if target is None else int(target["seq"])
    return {
        "visitor_id": proposal.visitor_id,
        "host_id": proposal.host_id,
        "side": side,
        "decision": request.decision,
        "withdraws": withdraws,
        "partnership": on_behalf,
        "decided_by": request.decided_by,
        "decided_on": request.decided_on or context.today.isoformat(),
        "note": request.note,
        "actor": reviewer.actor,
        "source": context.source,
        "mode": proposal.mode,
        "start_day": proposal.start_day,
        "end_day": proposal.end_day,
        "score": float(proposal.score),
        "run_id": proposal.run_id,
        "proposed_by": proposal.proposed_by,
    }
