"""Rows of one batch that answer one side of a pair differently: neither is recorded (the
reviewers' audit: the first of two rows, accepted then rejected for the visitor side, was
recorded, and the log held an answer the file itself contradicted)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from engine.review.forms import Form

SIDES = {"visitor": {"visitor"}, "host": {"host"}}  # else (none named, "both"): both sides


def conflicting_rows(requests: Sequence[Form | None]) -> dict[int, str]:
    """Position in ``requests`` -> why it is refused, for every row that answers a side of a
    pair another row of the batch answers differently (a row naming no side, or both, answers
    both). None: a row that is no answer (its own problems say why)."""
    by_pair: dict[tuple[str, str], list[tuple[int, Form]]] = defaultdict(list)
    for at, request in enumerate(requests):
        if request is not None:
            by_pair[(request.visitor_id.strip(), request.host_id.strip())].append((at, request))
    found: dict[int, str] = {}
    for rows in by_pair.values():
        for at, mine in rows:
            sides = SIDES.get(mine.side.strip().lower(), {"visitor", "host"})
            for other, theirs in rows:
                overlap = sides & SIDES.get(theirs.side.strip().lower(), {"visitor", "host"})
                if other != at and overlap and theirs.decision != mine.decision:
                    found[at] = (
                        f"conflicts with row {theirs.row} ({theirs.decision}) for the "
                        f"{' and '.join(sorted(overlap))} side: neither row is recorded"
                    )
                    break
    return found
