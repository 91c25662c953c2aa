"""The vectorised function of each pair feature, over a whole block of pairs at once.

Every feature lies in [0, 1]. Preference features are 1 when the wish is met, 0 when it is
not, and 0.5 when the profile states no preference. Each is reciprocal where the domain
allows: the visitor's wishes about the host *and* the host's wishes about the visitor.

A function reads the two sides' :class:`scoring.tables.PairTables` (matrix products, column
lookups, a little arithmetic) and serves a dense block ``(b, h)`` and aligned pairs ``(n,)``
alike. Which features exist, in which order, and what each means: :mod:`scoring.features`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scoring.tables import (
    DURATION_TABLE,
    HALF,
    INVERSE_LONGEST,
    FeatureInputs,
    PairTables,
    bits_meet,
    table_lookup,
)

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
    return bits_meet(t.visitor.division_bits, t.host.division_bits, t.dense, out)


def sector_v2h(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    bits_meet(t.visitor.wanted_division_bits, t.host.division_bits, t.dense, out)
    states = t.visitor.states_divisions
    np.copyto(out, HALF, where=~(states[:, None] if t.dense else states))
    return out


def sector_h2v(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    bits_meet(t.visitor.division_bits, t.host.wanted_division_bits, t.dense, out)
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
    result = bits_meet(t.visitor.other_language_bits, t.host.other_language_bits, t.dense, out)
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
    inverse = table_lookup(INVERSE_LONGEST, t.visitor.max_days, t.host.max_days, t.dense, out)
    np.multiply(inverse, np.asarray(x.overlap_days, dtype=np.float32), out=out)
    return np.clip(out, np.float32(0), ONE, out=out)


def duration(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return table_lookup(DURATION_TABLE, t.visitor.duration_code, t.host.duration_code, t.dense, out)


def mode(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return t.product("mode_left", "mode_right", out)


def same_partnership(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    v, h = t.outer("partnership")
    return np.equal(v, h, out=out, casting="unsafe")


def text_seek_offer(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return x.text.seek_offer(x.view)


def text_offer_seek(x: FeatureInputs, t: PairTables, out: np.ndarray) -> np.ndarray:
    return x.text.offer_seek(x.view)
