"""Sampling helpers, index tables of the catalog, and the generated organisations.

An organisation carries what its profiles share: partnership, type, country, city, name,
NACE sectors, description and website. Every random draw is one vectorised numpy call on
the shared generator, made in a fixed order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.domain.reference import cosme_countries, nace_name
from engine.domain.vocabulary import ORG_TYPE_LABELS
from engine.synthetic.catalog import (
    BRAND_PREFIXES,
    BRAND_SUFFIXES,
    CORE_COUNTRY_SHARE,
    COUNTRIES,
    GENERAL_DIVISIONS,
    GENERIC_TOPICS,
    GREEK_EL_SHARE,
    HOST_ORG_TYPES,
    NATIVE_NAME_PATTERNS,
    NATIVE_NAME_SHARE,
    ORG_NAME_PATTERNS,
    PARTNERSHIPS,
    THEME_DIVISION_SHARE,
    VISITOR_ORG_TYPES,
)

SECTOR_COUNTS = (0.35, 0.45, 0.20)  # probabilities of 1, 2, 3 sectors
SECTOR_CANDIDATES = 5  # draws per organisation, of which the first distinct ones are kept


# --- sampling helpers ------------------------------------------------------------------------


def split_weights(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], np.ndarray]:
    """Values and normalised probabilities of ``(value, weight)`` pairs."""
    values = [value for value, _ in pairs]
    weights = np.array([weight for _, weight in pairs], dtype=float)
    return values, weights / weights.sum()


def draw(
    rng: np.random.Generator, pairs: Sequence[tuple[Any, float]], size: int | tuple[int, ...]
) -> np.ndarray:
    """Indices into ``pairs`` drawn with their weights."""
    values, probabilities = split_weights(pairs)
    return rng.choice(len(values), size=size, p=probabilities)


def draw_by_row(
    rng: np.random.Generator, probabilities: np.ndarray, rows: np.ndarray, per_row: int
) -> np.ndarray:
    """``per_row`` indices for each row i, from the distribution ``probabilities[rows[i]]``."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative /= cumulative[:, -1:]
    uniform = rng.random((len(rows), per_row))
    below = uniform[:, :, None] >= cumulative[rows][:, None, :]
    return np.minimum(below.sum(axis=2), probabilities.shape[1] - 1)


def first_unique(candidates: Sequence[Any], count: int, exclude: Any = None) -> list[Any]:
    """The first ``count`` distinct candidates other than ``exclude`` (fewer if there are not)."""
    chosen: list[Any] = []
    for candidate in candidates:
        if candidate != exclude and candidate not in chosen:
            chosen.append(candidate)
            if len(chosen) == count:
                break
    return chosen


# --- the catalog as index tables --------------------------------------------------------------


@dataclass(frozen=True)
class CatalogTables:
    """Index tables derived from the catalog."""

    divisions: list[str]  # every division the generator uses
    theme_divisions: np.ndarray  # (partnerships, divisions) probabilities
    general_divisions: np.ndarray  # (divisions,) probabilities
    country_codes: list[str]
    country_weights: np.ndarray
    partnership_countries: np.ndarray  # (partnerships, countries) probabilities
    topics: list[str]  # every partnership's topics in order, then the generic ones
    theme_topic_start: np.ndarray  # (partnerships + 1,) where each partnership's topics start


def catalog_tables() -> CatalogTables:
    divisions = sorted(
        {code for spec in PARTNERSHIPS for code, _ in spec.divisions}
        | {code for code, _ in GENERAL_DIVISIONS}
    )
    column = {code: i for i, code in enumerate(divisions)}
    theme = np.zeros((len(PARTNERSHIPS), len(divisions)))
    for row, spec in enumerate(PARTNERSHIPS):
        for code, weight in spec.divisions:
            theme[row, column[code]] = weight
    general = np.zeros(len(divisions))
    for code, weight in GENERAL_DIVISIONS:
        general[column[code]] = weight
    country_codes = [spec.code for spec in COUNTRIES]
    weights = np.array([spec.weight for spec in COUNTRIES])
    weights /= weights.sum()
    by_partnership = np.zeros((len(PARTNERSHIPS), len(COUNTRIES)))
    for row, spec in enumerate(PARTNERSHIPS):
        core = np.isin(country_codes, spec.core_countries) * weights
        by_partnership[row] = (
            CORE_COUNTRY_SHARE * core / core.sum() + (1 - CORE_COUNTRY_SHARE) * weights
        )
    topics = [topic for spec in PARTNERSHIPS for topic in spec.topics] + list(GENERIC_TOPICS)
    return CatalogTables(
        divisions=divisions,
        theme_divisions=theme / theme.sum(axis=1, keepdims=True),
        general_divisions=general / general.sum(),
        country_codes=country_codes,
        country_weights=weights,
        partnership_countries=by_partnership,
        topics=topics,
        theme_topic_start=np.cumsum([0] + [len(spec.topics) for spec in PARTNERSHIPS]),
    )


