"""Group slots: when, how long and in which language a host receives a group tonight.

A **slot** of a host is a start (the first working day of a week, or the first day a pair
could start where no week's first day suits it), a stay length in working days, a working
language the host speaks and a mode (physical or virtual). Every visitor of a group joins
the same slot: the group shares its dates (inside every member's and the host's availability,
and no earlier than the night's earliest start), a stay length that suits every member and
the host, a language they all speak, and whether it is physical. A stay lasts a month at
most (seeds 000, 001, 004: "up to a maximum of a month"): it ends before the same date a month
later, whatever its working days (22 working days over Easter, or in February, are more). A pair whose visitor and
host both take either mode fits physical and virtual slots alike (the group's mode is then
its mode: a visitor taking either joins a host's virtual group). Working days are the host
country's (:class:`engine.domain.calendar.WorkCalendar`).

A host receives several visitors at once up to its capacity, and group after group over the
campaign: each slot has a **room**, its capacity less the most visitors the host has on any
day of the slot from exchanges accepted before (:mod:`engine.night.occupancy`). Slots without
room are dropped. An accepted group with room left is also a slot of its own (a **join**
slot: its dates, mode and a language its members and the host speak), which new visitors may
join without opening a new group.

To keep the model small, each host keeps its ``slots_per_host`` most promising new slots (by
the best total score of a full group that could join), plus for every candidate pair none of
those fits the most promising slot it does fit; join slots are always kept. ``fits`` lists,
for each candidate pair, the kept slots it can join.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.domain.calendar import day_number, last_day_of_a_month_from
from engine.domain.contract import Policy
from engine.night.occupancy import Occupancy, free_of_busy
from engine.night.slot_choice import Pin, best_slots, twins, undominated
from scoring.candidates import pair_modes
from scoring.encoding import EncodedCampaign

WEEK = 7  # days; day numbers count from a Monday (engine.domain.calendar.EPOCH)
SLOT_COLUMNS = (
    "slot", "host", "start_day", "end_day", "length", "language", "physical", "room", "new",
)  # fmt: skip


@dataclass(frozen=True)
class Slots:
    """Kept slots (one row each) and which candidate pair fits which slot."""

    slots: pd.DataFrame  # SLOT_COLUMNS; start_day/end_day are day numbers (inclusive)
    fits: pd.DataFrame  # pair (row of the candidates table), slot; sorted by pair, slot

    @property
    def n_slots(self) -> int:
        return len(self.slots)


@dataclass(frozen=True)
class _HostGrid:
    """One host's candidate slots before pruning (parallel arrays) and who fits each."""

    start: np.ndarray  # working-day index (host country) of the first day
    length: np.ndarray
    language: np.ndarray  # language bit, -1: none
    physical: np.ndarray
    new: np.ndarray  # False: an accepted group's join slot
    fits: np.ndarray  # (pairs, slots) bool
    start_day: np.ndarray  # day numbers of the first and last day
    end_day: np.ndarray
    room: np.ndarray  # capacity less the most visitors accepted before on any of its days
    always: np.ndarray  # kept whatever the most promising are (a second group's twin slot)


