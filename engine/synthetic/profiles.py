"""Generated profiles: each profile belongs to an organisation and adds its own languages,
preferences, texts, availability and contact.

Every random draw is a vectorised numpy call on the shared generator, made in a fixed
order; the per-row Python work only assembles small lists and strings from the draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import PROFILE_OPTIONAL_COLUMNS, PROFILE_REQUIRED_COLUMNS
from engine.synthetic.catalog import (
    COUNTRIES,
    ENGLISH_SHARE,
    EXCHANGE_TYPE_WEIGHTS,
    FIRST_NAMES,
    GENERIC_TOPICS,
    HOST_TARGET_ORG_TYPES,
    LAST_NAMES,
    OFFER_TEMPLATES,
    PARTNERSHIPS,
    SEEK_TEMPLATES,
    THIRD_LANGUAGE_SHARE,
    THIRD_LANGUAGES,
    VISITOR_TARGET_ORG_TYPES,
)
from engine.synthetic.organisations import (
    CatalogTables,
    catalog_tables,
    draw,
    draw_by_row,
    first_unique,
    generate_organisations,
    split_weights,
)

SHARED_ORG_SHARE = 0.04  # hosts whose organisation also has a visitor profile
MULTI_PROFILE_SHARE = 0.12  # visitor profiles that are another of an organisation's profiles
MIN_WINDOW_DAYS = 21  # availability windows last 3 weeks to the whole campaign
PUBLISHED_SHARE = 0.95
VALIDATED_SHARE = 0.95
# (share of profiles stating the preference, probabilities of 1, 2, 3 values)
TARGET_ORG_TYPES_VISITOR = (0.45, (0.5, 0.35, 0.15))
TARGET_ORG_TYPES_HOST = (0.40, TARGET_ORG_TYPES_VISITOR[1])
TARGET_COUNTRIES = (0.30, (0.5, 0.3, 0.2))
TARGET_SECTORS = (0.35, (0.6, 0.4, 0.0))
EXCHANGE_TYPES = (1.0, (0.35, 0.40, 0.25))
TOPIC_COUNTS = (0.6, 0.4)  # 2 or 3 topics per text
OWN_THEME_TOPIC, GENERIC_TOPIC = 0.75, 0.12  # the rest: another partnership's topic
# virtual exchanges are common (seed 002: 169 virtual, 59 physical in the pilot)
MODES_VISITOR = (("physical", 0.35), ("either", 0.40), ("virtual", 0.25))
MODES_HOST = (("physical", 0.25), ("either", 0.50), ("virtual", 0.25))  # same order
# stays are mostly 3 working days (seed 002: 52 x 3 and 7 x 5 physical, 165 x 3 and 4 x 4 virtual)
MIN_DAYS = ((3, 0.95), (4, 0.01), (5, 0.04))  # a group stays as long as its longest minimum
MAX_DAYS = ((3, .25), (5, .30), (10, .20), (15, .10), (22, .15))  # fmt: skip
# visitors a host receives at once: grouped exchanges are the rule, some take groups of 8-10
HOST_CAPACITY = ((1, .15), (2, .15), (3, .15), (4, .12), (5, .10), (6, .08), (8, .12),
                 (10, .13))  # fmt: skip
GROUP_EVENT_CAPACITY = 6  # hosts receiving this many at once offer group events


def _extra_visitor_profiles(n_visitors: int) -> int:
    """How many visitor profiles are another profile of an organisation with one already."""
    return min(n_visitors - 1, round(MULTI_PROFILE_SHARE * n_visitors)) if n_visitors > 1 else 0


def _organisation_of_profiles(
    rng: np.random.Generator, n_visitors: int, n_hosts: int, n_shared: int
) -> np.ndarray:
    """The organisation of every profile. Visitor organisations come first: most have one
    visitor profile, some two or three (several participants of one organisation, who share
    its one physical exchange); ``n_shared`` hosts belong to distinct visitor organisations,
    the others to host-only organisations."""
    n_extra = _extra_visitor_profiles(n_visitors)
    n_visitor_orgs = n_visitors - n_extra
    extra = np.sort(rng.choice(n_visitors, size=n_extra, replace=False))
    visitor_orgs = np.empty(n_visitors, dtype=np.int64)
    visitor_orgs[np.setdiff1d(np.arange(n_visitors), extra)] = np.arange(n_visitor_orgs)
    visitor_orgs[extra] = rng.integers(max(1, n_visitor_orgs), size=n_extra)
    shared_positions = np.sort(rng.choice(n_hosts, size=n_shared, replace=False))
    shared_orgs = rng.choice(n_visitor_orgs, size=n_shared, replace=False)
    host_orgs = np.empty(n_hosts, dtype=np.int64)
    host_orgs[np.setdiff1d(np.arange(n_hosts), shared_positions)] = np.arange(
        n_visitor_orgs, n_visitor_orgs + n_hosts - n_shared
    )
    host_orgs[shared_positions] = shared_orgs
    return np.concatenate([visitor_orgs, host_orgs])


def _languages(rng: np.random.Generator, country: np.ndarray) -> list[list[str]]:
    """A national language, sometimes another one, English for most, sometimes a third."""
    n = len(country)
    primary_pick, extra_pick = rng.random(n), rng.random((n, 2))
    english, third = rng.random(n) < ENGLISH_SHARE, rng.random(n) < THIRD_LANGUAGE_SHARE
    third_values, _ = split_weights(THIRD_LANGUAGES)
    third_language = draw(rng, THIRD_LANGUAGES, n)
    primaries = [split_weights(spec.languages) for spec in COUNTRIES]
    cumulative = [np.cumsum(weights) for _, weights in primaries]
    rows = []
    for i in range(n):
        spec, values = COUNTRIES[country[i]], primaries[country[i]][0]
        index = int(np.searchsorted(cumulative[country[i]], primary_pick[i], side="right"))
        languages = [values[min(index, len(values) - 1)]]
        for (code, probability), pick in zip(spec.extra_languages, extra_pick[i], strict=False):
            if pick < probability and code not in languages:
                languages.append(code)
        if english[i] and "en" not in languages:
            languages.append("en")
        if third[i] and third_values[third_language[i]] not in languages:
            languages.append(third_values[third_language[i]])
        rows.append(languages)
    return rows


def _choose_lists(
    rng: np.random.Generator,
    setting: tuple[float | np.ndarray, Sequence[float]],
    candidates: np.ndarray,
    values: Sequence[str],
    exclude: Sequence[Any] | None = None,
) -> list[list[str]]:
    """Optional preferences: for a share of rows, 1-3 distinct values among the candidates."""
    stated_share, counts = setting
    n = len(candidates)
    stated = rng.random(n) < stated_share
    count = rng.choice(len(counts), size=n, p=np.array(counts) / sum(counts)) + 1
    rows: list[list[str]] = []
    for i in range(n):
        if not stated[i]:
            rows.append([])
            continue
        excluded = None if exclude is None else exclude[i]
        rows.append(
            [values[j] for j in first_unique(candidates[i].tolist(), int(count[i]), excluded)]
        )
    return rows


def _preferences(
    rng: np.random.Generator, tables: CatalogTables, is_host: np.ndarray,
    partnership: np.ndarray, country: np.ndarray,
) -> dict[str, list[list[str]]]:  # fmt: skip
    n = len(is_host)
    visitor_targets, _ = split_weights(VISITOR_TARGET_ORG_TYPES)
    host_targets, _ = split_weights(HOST_TARGET_ORG_TYPES)
    visitor_candidates = draw(rng, VISITOR_TARGET_ORG_TYPES, (n, 3))
    host_candidates = draw(rng, HOST_TARGET_ORG_TYPES, (n, 3)) + len(visitor_targets)
    org_type_setting = (
        np.where(is_host, TARGET_ORG_TYPES_HOST[0], TARGET_ORG_TYPES_VISITOR[0]),
        TARGET_ORG_TYPES_VISITOR[1],
    )
    target_org_types = _choose_lists(
        rng, org_type_setting,
        np.where(is_host[:, None], host_candidates, visitor_candidates),
        visitor_targets + host_targets,
    )  # fmt: skip
    country_candidates = rng.choice(len(COUNTRIES), size=(n, 4), p=tables.country_weights)
    target_countries = _choose_lists(
        rng, TARGET_COUNTRIES, country_candidates, tables.country_codes, exclude=country.tolist()
    )
    sector_candidates = draw_by_row(rng, tables.theme_divisions, partnership, 3)
    target_sectors = _choose_lists(rng, TARGET_SECTORS, sector_candidates, tables.divisions)
    exchange_values, _ = split_weights(EXCHANGE_TYPE_WEIGHTS)
    exchange_candidates = draw(rng, EXCHANGE_TYPE_WEIGHTS, (n, 4))
    exchange_types = _choose_lists(rng, EXCHANGE_TYPES, exchange_candidates, exchange_values)
    return {
        "target_org_types": target_org_types,
        "target_countries": target_countries,
        "target_sectors": target_sectors,
        "exchange_types": exchange_types,
    }


def _topic_indices(
    rng: np.random.Generator, tables: CatalogTables, partnership: np.ndarray, per_row: int
) -> np.ndarray:
    """Candidate topics (indices into ``tables.topics``): mostly of the own partnership."""
    n = len(partnership)
    source = rng.random((n, per_row))
    other = rng.integers(len(PARTNERSHIPS), size=(n, per_row))
    within = rng.integers(1 << 30, size=(n, per_row))
    starts = tables.theme_topic_start
    theme = np.where(source < OWN_THEME_TOPIC, partnership[:, None], other)
    themed = starts[theme] + within % np.diff(starts)[theme]
    generic = starts[-1] + within % len(GENERIC_TOPICS)
    is_generic = (source >= OWN_THEME_TOPIC) & (source < OWN_THEME_TOPIC + GENERIC_TOPIC)
    return np.where(is_generic, generic, themed)


def _join_topics(topics: Sequence[str]) -> str:
    return topics[0] if len(topics) == 1 else f"{', '.join(topics[:-1])} and {topics[-1]}"


def _texts(
    rng: np.random.Generator, tables: CatalogTables, partnership: np.ndarray
) -> dict[str, list[str]]:
    """``offer`` and ``seek``: a template around 2-3 topics, mostly of the own theme."""
    n = len(partnership)
    texts = {}
    for column, templates in (("offer", OFFER_TEMPLATES), ("seek", SEEK_TEMPLATES)):
        topic_count = rng.choice(len(TOPIC_COUNTS), size=n, p=TOPIC_COUNTS) + 2
        candidates = _topic_indices(rng, tables, partnership, 4)
        template = rng.integers(len(templates), size=n)
        rows = []
        for i in range(n):
            chosen = first_unique(candidates[i].tolist(), int(topic_count[i]))
            topics = _join_topics([tables.topics[j] for j in chosen])
            rows.append(templates[template[i]].format(topics=topics))
        texts[column] = rows
    return texts


def _schedule(
    rng: np.random.Generator, is_host: np.ndarray, start: date, months: int
) -> dict[str, Any]:
    """Availability inside the campaign, stay lengths, mode, capacity, status."""
    n = len(is_host)
    campaign_end = (pd.Timestamp(start) + pd.DateOffset(months=months)).date() - timedelta(days=1)
    span = (campaign_end - start).days + 1
    shortest = min(MIN_WINDOW_DAYS, span)
    stretch = np.floor(rng.beta(1.1, 1.6, size=n) * (span - shortest + 1)).astype(np.int64)
    length = np.minimum(shortest + stretch, span)
    offset = np.floor(rng.random(n) * (span - length + 1)).astype(np.int64)
    first_day = np.datetime64(start, "D") + offset
    min_values, _ = split_weights(MIN_DAYS)
    max_values, _ = split_weights(MAX_DAYS)
    min_days = np.array(min_values, dtype=np.int64)[draw(rng, MIN_DAYS, n)]
    max_days = np.maximum(np.array(max_values, dtype=np.int64)[draw(rng, MAX_DAYS, n)], min_days)
    mode_values, _ = split_weights(MODES_VISITOR)
    mode = np.where(is_host, draw(rng, MODES_HOST, n), draw(rng, MODES_VISITOR, n))
    capacity_values, _ = split_weights(HOST_CAPACITY)
    host_capacity = np.array(capacity_values, dtype=np.int64)[draw(rng, HOST_CAPACITY, n)]
    return {
        "available_from": pd.to_datetime(first_day).astype("datetime64[ns]"),
        "available_to": pd.to_datetime(first_day + length - 1).astype("datetime64[ns]"),
        "min_days": min_days,
        "max_days": max_days,
        "mode": np.array(mode_values)[mode],
        "capacity": np.where(is_host, host_capacity, 1).astype(np.int64),
        "status": np.where(rng.random(n) < PUBLISHED_SHARE, "published", "draft"),
        "validated": rng.random(n) < VALIDATED_SHARE,
    }


def _contacts(rng: np.random.Generator, country: np.ndarray) -> dict[str, list[str]]:
    """Fake personal data: a name, an ``@example.org`` address and a phone number."""
    n = len(country)
    first = rng.integers(len(FIRST_NAMES), size=n)
    last = rng.integers(len(LAST_NAMES), size=n)
    phone = rng.integers(1_000_000, 10_000_000, size=n)
    return {
        "contact_name": [f"{FIRST_NAMES[f]} {LAST_NAMES[s]}" for f, s in zip(first, last, strict=True)],
        "contact_email": [
            f"{FIRST_NAMES[f].lower()}.{LAST_NAMES[s].lower()}@example.org"
            for f, s in zip(first, last, strict=True)
        ],
        "contact_phone": [
            f"+{COUNTRIES[c].calling_code} {p // 10_000:03d} {p % 10_000:04d}"
            for c, p in zip(country, phone, strict=True)
        ],
    }  # fmt: skip


def generate_profiles(
    rng: np.random.Generator, n_visitors: int, n_hosts: int, start: date, months: int
) -> pd.DataFrame:
    """The profiles table in file format (list cells are Python lists), visitors first."""
    tables = catalog_tables()
    n_visitor_orgs = n_visitors - _extra_visitor_profiles(n_visitors)
    n_shared = min(n_visitor_orgs, round(SHARED_ORG_SHARE * n_hosts))
    orgs = generate_organisations(rng, tables, n_visitor_orgs, n_hosts - n_shared)
    org = _organisation_of_profiles(rng, n_visitors, n_hosts, n_shared)
    is_host = np.arange(n_visitors + n_hosts) >= n_visitors
    partnership, country = orgs.partnership[org], orgs.country[org]
    languages = _languages(rng, country)
    preferences = _preferences(rng, tables, is_host, partnership, country)
    texts = _texts(rng, tables, partnership)
    schedule = _schedule(rng, is_host, start, months)
    contacts = _contacts(rng, country)
    offers_groups = is_host & (schedule["capacity"] >= GROUP_EVENT_CAPACITY)
    preferences["exchange_types"] = [
        ["group_event", *[kind for kind in kinds if kind != "group_event"][:2]] if group else kinds
        for kinds, group in zip(preferences["exchange_types"], offers_groups, strict=True)
    ]

    id_width = max(5, len(str(max(n_visitors, n_hosts))))
    org_width = max(5, len(str(len(orgs.name))))
    columns: dict[str, Any] = {
        "profile_id": [f"V{i + 1:0{id_width}d}" for i in range(n_visitors)]
        + [f"H{i + 1:0{id_width}d}" for i in range(n_hosts)],
        "role": np.where(is_host, "host", "visitor"),
        "org_id": [f"ORG{o + 1:0{org_width}d}" for o in org],
        "org_name": [orgs.name[o] for o in org],
        "org_type": [orgs.org_type[o] for o in org],
        "country": [orgs.country_spelling[o] for o in org],
        "partnership": [PARTNERSHIPS[p].name for p in partnership],
        "sectors": [list(orgs.sectors[o]) for o in org],
        "languages": languages,
        "description": [orgs.description[o] for o in org],
        "website": [orgs.website[o] for o in org],
        **preferences,
        **texts,
        **schedule,
        **contacts,
    }
    ordered = [*PROFILE_REQUIRED_COLUMNS, *PROFILE_OPTIONAL_COLUMNS]
    return pd.DataFrame({name: columns[name] for name in ordered})
