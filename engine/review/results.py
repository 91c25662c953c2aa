"""What recording answers gives back: a result per batch, and the refusal that lists every
problem (the command line maps it to exit 2)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.domain.problems import Problem
from engine.review.rules import ALREADY, Outcome


class DecisionsInvalid(Exception):
    """Answers failed validation; ``problems`` lists every problem, in row order, and
    ``recorded`` says how many rows were recorded all the same (0: nothing was)."""

    def __init__(self, file: str, problems: list[Problem], recorded: int = 0) -> None:
        self.file = file
        self.problems = sorted(problems, key=Problem.sort_key)
        self.recorded = recorded
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        what = (
            "nothing was recorded"
            if not self.recorded
            else f"the other {self.recorded} answered rows were recorded"
        )
        header = f"{self.file}: {count} problem{'' if count == 1 else 's'}; {what}"
        return "\n".join([header, *(f"  {problem}" for problem in self.problems)])


@dataclass(frozen=True)
class ImportResult:
    file: str
    recorded: int  # rows whose answers were appended to the log
    already_recorded: int  # rows the log held already
    unanswered: int  # rows with an empty decision
    already_imported: bool = False  # the same file (same content) was imported before
    problems: list[Problem] = field(default_factory=list)  # rows not recorded, and why
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False


@dataclass(frozen=True)
class FileInfo:
    """A decision file being imported: recorded once by content (``sha256``)."""

    name: str
    sha256: str
    unanswered: int = 0


def notes_not_recorded(result: ImportResult, events: pd.DataFrame) -> list[int]:
    """The rows that repeat an answer recorded already with a note of their own, which is
    not recorded (a recorded answer keeps its note): said, not dropped without a word (the
    reviewers' audit)."""
    rows = []
    for outcome in result.outcomes:
        request = outcome.request
        note = str(request.note).strip()
        if outcome.status != ALREADY or not note or request.row is None:
            continue
        same = events[
            (events["visitor_id"].astype(str) == request.visitor_id)
            & (events["host_id"].astype(str) == request.host_id)
            & (events["decision"].astype(str) == request.decision)
        ]
        if not (same["note"].astype(str).str.strip() == note).any():
            rows.append(int(request.row))
    return rows
