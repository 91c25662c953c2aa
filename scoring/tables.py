"""The operands of the vectorised pair features: per-profile float32 tables of each side.

How the features are fast: each profile is first turned into a few small float32 rows
(:class:`SideTables`: its sectors as 0/1 columns, its preference over organisation types as
1/0/0.5 columns, ...), once per campaign. A pair feature
(:mod:`scoring.feature_functions`) is then one of three things over a whole block: a matrix
product of the two sides' rows (set overlaps, BLAS does the work), a column lookup (the
visitor's preference row at the host's own type), or a little arithmetic. No per-pair
Python, and no ``(b, h, words)`` temporaries.

:class:`PairTables` pairs the two sides' tables for a dense block of visitors ``(b,)``
against hosts ``(h,)`` (results ``(b, h)``) or for a list of aligned pairs (results
``(n,)``); :class:`FeatureInputs` is everything a feature is computed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from engine.domain.contract import ORG_TYPES, STAY_DAYS
from scoring.encoding import SideArrays, Vocabularies
from scoring.pairs import PairView
from scoring.text import TextSimilarity

HALF = np.float32(0.5)
# stay lengths are the programme's (3..23 working days): 0..23 index the duration tables
DAYS = STAY_DAYS[1] + 1


def _unpack(mask: np.ndarray, n_tokens: int) -> np.ndarray:
    """uint64 bit masks (rows, words) -> (rows, n_tokens) float32 0/1 columns."""
    mask = np.ascontiguousarray(mask, dtype=np.uint64)
    if mask.ndim != 2:
        mask = mask.reshape(len(mask), -1)
    bits = np.unpackbits(mask.view(np.uint8), axis=1, bitorder="little")[:, :n_tokens]
    return bits.astype(np.float32)


def _preference_rows(targets: np.ndarray) -> np.ndarray:
    """0/1 target columns -> 1 (targeted) / 0 (not) rows, all 0.5 where nothing is targeted."""
    stated = targets.any(axis=1, keepdims=True)
    return np.where(stated, targets, HALF).astype(np.float32)


def _with_none_column(targets: np.ndarray) -> np.ndarray:
    """Targets plus a last column that is 0.5 when no target is stated (see ``_met``)."""
    none = ~targets.any(axis=1, keepdims=True)
    return np.hstack([targets, none * HALF]).astype(np.float32)


def _with_one_column(own: np.ndarray) -> np.ndarray:
    return np.hstack([own, np.ones((len(own), 1), np.float32)])


def _duration_table() -> np.ndarray:
    """Jaccard overlap of two min..max ranges, indexed by min * DAYS + max on each side."""
    lo, hi = np.divmod(np.arange(DAYS * DAYS), DAYS)
    inter = np.minimum(hi[:, None], hi[None, :]) - np.maximum(lo[:, None], lo[None, :]) + 1
    union = np.maximum(hi[:, None], hi[None, :]) - np.minimum(lo[:, None], lo[None, :]) + 1
    return (np.maximum(inter, 0) / np.maximum(union, 1)).astype(np.float32)


DURATION_TABLE = _duration_table()
# 1 / the longest stay both sides take, indexed by each side's max_days
INVERSE_LONGEST = (1.0 / np.maximum(np.minimum.outer(np.arange(DAYS), np.arange(DAYS)), 1)).astype(
    np.float32
)


class SideTables:
    """Float32 rows per profile of one side, the operands of the vectorised pair features.

    ``D`` NACE divisions, ``S`` sections, ``T`` organisation types, ``C`` countries, ``E``
    exchange types, ``L`` languages other than English (all from the campaign vocabulary).
    """

    def __init__(self, side: Any, vocab: Vocabularies):
        divisions = _unpack(side.sectors, len(vocab.sectors.tokens))
        target_divisions = _unpack(side.target_sectors, len(vocab.sectors.tokens))
        to_section = np.zeros((len(vocab.sectors.tokens), len(vocab.sections.tokens)), np.float32)
        for i, code in enumerate(vocab.sectors.tokens):
            to_section[i, vocab.sections.position[code[0]]] = 1.0
        sections = np.minimum(divisions @ to_section, 1)
        target_sections = np.minimum(target_divisions @ to_section, 1)
        exchange = _unpack(side.exchange_types, len(vocab.exchange_types.tokens))
        languages = _unpack(side.languages, len(vocab.languages.tokens))
        english = vocab.languages.position["en"]

        # bit masks (n, words) for set overlaps over large vocabularies (an AND beats a product)
        self.division_bits = np.ascontiguousarray(side.sectors, dtype=np.uint64)
        self.wanted_division_bits = np.ascontiguousarray(side.target_sectors, dtype=np.uint64)
        self.states_divisions = np.asarray(self.wanted_division_bits.any(axis=1), dtype=bool)
        other = np.ascontiguousarray(side.languages, dtype=np.uint64) & ~vocab.english
        self.other_language_bits = np.ascontiguousarray(other)
        self.sections = sections  # (n, S) 1 where the profile works in the NACE section
        self.sections_x = _with_one_column(sections)
        self.wanted_sections = _with_none_column(target_sections)
        bit_of_type = np.array([vocab.org_types.position[t] for t in ORG_TYPES], dtype=np.intp)
        self.org_type = bit_of_type[np.asarray(side.org_type, dtype=np.intp)]  # (n,) column
        self.org_type_preference = _preference_rows(
            _unpack(side.target_org_types, len(vocab.org_types.tokens))
        )  # (n, T)
        self.country = np.asarray(side.country, dtype=np.intp)  # (n,) index into countries
        self.country_preference = _preference_rows(
            _unpack(side.target_countries, len(vocab.countries.tokens))
        )  # (n, C)
        self.exchange = exchange  # (n, E)
        self.exchange_share = exchange / np.maximum(exchange.sum(axis=1, keepdims=True), 1)
        self.english = languages[:, english].copy()  # (n,)
        explicit = (np.asarray(side.physical) ^ np.asarray(side.virtual)).astype(np.float32)
        # mode = 0.5 + 0.5 * explicit_v * explicit_h, as a product of two 2-column rows
        self.mode_left = np.stack([np.full_like(explicit, 0.5), 0.5 * explicit], axis=1)
        self.mode_right = np.stack([np.ones_like(explicit), explicit], axis=1)
        self.partnership = np.asarray(side.partnership, dtype=np.intp)
        self.max_days = np.asarray(side.max_days, dtype=np.intp)
        self.duration_code = np.asarray(side.min_days, dtype=np.intp) * DAYS + self.max_days
        self._transposed: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, side: SideArrays, vocab: Vocabularies) -> SideTables:
        return cls(side, vocab)

    def transposed(self, name: str) -> np.ndarray:
        """A (columns, n) C-contiguous copy of a table, cached: hosts' tables read by column."""
        if name not in self._transposed:
            self._transposed[name] = np.ascontiguousarray(getattr(self, name).T)
        return self._transposed[name]

    def rows(self, start: int, stop: int) -> SideTables:
        """The tables of profiles start..stop (views, no copy)."""
        part = object.__new__(SideTables)
        for name, value in vars(self).items():
            setattr(part, name, value[start:stop] if isinstance(value, np.ndarray) else {})
        return part

    def take(self, index: np.ndarray) -> SideTables:
        part = object.__new__(SideTables)
        for name, value in vars(self).items():
            setattr(part, name, value[index] if isinstance(value, np.ndarray) else {})
        return part