def build_slots(
    candidates: pd.DataFrame,
    encoded: EncodedCampaign,
    policy: Policy,
    occupancy: Occupancy | None = None,
    earliest_day: int | None = None,
    pinned: np.ndarray | None = None,
    busy: np.ndarray | None = None,
) -> Slots:
    """The kept slots of every host, and for every candidate pair the slots it can join;
    ``pinned`` (candidates x 3: first and last day numbers, physical; -1 where free): pairs
    that may join only a slot of those dates and mode (one side accepted them); ``busy``
    (:func:`engine.night.occupancy.busy_days`): days a pair's visitor is in an exchange."""
    languages = encoded.vocab.languages
    # each host's kept slots and fits as arrays, one table at the end (a DataFrame per host
    # cost 6 s of the 16 s this took at 20,000 visitors)
    slot_parts: dict[str, list[np.ndarray]] = {column: [] for column in SLOT_COLUMNS}
    fit_pairs: list[np.ndarray] = []
    fit_slots: list[np.ndarray] = []
    next_slot = 0
    # the columns as arrays once (a DataFrame slice per host cost most of the time at 20,000
    # visitors)
    physical, virtual = pair_modes(candidates)
    columns = {
        "visitor": candidates["visitor"].to_numpy(np.int64),
        "stay_days": candidates["stay_days"].to_numpy(np.int64),
        "physical": physical,
        "virtual": virtual,
        "pin": np.full((len(candidates), 3), -1, np.int64) if pinned is None else pinned,
        "busy": np.full((len(candidates), 1, 2), -1, np.int64) if busy is None else busy,
        # an option's longest stay (0: none): a pair's options by lump sum (engine.night.groups)
        "stay_cap": candidates["stay_cap"].to_numpy(np.int64)
        if "stay_cap" in candidates
        else np.zeros(len(candidates), np.int64),
    }
    score = candidates["score"].to_numpy(np.float64)
    for host_key, rows in candidates.groupby("host", sort=True).indices.items():
        host = int(host_key)  # type: ignore[call-overload]
        pairs = {name: values[rows] for name, values in columns.items()}
        grid = _host_grid(pairs, host, encoded, policy, occupancy, earliest_day)
        if grid is None:
            continue
        start_day, end_day, room = grid.start_day, grid.end_day, grid.room
        usable = (room > 0) & grid.fits.any(axis=0)
        keep = _kept(grid, usable, score[rows], room, policy.slots_per_host)
        if not keep.size:
            continue
        ids = np.arange(next_slot, next_slot + len(keep))
        next_slot += len(keep)
        kept: dict[str, np.ndarray] = {
            "slot": ids,
            "host": np.full(len(keep), host, dtype=np.int64),
            "start_day": start_day[keep],
            "end_day": end_day[keep],
            "length": grid.length[keep],
            "language": grid.language[keep],  # token positions until the end
            "physical": grid.physical[keep],
            "room": room[keep],
            "new": grid.new[keep],
        }
        for column, values in kept.items():
            slot_parts[column].append(values)
        pair_index, slot_index = np.nonzero(grid.fits[:, keep])
        fit_pairs.append(np.asarray(rows)[pair_index])
        fit_slots.append(ids[slot_index])
    if slot_parts["slot"]:
        slot_table = pd.DataFrame(
            {column: np.concatenate(parts) for column, parts in slot_parts.items()}
        )
        tokens = np.array([*languages.tokens, ""], dtype=object)  # -1: no language
        slot_table["language"] = tokens[slot_table["language"].to_numpy(np.int64)]
        fit_table = pd.DataFrame(
            {"pair": np.concatenate(fit_pairs), "slot": np.concatenate(fit_slots)}
        )
    else:
        slot_table = pd.DataFrame(
            {column: pd.Series([], dtype=np.int64) for column in SLOT_COLUMNS}
        )
        fit_table = pd.DataFrame({"pair": np.zeros(0, np.int64), "slot": np.zeros(0, np.int64)})
    fit_table = fit_table.sort_values(["pair", "slot"], kind="stable").reset_index(drop=True)
    return Slots(slots=slot_table, fits=fit_table)


