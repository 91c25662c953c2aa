"""Explainable pair features, computed for whole blocks of pairs at once.

Every feature lies in [0, 1]. Preference features are 1 when the wish is met, 0 when it is
not, and 0.5 when the profile states no preference. Each is reciprocal where the domain
allows: the visitor's wishes about the host *and* the host's wishes about the visitor.

How it is fast: each profile is first turned into a few small float32 rows
(:class:`SideTables`: its sectors as 0/1 columns, its preference over organisation types as
1/0/0.5 columns, ...), once per campaign. A pair feature is then one of three things over a
whole block: a matrix product of the two sides' rows (set overlaps, BLAS does the work), a
column lookup (the visitor's preference row at the host's own type), or a little arithmetic.
No per-pair Python, and no ``(b, h, words)`` temporaries.

The same code serves a dense block of visitors ``(b,)`` against hosts ``(h,)`` (results
``(b, h)``) and a list of aligned pairs (results ``(n,)``). :func:`compute_features` stores
a block feature-major (one contiguous ``(b, h)`` plane per feature) and returns it as a view
with the feature axis last, the layout every scorer reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from engine.domain.contract import ORG_TYPES
from scoring.encoding import SideArrays, Vocabularies
from scoring.pairs import PairView
from scoring.text import TextSimilarity

HALF = np.float32(0.5)
DAYS = 23  # stay lengths are 3..22 working days; 0..22 index the duration tables


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
        return _lookup(getattr(self.visitor, table), getattr(self.host, host_code), self.dense, out)

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


def _lookup(rows: np.ndarray, code: np.ndarray, dense: bool, out: np.ndarray) -> np.ndarray:
    """rows[i, code[j]] for every pair: a column gather (dense) or one value per pair."""
    if dense:
        return rows[:, code]  # fancy indexing gathers faster than np.take(axis=1)
    out[...] = rows[np.arange(len(code)), code]
    return out


def _bits_meet(left: np.ndarray, right: np.ndarray, dense: bool, out: np.ndarray) -> np.ndarray:
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


# (inputs, tables, out) -> the feature; ``out`` is a float32 buffer of the view's shape the
# function may fill and return (saves a copy), or it returns a new array.
FeatureFn = Callable[[FeatureInputs, PairTables, np.ndarray], np.ndarray]
ONE = np.float32(1)


def _met(
    t: PairTables, wanted: str, offered: str, out: np.ndarray, *, visitor_wants: bool
) -> np.ndarray:
    """1 if a wanted element is offered, 0 if not, 0.5 if nothing is wanted.

    ``wanted`` rows carry a last column of 0.5 when nothing is stated, ``offered`` rows a
    last column of 1, so the product is (#met) or 0.5, and min(., 1) is the preference."""
    t.product(wanted, offered, out, visitor_left=visitor_wants)
    return np.minimum(out, ONE, out=out)


def same_sector(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return _bits_meet(t.visitor.division_bits, t.host.division_bits, t.dense, out)


def sector_v2h(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    _bits_meet(t.visitor.wanted_division_bits, t.host.division_bits, t.dense, out)
    states = t.visitor.states_divisions
    np.copyto(out, HALF, where=~(states[:, None] if t.dense else states))
    return out


def sector_h2v(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    _bits_meet(t.visitor.division_bits, t.host.wanted_division_bits, t.dense, out)
    np.copyto(out, HALF, where=~t.host.states_divisions)
    return out


def same_section(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return np.minimum(t.product("sections", "sections", out), ONE, out=out)


def section_v2h(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return _met(t, "wanted_sections", "sections_x", out, visitor_wants=True)


def section_h2v(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return _met(t, "wanted_sections", "sections_x", out, visitor_wants=False)


def org_type_v2h(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.visitor_lookup("org_type_preference", "org_type", out)


def org_type_h2v(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.host_lookup("org_type_preference", "org_type", out)


def country_v2h(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.visitor_lookup("country_preference", "country", out)


def country_h2v(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.host_lookup("country_preference", "country", out)


def exchange_types(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.product("exchange_share", "exchange", out)


def shared_language(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    if "shared_language" in t.memo:
        out[...] = t.memo["shared_language"]
        return out
    result = _bits_meet(t.visitor.other_language_bits, t.host.other_language_bits, t.dense, out)
    t.memo["shared_language"] = result
    return result


def english_only(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    shared = t.memo.get("shared_language")
    if shared is None:
        shared = shared_language(x, t, np.empty_like(out))
    v, h = t.outer("english")
    np.subtract(ONE, shared, out=out)  # 1 - shared (shared is 0/1)
    out *= v
    out *= h
    return out


def availability(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    inverse = _lookup(INVERSE_LONGEST[t.visitor.max_days], t.host.max_days, t.dense, out)
    np.multiply(inverse, np.asarray(x.overlap_days, dtype=np.float32), out=out)
    return np.clip(out, np.float32(0), ONE, out=out)


def duration(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return _lookup(DURATION_TABLE[t.visitor.duration_code], t.host.duration_code, t.dense, out)


def mode(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.product("mode_left", "mode_right", out)


def same_partnership(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    v, h = t.outer("partnership")
    return np.equal(v, h, out=out, casting="unsafe")


def text_seek_offer(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return x.text.seek_offer(x.view)


def text_offer_seek(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return x.text.offer_seek(x.view)


# name -> (function, one-line meaning). The order is the column order of feature matrices.
FEATURES: dict[str, tuple[FeatureFn, str]] = {
    "same_sector": (same_sector, "visitor and host work in a common NACE division"),
    "sector_v2h": (sector_v2h, "host works in a division the visitor targets (0.5: no target)"),
    "sector_h2v": (sector_h2v, "visitor works in a division the host targets (0.5: no target)"),
    "same_section": (same_section, "visitor and host work in a common NACE section"),
    "section_v2h": (section_v2h, "host works in a section the visitor targets (0.5: no target)"),
    "section_h2v": (section_h2v, "visitor works in a section the host targets (0.5: no target)"),
    "org_type_v2h": (org_type_v2h, "host is of an organisation type the visitor targets"),
    "org_type_h2v": (org_type_h2v, "visitor is of an organisation type the host targets"),
    "country_v2h": (country_v2h, "host is in a country the visitor targets"),
    "country_h2v": (country_h2v, "visitor is in a country the host targets"),
    "exchange_types": (exchange_types, "share of the visitor's exchange types the host offers"),
    "shared_language": (shared_language, "a common language other than English"),
    "english_only": (english_only, "English is the only shared language"),
    "availability": (availability, "shared working days over the longest stay both take (max 1)"),
    "duration": (duration, "overlap of the two min..max stay ranges over their union"),
    "mode": (mode, "both explicitly want the same mode (1), else one is flexible (0.5)"),
    "same_partnership": (same_partnership, "visitor and host belong to the same partnership"),
    "text_seek_offer": (text_seek_offer, "TF-IDF similarity of visitor's seek to host's offer"),
    "text_offer_seek": (text_offer_seek, "TF-IDF similarity of visitor's offer to host's seek"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

# The value at which a feature neither raises nor lowers a score: contributions (and so the
# reasons) are measured from it. 0.5 is "no preference stated" for preference features and
# halfway for 0/1 features; mode 0.75 lies between "flexible" (0.5) and "both explicit" (1);
# TF-IDF cosines of unrelated texts are near 0, so 0.1 already means some shared vocabulary.
NEUTRAL: dict[str, float] = {name: 0.5 for name in FEATURE_NAMES} | {
    "mode": 0.75,
    "text_seek_offer": 0.1,
    "text_offer_seek": 0.1,
}
NEUTRAL_VALUES = np.array([NEUTRAL[name] for name in FEATURE_NAMES], dtype=np.float32)


def compute_features(inputs: FeatureInputs) -> np.ndarray:
    """All features on a last axis: shape view.shape + (n_features,), float32.

    Stored feature-major (each feature one contiguous plane); the result is a view of it."""
    shape = inputs.view.shape
    tables = inputs.pair_tables()
    planes = np.empty((len(FEATURES), *shape), dtype=np.float32)
    for column, (function, _meaning) in enumerate(FEATURES.values()):
        result = function(inputs, tables, planes[column])
        if result is not planes[column]:
            planes[column] = result
    return np.moveaxis(planes, 0, -1)
