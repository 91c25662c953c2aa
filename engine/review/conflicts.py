"""Rows of one batch that answer one side of a pair differently: neither is recorded (the
reviewers' audit: the first of two rows, accepted then rejected for the visitor side, was
recorded, and the log held an answer the file itself contradicted)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from engine.review.forms import Form

SIDES = {"visitor": {"visitor"}, "host": {"host"}}  # else (none named, "both"): both sides


def named_sides(request: Form) -> set[str]:
    """The sides a row names: its ``side``, or both where it names none or both."""
    return set(SIDES.get(request.side.strip().lower(), {"visitor", "host"}))


def conflicting_rows(
    requests: Sequence[Form | None], sides_of: Callable[[Form], set[str]] = named_sides
) -> dict[int, str]:
    """Position in ``requests`` -> why it is refused, for every row that answers a side of a
    pair another row of the batch answers differently. ``sides_of``: the sides a row answers
    (by default those it names; a partnership's row naming none answers only its own sides:
    the reviewers' audit saw a conflict "for the host and visitor side" where the partnership
    answers the visitor side only). None: a row that is no answer (its own problems say
    why)."""
    by_pair: dict[tuple[str, str], list[tuple[int, Form]]] = defaultdict(list)
    for at, request in enumerate(requests):
        if request is not None:
            by_pair[(request.visitor_id.strip(), request.host_id.strip())].append((at, request))
    found: dict[int, str] = {}
    for rows in by_pair.values():
        for at, mine in rows:
            sides = sides_of(mine)
            for other, theirs in rows:
                overlap = sides & sides_of(theirs)
                if other != at and overlap and theirs.decision != mine.decision:
                    found[at] = (
                        f"conflicts with row {theirs.row} ({theirs.decision}) for the "
                        f"{' and '.join(sorted(overlap))} side: neither row is recorded"
                    )
                    break
    return found
