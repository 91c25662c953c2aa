"""Problems of a changed campaign said at their source: the scenario key that caused them.

A scenario's campaign is checked by the engine's own loader, whose problems name a file row
("profiles.csv row 1001, column country") of a table the user never sees. :class:`Origins`
remembers which change (or the arrivals) added each profile and which fields its ``set``
wrote, so the problem becomes ``changes[1].set.country: 'NO' is not a COSME participating
country (20 hosts it adds)``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from engine.domain.problems import Problem


@dataclass(frozen=True)
class Span:
    start: int  # first profile row (0-based) the change added
    stop: int
    where: str  # "changes[2]" or "arrivals"
    set_keys: frozenset[str]
    what: str  # "hosts it adds"


@dataclass
class Origins:
    """Which rows of the changed profiles table come from which scenario key."""

    spans: list[Span] = field(default_factory=list)
    quota_changes: dict[tuple[str, str], str] = field(default_factory=dict)

    def added(self, start: int, count: int, where: str, set_keys: set[str], what: str) -> None:
        if count:
            self.spans.append(Span(start, start + count, where, frozenset(set_keys), what))

    def of_row(self, index: int) -> Span | None:
        return next((s for s in self.spans if s.start <= index < s.stop), None)

    def at_source(self, problems: list[Problem]) -> list[str]:
        """Each problem once per (scenario key, value, message), with how many rows it hit."""
        counted: Counter[tuple[str, str, str]] = Counter()
        what: dict[tuple[str, str, str], str] = {}
        for problem in problems:
            where, noun = self._where(problem)
            value = f"{problem.value!r} " if problem.value else ""
            key = (where, value, problem.message)
            counted[key] += 1
            what[key] = noun
        lines = []
        for (where, value, message), count in counted.items():
            noun = what[(where, value, message)]
            tail = f" ({count} {noun})" if noun else ""
            lines.append(f"{where}: {value}{message}{tail}")
        return lines

    def _where(self, problem: Problem) -> tuple[str, str]:
        name = problem.file.split(".")[0]
        if name == "profiles" and problem.row is not None:
            span = self.of_row(problem.row - 1)
            if span is not None:
                if problem.column in span.set_keys:
                    return f"{span.where}.set.{problem.column}", span.what
                column = f", field {problem.column}" if problem.column else ""
                return f"{span.where} (a profile it adds{column})", span.what
            return f"the base campaign's profile row {problem.row}", ""
        if name == "quotas":
            setters = {  # the set_quota changes the problem's value is a key of
                where
                for (partnership, category), where in self.quota_changes.items()
                if problem.value in (partnership, category)
            }
            if len(setters) == 1 and problem.column in ("partnership", "category"):
                return f"{setters.pop()}.{problem.column}", ""
            return "the quotas after the changes", ""
        if name == "policy":
            return "policy", ""
        return str(problem.file), ""
