"""The one checked night: run, nightly and simulate all produce a night through here.

A night is written only when the solver found an assignment and the independent checker
found no broken rule; otherwise :class:`NightRefused` says why, and nothing is written. The
command line maps the refusal's ``reason`` to an exit code (``engine.cli``).
"""

from __future__ import annotations

from engine.domain.contract import Campaign
from engine.night.night import NightResult, Progress, run_night
from engine.night.options import RunOptions

NO_ASSIGNMENT = "no_assignment"  # the solver proved the rules infeasible or found nothing
RULES_BROKEN = "rules_broken"  # the independent checker refused the proposals
MAX_LISTED = 50  # broken rules listed in a refusal


class NightRefused(Exception):
    """Tonight's proposals cannot be written. ``reason`` is NO_ASSIGNMENT or RULES_BROKEN."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)  # args as given: the error pickles (Dask workers)
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return self.message


def refusal(result: NightResult) -> NightRefused | None:
    """Why ``result`` must not be written, or None when it may."""
    status = result.solve.status
    if not status.has_solution:
        rules = "".join(f"\n  - {rule}" for rule in result.blocking) or (
            "\n  - no single rule explains it: the rules conflict only together"
            if status.value == "infeasible"
            else ""
        )
        return NightRefused(
            NO_ASSIGNMENT, f"the solver found no assignment ({status.value}); blocking:{rules}"
        )
    if result.violations:
        lines = "\n".join(f"  - [{v.rule}] {v.message}" for v in result.violations[:MAX_LISTED])
        return NightRefused(
            RULES_BROKEN,
            f"the checker refused the proposals ({len(result.violations)} broken rules); "
            f"nothing written:\n{lines}",
        )
    return None


def checked_night(
    campaign: Campaign, options: RunOptions | None = None, progress: Progress | None = None
) -> NightResult:
    """Run one night; raise :class:`NightRefused` unless it may be written."""
    result = run_night(campaign, options, progress)
    refused = refusal(result)
    if refused is not None:
        raise refused
    return result