# --- organisations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisations:
    """Visitor organisations first, then host-only organisations."""

    partnership: np.ndarray  # index into PARTNERSHIPS
    org_type: list[str]
    country: np.ndarray  # index into COUNTRIES
    country_spelling: list[str]  # as written in the profile (EL for some Greek ones)
    name: list[str]
    sectors: list[list[str]]
    description: list[str]
    website: list[str]


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "org"


def generate_organisations(
    rng: np.random.Generator, tables: CatalogTables, n_visitor_orgs: int, n_host_orgs: int
) -> Organisations:
    n = n_visitor_orgs + n_host_orgs
    partnership = draw(rng, [(spec.name, spec.weight) for spec in PARTNERSHIPS], n)
    visitor_types, _ = split_weights(VISITOR_ORG_TYPES)
    host_types, _ = split_weights(HOST_ORG_TYPES)
    org_type = [visitor_types[i] for i in draw(rng, VISITOR_ORG_TYPES, n_visitor_orgs)]
    org_type += [host_types[i] for i in draw(rng, HOST_ORG_TYPES, n_host_orgs)]
    country = draw_by_row(rng, tables.partnership_countries, partnership, 1)[:, 0]
    eu_spelling = rng.random(n) < GREEK_EL_SHARE
    city_pick = rng.integers(1 << 30, size=n)
    brand = rng.integers(len(BRAND_PREFIXES), size=n), rng.integers(len(BRAND_SUFFIXES), size=n)
    sector_count = rng.choice(len(SECTOR_COUNTS), size=n, p=SECTOR_COUNTS) + 1
    from_theme = rng.random((n, SECTOR_CANDIDATES)) < THEME_DIVISION_SHARE
    themed = draw_by_row(rng, tables.theme_divisions, partnership, SECTOR_CANDIDATES)
    general = rng.choice(
        len(tables.divisions), size=(n, SECTOR_CANDIDATES), p=tables.general_divisions
    )
    sector_idx = np.where(from_theme, themed, general)
    native = rng.random(n) < NATIVE_NAME_SHARE

    country_names = cosme_countries()["country"].to_dict()
    division_names = {code: nace_name(code).lower() for code in tables.divisions}
    spelling, names, sectors, descriptions = [], [], [], []
    for i in range(n):
        spec, theme = COUNTRIES[country[i]], PARTNERSHIPS[partnership[i]]
        city = spec.cities[city_pick[i] % len(spec.cities)]
        spelling.append("EL" if spec.code == "GR" and eu_spelling[i] else spec.code)
        brand_name = BRAND_PREFIXES[brand[0][i]] + BRAND_SUFFIXES[brand[1][i]]
        pattern = ORG_NAME_PATTERNS[org_type[i]]
        if native[i]:
            pattern = NATIVE_NAME_PATTERNS.get(spec.code, {}).get(org_type[i], pattern)
        names.append(
            pattern.format(brand=brand_name, short=theme.short, city=city, legal=spec.legal_form)
        )
        chosen = first_unique(sector_idx[i].tolist(), int(sector_count[i]))
        sectors.append([tables.divisions[j] for j in chosen])
        descriptions.append(
            f"{ORG_TYPE_LABELS[org_type[i]]} based in {city}, {country_names[spec.code]}, "
            f"active in {division_names[sectors[-1][0]]}; member of {theme.name}."
        )
    websites = [f"https://www.{_slug(name)}.example.org" for name in names]
    return Organisations(
        partnership, org_type, country, spelling, names, sectors, descriptions, websites
    )