class _FlatSide:
    """A SideView's arrays without the broadcasting axes (one row per profile of the view)."""

    def __init__(self, side_view: Any, axis: int | None):
        for item in fields(SideArrays):
            value = getattr(side_view, item.name)
            setattr(self, item.name, value if axis is None else np.take(value, 0, axis=axis))


@dataclass(frozen=True)
class PairTables:
    """The two sides' tables, aligned with a PairView: dense (b rows, h rows) or (n, n)."""

    visitor: SideTables
    host: SideTables
    dense: bool
    memo: dict[str, np.ndarray] = field(default_factory=dict, compare=False)

    @classmethod
    def of_view(cls, view: PairView, vocab: Vocabularies) -> PairTables:
        if view.dense:
            visitor = _FlatSide(view.visitor, axis=1)
            host = _FlatSide(view.host, axis=0)
        else:
            visitor, host = _FlatSide(view.visitor, None), _FlatSide(view.host, None)
        return cls(SideTables(visitor, vocab), SideTables(host, vocab), view.dense)

    def product(
        self, left: str, right: str, out: np.ndarray, *, visitor_left: bool = True
    ) -> np.ndarray:
        """Row products: visitor.left . host.right for every pair (host.left . visitor.right
        when ``visitor_left`` is False)."""
        first, second = (self.visitor, self.host) if visitor_left else (self.host, self.visitor)
        if not self.dense:
            return np.einsum("nk,nk->n", getattr(first, left), getattr(second, right), out=out)
        if visitor_left:
            return np.matmul(getattr(self.visitor, left), self.host.transposed(right), out=out)
        return np.matmul(getattr(self.visitor, right), self.host.transposed(left), out=out)

    def visitor_lookup(self, table: str, host_code: str, out: np.ndarray) -> np.ndarray:
        """visitor.table[v, host.code[h]]: the visitor's row read at the host's own value."""
        return lookup(getattr(self.visitor, table), getattr(self.host, host_code), self.dense, out)

    def host_lookup(self, table: str, visitor_code: str, out: np.ndarray) -> np.ndarray:
        """host.table[h, visitor.code[v]]: the host's row read at the visitor's own value."""
        code = getattr(self.visitor, visitor_code)
        if self.dense:
            return np.take(self.host.transposed(table), code, axis=0, out=out)
        out[...] = getattr(self.host, table)[np.arange(len(code)), code]
        return out

    def outer(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """visitor.name and host.name shaped to broadcast against each other."""
        v, h = getattr(self.visitor, name), getattr(self.host, name)
        return (v[:, None], h[None, :]) if self.dense else (v, h)


def lookup(rows: np.ndarray, code: np.ndarray, dense: bool, out: np.ndarray) -> np.ndarray:
    """rows[i, code[j]] for every pair: a column gather (dense) or one value per pair."""
    if dense:
        return rows[:, code]  # fancy indexing gathers faster than np.take(axis=1)
    out[...] = rows[np.arange(len(code)), code]
    return out


def table_lookup(
    table: np.ndarray, visitor_code: np.ndarray, host_code: np.ndarray, dense: bool, out: np.ndarray
) -> np.ndarray:
    """table[visitor_code, host_code] for every pair (a shared table indexed by both sides'
    codes): the visitors' rows gathered at the hosts' codes (dense), or one value per pair
    (never a row per pair: the duration table's rows are 1,024 wide)."""
    if dense:
        return lookup(table[visitor_code], host_code, dense, out)
    out[...] = table[visitor_code, host_code]
    return out


def bits_meet(left: np.ndarray, right: np.ndarray, dense: bool, out: np.ndarray) -> np.ndarray:
    """1 where the two sets (uint64 masks, rows x words) share an element, else 0."""
    if not dense:
        out[...] = (left & right).any(axis=1)
        return out
    shared = np.bitwise_and(left[:, None, 0], right[None, :, 0])
    for word in range(1, left.shape[1]):
        shared |= np.bitwise_and(left[:, None, word], right[None, :, word])
    return np.not_equal(shared, 0, out=out, casting="unsafe")


@dataclass(frozen=True)
class FeatureInputs:
    view: PairView
    overlap_days: np.ndarray  # working days the two availability windows share
    text: TextSimilarity
    vocab: Vocabularies
    tables: PairTables | None = None  # prepared once per campaign; built from the view if None

    def pair_tables(self) -> PairTables:
        return self.tables if self.tables is not None else PairTables.of_view(self.view, self.vocab)
