"""Problems found in a campaign's input files, and the error that carries all of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One defect of an input file.

    ``row`` is the 1-based data row of the file (the CSV line number minus the header);
    ``row`` and ``column`` are None for problems of the whole file (or the whole row).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file if self.row is None else f"{self.file} row {self.row}"]
        if self.column is not None:
            where.append(f"column {self.column}")
        what = f"{self.value!r} {self.message}" if self.value else self.message
        return f"{', '.join(where)}: {what}"

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, -1 if self.row is None else self.row, self.column or "", self.message)


class CampaignInvalid(Exception):
    """A campaign failed validation; ``problems`` lists every problem, in file/row order."""

    def __init__(self, problems: Iterable[Problem], campaign: str = "campaign") -> None:
        self.problems: list[Problem] = sorted(problems, key=Problem.sort_key)
        self.campaign = campaign
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        header = (
            f"campaign {self.campaign!r} is invalid: {count} problem{'' if count == 1 else 's'}"
        )
        return "\n".join([header, *(f"  {problem}" for problem in self.problems)])
