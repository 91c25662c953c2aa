"""Group slots: when, how long and in which language a host receives its group.

A **slot** of a host is a start on the weekly grid (a Monday), a stay length in working days,
a working language the host speaks and a mode (physical or virtual). Every visitor of a
host's group joins the same slot: the group shares its dates (inside every member's and the
host's availability), a stay length that suits every member and the host, a language they
all speak, and whether it is physical.

Working days are counted on an index where every Monday is a multiple of 5 (see
``scoring.encoding.EPOCH``), so "week w starts" is ``5 * w`` and a stay of ``L`` working days
from it covers ``[5w, 5w + L)``; it fits a window ``[from, to_excl)`` when ``5w >= from`` and
``5w + L <= to_excl``. Public holidays are not modelled.

To keep the model small, each host keeps its ``slots_per_host`` most promising slots (by the
best total score of a full group that could join), plus for every candidate pair none of
those fits the most promising slot it does fit. ``fits`` lists, for each candidate pair, the
kept slots it can join; the solver opens slots and chooses pairs that fit an open one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.domain.contract import Policy
from scoring.encoding import EPOCH, EncodedCampaign

WEEK = 5  # working days per week on the working-day index


@dataclass(frozen=True)
class Slots:
    """Kept slots (one row each) and which candidate pair fits which slot."""

    slots: pd.DataFrame  # slot, host, start_wd, length, language, physical
    fits: pd.DataFrame  # pair (row of the candidates table), slot; sorted by pair, slot

    @property
    def n_slots(self) -> int:
        return len(self.slots)


def working_day_date(index: np.ndarray) -> np.ndarray:
    """The calendar date of working-day indices (inverse of scoring.encoding.working_day_index)."""
    return np.busday_offset(EPOCH, np.asarray(index, dtype=np.int64), roll="forward")


def build_slots(
    candidates: pd.DataFrame,
    encoded: EncodedCampaign,
    policy: Policy,
    slots_per_host: int = 6,
) -> Slots:
    """The kept slots of every host, and for every candidate pair the slots it can join."""
    visitors, hosts = encoded.visitors, encoded.hosts
    languages = encoded.vocab.languages
    slot_rows: list[pd.DataFrame] = []
    fit_rows: list[pd.DataFrame] = []
    next_slot = 0
    by_host = candidates.groupby("host", sort=True).indices
    for host_key, rows in by_host.items():
        host = int(host_key)  # type: ignore[call-overload]
        pairs = candidates.iloc[rows]
        v = pairs["visitor"].to_numpy()
        shortest = pairs["stay_days"].to_numpy(np.int64)  # max of the minimum stays
        longest = np.minimum(
            np.minimum(visitors.max_days[v], hosts.max_days[host]), policy.max_days
        ).astype(np.int64)
        first = np.maximum(visitors.wd_from[v], hosts.wd_from[host]).astype(np.int64)
        end = np.minimum(visitors.wd_to_excl[v], hosts.wd_to_excl[host]).astype(np.int64)

        lengths = np.unique(shortest)
        week_lo = -(-first.min() // WEEK)
        week_hi = (end.max() - lengths.min()) // WEEK
        if week_hi < week_lo:
            continue
        weeks = np.arange(week_lo, week_hi + 1) * WEEK
        host_langs = _host_languages(encoded, host, policy)
        pair_physical = pairs["physical"].to_numpy(bool)
        modes = np.unique(pair_physical)
        # grid of (week, length, language, mode) slots for this host
        w, length, lang, physical = (
            a.ravel() for a in np.meshgrid(weeks, lengths, host_langs, modes, indexing="ij")
        )
        fits = (
            (pair_physical[:, None] == physical[None, :])
            & (w[None, :] >= first[:, None])
            & (w[None, :] + length[None, :] <= end[:, None])
            & (length[None, :] >= shortest[:, None])
            & (length[None, :] <= longest[:, None])
        )
        if policy.group_common_language:
            fits &= _speaks(visitors.languages[v], lang, languages.words)
        undominated = _undominated(fits, length, physical)
        fits, w, length, lang, physical = (
            fits[:, undominated], w[undominated], length[undominated], lang[undominated],
            physical[undominated],
        )  # fmt: skip
        keep = _best_slots(
            fits, pairs["score"].to_numpy(), int(hosts.capacity[host]), slots_per_host
        )
        if not keep.size:
            continue
        fits = fits[:, keep]
        ids = np.arange(next_slot, next_slot + len(keep))
        next_slot += len(keep)
        slot_rows.append(
            pd.DataFrame(
                {
                    "slot": ids,
                    "host": host,
                    "start_wd": w[keep],
                    "length": length[keep],
                    "language": [languages.tokens[i] if i >= 0 else "" for i in lang[keep]],
                    "physical": physical[keep],
                }
            )
        )
        pair_index, slot_index = np.nonzero(fits)
        fit_rows.append(pd.DataFrame({"pair": rows[pair_index], "slot": ids[slot_index]}))
    slot_table = (
        pd.concat(slot_rows, ignore_index=True)
        if slot_rows
        else pd.DataFrame(
            {"slot": [], "host": [], "start_wd": [], "length": [], "language": [], "physical": []}
        )
    )
    fit_table = (
        pd.concat(fit_rows, ignore_index=True)
        if fit_rows
        else pd.DataFrame({"pair": np.zeros(0, np.int64), "slot": np.zeros(0, np.int64)})
    )
    fit_table = fit_table.sort_values(["pair", "slot"], kind="stable").reset_index(drop=True)
    return Slots(slots=slot_table, fits=fit_table)


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


def _undominated(fits: np.ndarray, length: np.ndarray, physical: np.ndarray) -> np.ndarray:
    """Slots worth keeping: drop a slot when another slot of the same length and mode (so the
    same lump sum) fits every pair it fits; of identical slots keep the first (earliest)."""
    usable = np.flatnonzero(fits.any(axis=0))
    f = fits[:, usable].astype(np.int32)
    size = f.sum(axis=0)
    common = f.T @ f  # common[a, b]: pairs fitting both
    same_kind = (length[usable][:, None] == length[usable][None, :]) & (
        physical[usable][:, None] == physical[usable][None, :]
    )
    covered = (common == size[None, :]) & same_kind  # a covers b: b's pairs all fit a
    np.fill_diagonal(covered, False)
    index = np.arange(len(usable))
    strictly = covered & (size[:, None] > size[None, :])
    earlier_equal = covered & (size[:, None] == size[None, :]) & (index[:, None] < index[None, :])
    dominated = (strictly | earlier_equal).any(axis=0)
    return usable[~dominated]


def _best_slots(fits: np.ndarray, scores: np.ndarray, capacity: int, keep: int) -> np.ndarray:
    """The ``keep`` slots whose best full group scores most (ties: earliest slot), plus, for
    every pair none of those fits, the most promising slot it does fit (so no candidate pair
    loses its host to slot pruning)."""
    if not fits.any():
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-scores, kind="stable")
    members = fits[order]
    taken = members & (np.cumsum(members, axis=0) <= capacity)
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
