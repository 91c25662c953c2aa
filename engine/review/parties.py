"""Who answers a proposal's sides: the reviewers (the Support Office or a partnership) and
the proposals they answer, with each side's partnership (:mod:`engine.review.rules`)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.review.schema import SUPPORT_OFFICE
from engine.review.state import SIDES


@dataclass(frozen=True)
class Reviewer:
    """Who answers: the Support Office (every side) or one partnership (its own sides)."""

    partnership: str | None = None  # None: the Support Office

    @property
    def actor(self) -> str:
        return SUPPORT_OFFICE if self.partnership is None else f"partnership:{self.partnership}"

    def sides(self, proposal: Proposal) -> tuple[str, ...]:
        """The sides of ``proposal`` this reviewer answers."""
        if self.partnership is None:
            return SIDES
        return tuple(side for side in SIDES if proposal.partnership(side) == self.partnership)


@dataclass(frozen=True)
class Proposal:
    """A pair as its proposing run (or the reviewer who took it) gave it."""

    visitor_id: str
    host_id: str
    mode: str
    start_day: str
    end_day: str
    score: float
    run_id: str
    visitor_partnership: str
    host_partnership: str
    proposed_by: str = ""  # "" the engine; else the reviewer who took it as an alternative
    lump_sum_eur: float = 0.0  # what its visitor's partnership pays (0: virtual or not known)

    def partnership(self, side: str) -> str:
        """The partnership whose side it is."""
        return (self.visitor_partnership, self.host_partnership)[SIDES.index(side)]
