"""What one answer must look like before its meaning is checked (``engine.review.rules``):
its ids, a decision word, a side word, a date, and text of a bounded length (a note rides
along into every later workbook, whose cells hold 32,767 characters at most; the reviewers'
audit stored a note of 200,000 characters through the API)."""

from __future__ import annotations

from typing import Protocol

from engine.domain.contract import Policy
from engine.load.cells import DATE_WORDS
from engine.load.decision_files import NOT_ISO, decided_on_problem
from engine.review.state import SIDES

WORDS = ("accepted", "rejected", "hold", "cancelled", "withdrawn")
SIDE_WORDS = ("", "both", *SIDES)
MOST_CHARACTERS = {"note": 2_000, "decided_by": 200}


class Form(Protocol):  # engine.review.rules.Request, read only
    @property
    def visitor_id(self) -> str: ...
    @property
    def host_id(self) -> str: ...
    @property
    def decision(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def decided_by(self) -> str: ...
    @property
    def decided_on(self) -> str: ...
    @property
    def row(self) -> int | None: ...
    @property
    def run_id(self) -> str: ...


def form_problems(
    request: Form, policy: Policy, source: str = "api"
) -> list[tuple[str, str | None, str]]:
    """(column, value, message) of every problem of the answer's form; none: well formed.
    ``source``: ``file`` where the date was read in a campaign file's formats first."""
    found: list[tuple[str, str | None, str]] = []
    if not request.visitor_id:
        found.append(("visitor_id", None, "is empty"))
    if not request.host_id:
        found.append(("host_id", None, "is empty"))
    if request.decision not in WORDS:
        found.append(("decision", request.decision, "is not a decision: use " + ", ".join(WORDS)))
    if request.side not in SIDE_WORDS:
        found.append(("side", request.side, "is not a side: use visitor, host or both"))
    if request.decided_on and (why := decided_on_problem(request.decided_on, policy)):
        if source == "file" and why == NOT_ISO:  # (a file's cell in none of its formats)
            why = f"is not a date ({DATE_WORDS})"
        found.append(("decided_on", request.decided_on, why))  # the boundary's one date rule
    for column, most in MOST_CHARACTERS.items():
        text = str(getattr(request, column))
        if len(text) > most:
            found.append(
                (column, text[:40] + "...", f"holds {len(text):,} characters; at most {most:,}")
            )
    return found


ANSWER = frozenset({"visitor_id", "host_id", "decision", "side"})  # what a row answers


def unreadable(request: Form, policy: Policy) -> bool:
    """The row does not say which pair, side and answer (other problems leave that clear)."""
    return any(column in ANSWER for column, _, _ in form_problems(request, policy))