def _host_grid(
    pairs: dict[str, np.ndarray],
    host: int,
    encoded: EncodedCampaign,
    policy: Policy,
    occupancy: Occupancy | None,
    earliest_day: int | None,
) -> _HostGrid | None:
    """The host's grid of new slots (week start x length x language x mode) and its join
    slots, with the candidate pairs fitting each, undominated new slots only."""
    visitors, hosts, calendar = encoded.visitors, encoded.hosts, encoded.calendar
    country = int(hosts.work_country[host])
    v = pairs["visitor"]
    shortest = pairs["stay_days"]  # max of the minimum stays
    longest = np.minimum(
        np.minimum(visitors.max_days[v], hosts.max_days[host]), policy.max_days
    ).astype(np.int64)
    longest = np.where(pairs["stay_cap"] > 0, np.minimum(longest, pairs["stay_cap"]), longest)
    first_day = np.maximum(visitors.day_from[v], hosts.day_from[host]).astype(np.int64)
    if earliest_day is not None:
        first_day = np.maximum(first_day, earliest_day)
    end_day = np.minimum(visitors.day_to_excl[v], hosts.day_to_excl[host]).astype(np.int64)
    first = calendar.index(country, first_day).astype(np.int64)  # working-day indices
    end = calendar.index(country, end_day).astype(np.int64)
    modes = pairs["physical"], pairs["virtual"]  # the modes each pair may take
    speaks = _speaker(encoded, v, policy)

    pin = Pin(pairs["pin"], calendar, country)
    lengths = np.unique(np.concatenate([shortest, pin.lengths]))
    host_langs = _host_languages(encoded, host, policy)

    def grid(starts: np.ndarray) -> tuple[np.ndarray, ...]:
        """New slots from these starts (x length x language x mode), who fits each."""
        w, length, lang, physical = (
            a.ravel()
            for a in np.meshgrid(starts, lengths, host_langs, _slot_modes(*modes), indexing="ij")
        )
        fits = _fitting(w, length, physical, first, end, shortest, longest, modes)
        days = calendar.day(country, w), calendar.day(country, w + length - 1)
        fits &= (days[1] <= last_day_of_a_month_from(days[0]))[None, :]  # a month at most
        fits &= free_of_busy(pairs["busy"], *days)  # not while in an exchange of its own
        fits &= _virtual_open(physical, days[1], policy)[None, :]
        if policy.group_common_language:
            fits &= speaks(lang)
        room = _room(host, w, length, encoded, policy, occupancy)
        fits &= (room > 0)[None, :]  # a slot without room admits nobody
        pin.keep(fits, *days, physical)
        return w, length, lang, physical, room, fits

    # new slots: the first working day of every week any pair could use ...
    mondays = np.arange(first_day.min() // WEEK, end_day.max() // WEEK + 1) * WEEK
    starts = np.union1d(calendar.index(country, mondays).astype(np.int64), pin.starts)
    w, length, lang, physical, room, fits = grid(starts)
    # ... and, where no week's first day suits a pair, the first day it could start (dates
    # shared from a Wednesday to a Friday, say) and the first working day after each exchange
    # of its own or of the host's (where the weeks' first days are taken: a host of one place
    # from Wednesday to Tuesday had its Wednesday to Friday after it proposed to nobody)
    unfit = ~fits.any(axis=1)
    if unfit.any():
        freed = np.concatenate(
            [
                [] if occupancy is None else occupancy.ends(host),
                pairs["busy"][unfit, :, 1][pairs["busy"][unfit, :, 1] >= 0] + 1,
            ]
        ).astype(np.int64)
        after = calendar.index(country, freed).astype(np.int64)
        after = after[(after >= first[unfit].min()) & (after < end[unfit].max())]
        extra = np.setdiff1d(np.union1d(first[unfit], after), starts)
        w, length, lang, physical, room, fits = _appended(
            (w, length, lang, physical, room, fits), grid(extra)
        )
    kept = undominated(fits, length, physical, room)
    always = np.zeros(len(kept), dtype=bool)
    if policy.max_groups_per_host > 1:  # a second group on other dates: each slot's twin
        kind = lang * 2 + physical.astype(np.int64)
        second = twins(fits, w, length, kind, room, kept)
        kept = np.concatenate([kept, second])
        always = np.concatenate([always, np.ones(len(second), dtype=bool)])
    w, length, lang, physical, room = (a[kept] for a in (w, length, lang, physical, room))
    fits = fits[:, kept]
    new = np.ones(len(w), dtype=bool)

    join_days = None
    if occupancy is not None:  # join slots: accepted groups of this host
        groups = occupancy.groups(host)
        if len(groups):
            j_start = calendar.index(country, groups["start_day"].to_numpy()).astype(np.int64)
            j_length = calendar.count(
                country, groups["start_day"].to_numpy(), groups["end_day"].to_numpy() + 1
            ).astype(np.int64)
            j_lang = groups["language"].to_numpy(np.int64)
            j_physical = groups["physical"].to_numpy(bool)
            j_fits = _fitting(j_start, j_length, j_physical, first, end, shortest, longest, modes)
            days = groups[["start_day", "end_day"]].to_numpy(np.int64)
            # a join keeps its group's own dates, a holiday at either end: those calendar
            # days, not only its working days, lie in the pair's window (t5000 seed 12: a
            # group of 8..16 February, Serbia's Statehood Day on the 15th and 16th, was joined
            # by a visitor available until the 12th, and the checker refused the night)
            j_fits &= (days[None, :, 0] >= first_day[:, None]) & (
                days[None, :, 1] < end_day[:, None]
            )
            j_fits &= (days[:, 1] <= last_day_of_a_month_from(days[:, 0]))[None, :]
            j_fits &= free_of_busy(pairs["busy"], days[:, 0], days[:, 1])
            j_fits &= _virtual_open(j_physical, days[:, 1], policy)[None, :]
            if policy.group_common_language:
                j_fits &= speaks(j_lang)
            pin.keep(j_fits, days[:, 0], days[:, 1], j_physical)
            j_room = _room(host, j_start, j_length, encoded, policy, occupancy)
            w, length, lang, physical, room, fits = _appended(
                (w, length, lang, physical, room, fits),
                (j_start, j_length, j_lang, j_physical, j_room, j_fits & (j_room > 0)[None, :]),
            )
            new = np.concatenate([new, np.zeros(len(j_start), dtype=bool)])
            always = np.concatenate([always, np.zeros(len(j_start), dtype=bool)])
            join_days = groups[["start_day", "end_day"]].to_numpy(np.int64)
    if not fits.size:
        return None
    start_day = calendar.day(country, w)
    end_day = calendar.day(country, w + length - 1)
    if join_days is not None:  # a join keeps its group's own dates, a holiday at either end
        start_day[~new], end_day[~new] = join_days[:, 0], join_days[:, 1]
    return _HostGrid(w, length, lang, physical, new, fits, start_day, end_day, room, always)


def _appended(
    slots: tuple[np.ndarray, ...], more: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, ...]:
    """Slot columns (start, length, language, mode, room, then the fits: pairs x slots) with
    ``more`` slots after them."""
    *columns, fits = slots
    *extra, extra_fits = more
    joined = [np.concatenate(pair) for pair in zip(columns, extra, strict=True)]
    return (*joined, np.hstack([fits, extra_fits]))


def _room(
    host: int,
    start: np.ndarray,
    length: np.ndarray,
    encoded: EncodedCampaign,
    policy: Policy,
    occupancy: Occupancy | None,
) -> np.ndarray:
    """(slots,) the host's capacity (at most max_group_size) less the most visitors it has
    from accepted exchanges on any day of each slot."""
    capacity = int(encoded.hosts.capacity[host])
    if policy.max_group_size is not None:
        capacity = min(capacity, policy.max_group_size)
    if occupancy is None or not len(start):
        return np.full(len(start), capacity, dtype=np.int64)
    country = int(encoded.hosts.work_country[host])
    first = encoded.calendar.day(country, start)
    last = encoded.calendar.day(country, start + length - 1)
    return capacity - occupancy.busiest(host, first, last)


def _fitting(
    start: np.ndarray,
    length: np.ndarray,
    physical: np.ndarray,
    first: np.ndarray,
    end: np.ndarray,
    shortest: np.ndarray,
    longest: np.ndarray,
    modes: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """(pairs, slots) bool: the slot's dates lie in the pair's window, its length suits the
    pair, the pair may take its mode (``modes``: physical, virtual per pair)."""
    pair_physical, pair_virtual = modes
    return (
        np.where(physical[None, :], pair_physical[:, None], pair_virtual[:, None])
        & (start[None, :] >= first[:, None])
        & (start[None, :] + length[None, :] <= end[:, None])
        & (length[None, :] >= shortest[:, None])
        & (length[None, :] <= longest[:, None])
    )


def _virtual_open(physical: np.ndarray, last_day: np.ndarray, policy: Policy) -> np.ndarray:
    """(slots,) a slot's mode is still open: physical, or virtual and over by
    ``policy.virtual_until``."""
    if policy.virtual_until is None:
        return np.ones(len(physical), dtype=bool)
    return physical | (last_day <= int(day_number([policy.virtual_until])[0]))


def _slot_modes(physical: np.ndarray, virtual: np.ndarray) -> np.ndarray:
    """The slot modes (physical: True) some pair may take, virtual first."""
    return np.array([mode for mode, some in ((False, virtual), (True, physical)) if some.any()])


def _speaker(
    encoded: EncodedCampaign, v: np.ndarray, policy: Policy
) -> Callable[[np.ndarray], np.ndarray]:
    """speaks(language bits) -> (pairs, slots) bool: the pair's visitor speaks the language."""
    masks = encoded.visitors.languages[v]
    words = encoded.vocab.languages.words

    def speaks(language_bits: np.ndarray) -> np.ndarray:
        if not policy.group_common_language:
            return np.ones((len(v), len(language_bits)), dtype=bool)
        return _speaks(masks, language_bits, words)

    return speaks


def _kept(
    grid: _HostGrid, usable: np.ndarray, scores: np.ndarray, room: np.ndarray, keep: int
) -> np.ndarray:
    """Slot positions kept: the best new slots (see :func:`engine.night.slot_choice.best_slots`) and every usable
    join slot, in grid order."""
    new = np.flatnonzero(usable & grid.new & ~grid.always)
    joins = np.flatnonzero(usable & (~grid.new | grid.always))  # joins and twins: kept
    best = new[best_slots(grid.fits[:, new], scores, room[new], keep)] if new.size else new
    return np.sort(np.concatenate([best, joins])).astype(np.int64)


def _host_languages(encoded: EncodedCampaign, host: int, policy: Policy) -> np.ndarray:
    """Bit positions of the host's languages (-1: no group language)."""
    if not policy.group_common_language:
        return np.array([-1])
    mask = encoded.hosts.languages[host]
    bits = [
        word * 64 + bit
        for word in range(len(mask))
        for bit in range(64)
        if (int(mask[word]) >> bit) & 1
    ]
    return np.array(bits or [-1], dtype=np.int64)


def _speaks(visitor_masks: np.ndarray, language_bits: np.ndarray, words: int) -> np.ndarray:
    """(n_visitors, n_slots) bool: the visitor speaks the slot's language."""
    out = np.zeros((len(visitor_masks), len(language_bits)), dtype=bool)
    valid = language_bits >= 0
    word = np.where(valid, language_bits // 64, 0)
    bit = np.where(valid, language_bits % 64, 0).astype(np.uint64)
    picked = visitor_masks[:, word]  # (n, slots)
    out[:, valid] = ((picked[:, valid] >> bit[valid]) & np.uint64(1)) != 0
    return out
