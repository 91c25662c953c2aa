"""Which slots a host keeps (:mod:`engine.night.slots`): slots no other slot covers, the most
promising of them, and the dates a pair one side accepted is pinned to."""

from __future__ import annotations

import numpy as np

from engine.domain.calendar import WorkCalendar


class Pin:
    """A host's pinned pairs (rows of first day, last day, physical; -1: free): the working-day
    starts and lengths their slots need, and the fits it keeps."""

    def __init__(self, rows: np.ndarray, calendar: WorkCalendar, country: int) -> None:
        self.rows = rows
        self.pinned = rows[:, 0] >= 0
        first, last = rows[self.pinned, 0], rows[self.pinned, 1]
        self.starts = calendar.index(country, first).astype(np.int64)
        self.lengths = (calendar.index(country, last) - self.starts + 1).astype(np.int64)

    def keep(
        self, fits: np.ndarray, first: np.ndarray, last: np.ndarray, physical: np.ndarray
    ) -> None:
        """A pinned pair fits only the slots of its days and mode (in place)."""
        if not self.pinned.any():
            return
        rows = self.rows[self.pinned]
        fits[self.pinned] &= (
            (first[None, :] == rows[:, 0:1])
            & (last[None, :] == rows[:, 1:2])
            & (np.asarray(physical, dtype=np.int64)[None, :] == rows[:, 2:3])
        )


def undominated(
    fits: np.ndarray, length: np.ndarray, physical: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Slots worth keeping: drop a slot when another slot of the same length and at least its
    room fits every pair it fits, of the same mode (so the same lump sum) or physical covering
    virtual (only pairs that may take either fit both, and a pair's budget cost is its dearest
    slot's already); of identical slots keep the first (earliest)."""
    usable = np.flatnonzero(fits.any(axis=0))
    f = fits[:, usable].astype(np.float32)  # BLAS: exact for counts below 2**24
    size = f.sum(axis=0)
    common = f.T @ f  # common[a, b]: pairs fitting both
    same_kind = (
        (length[usable][:, None] == length[usable][None, :])
        & (physical[usable][:, None] >= physical[usable][None, :])
        & (room[usable][:, None] >= room[usable][None, :])
    )
    covered = (common == size[None, :]) & same_kind  # a covers b: b's pairs all fit a
    np.fill_diagonal(covered, False)
    index = np.arange(len(usable))
    strictly = covered & (size[:, None] > size[None, :])
    kind = physical[usable]
    first = (kind[:, None] > kind[None, :]) | (
        (kind[:, None] == kind[None, :]) & (index[:, None] < index[None, :])
    )
    earlier_equal = covered & (size[:, None] == size[None, :]) & first
    dominated = (strictly | earlier_equal).any(axis=0)
    return usable[~dominated]


def best_slots(fits: np.ndarray, scores: np.ndarray, room: np.ndarray, keep: int) -> np.ndarray:
    """The ``keep`` slots whose best full group (up to the slot's room) scores most (ties:
    earliest slot), plus, for every pair none of those fits, the most promising slot it does
    fit (so no candidate pair loses its host to slot pruning)."""
    if not fits.any():
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-scores, kind="stable")
    members = fits[order]
    taken = members & (np.cumsum(members, axis=0) <= room[None, :])
    potential = (taken * scores[order][:, None]).sum(axis=0)
    usable = np.flatnonzero(fits.any(axis=0))
    ranked = usable[np.lexsort((usable, -potential[usable]))]
    chosen = list(ranked[:keep])
    uncovered = np.flatnonzero(~fits[:, chosen].any(axis=1) & fits.any(axis=1))
    for pair in uncovered:
        if fits[pair, chosen].any():
            continue
        options = np.flatnonzero(fits[pair])
        chosen.append(int(options[np.lexsort((options, -potential[options]))][0]))
    return np.sort(np.array(chosen, dtype=np.int64))


def twins(
    fits: np.ndarray,
    start: np.ndarray,
    length: np.ndarray,
    kind: np.ndarray,
    room: np.ndarray,
    kept: np.ndarray,
) -> np.ndarray:
    """For each kept slot, the slot of the same length and kind (language and mode) on dates
    it does not overlap that most of its pairs fit too (ties: the earliest), where one fits:
    a host opening two new groups a night (``max_groups_per_host`` above 1) may take a
    second on other dates (``undominated`` keeps one slot of identical ones, the earliest).
    Positions in the grid, none of them kept already."""
    found: list[int] = []
    end = start + length - 1
    for slot in kept.tolist():
        apart = (start > end[slot]) | (end < start[slot])
        same = (length == length[slot]) & (kind == kind[slot]) & (room > 0) & apart
        options = np.flatnonzero(same)
        if not options.size:
            continue
        shared = (fits[:, options] & fits[:, [slot]]).sum(axis=0)
        if shared.max() == 0:
            continue
        found.append(int(options[np.lexsort((options, -shared))[0]]))
    return np.setdiff1d(np.array(found, dtype=np.int64), kept)
