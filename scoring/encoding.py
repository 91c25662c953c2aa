"""Profiles encoded as arrays for vectorised pair computations.

Set-valued profile fields (sectors, languages, targets) become bit masks of shape
``(n, words)`` over a vocabulary shared by visitors and hosts, so "do these two sets meet"
is a bitwise AND and a popcount over whole blocks of pairs. Dates become day numbers, and
the campaign's working-day calendar (:class:`engine.domain.calendar.WorkCalendar`, Monday to
Friday less each host country's public holidays) turns "working days two windows share"
into two table lookups and a subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.domain.calendar import WorkCalendar, day_number
from engine.domain.contract import EXCHANGE_TYPES, ORG_TYPES, Campaign, org_category

ENGLISH = "en"


class Vocabulary:
    """Maps tokens to bit positions; ``mask`` turns token lists into uint64 words."""

    def __init__(self, tokens: Iterable[str]):
        self.tokens: tuple[str, ...] = tuple(sorted(set(tokens)))
        self.position = {token: i for i, token in enumerate(self.tokens)}
        self.words = max(1, (len(self.tokens) + 63) // 64)

    def mask(self, rows: Sequence[Iterable[str]]) -> np.ndarray:
        out = np.zeros((len(rows), self.words), dtype=np.uint64)
        for i, row in enumerate(rows):
            for token in row:
                bit = self.position.get(token)
                if bit is not None:
                    out[i, bit >> 6] |= np.uint64(1) << np.uint64(bit & 63)
        return out

    def bit(self, token: str) -> np.ndarray:
        return self.mask([[token]])[0]


@dataclass(frozen=True)
class SideArrays:
    """One side (visitors or hosts) of the campaign as arrays, row i = profile i of that side."""

    ids: np.ndarray  # profile_id, object
    org_id: np.ndarray  # int32 codes shared across sides
    org_type: np.ndarray  # int8 index into ORG_TYPES
    org_type_bit: np.ndarray  # (n, 1) uint64, the profile's own org type as a mask
    is_sme: np.ndarray  # bool
    category: np.ndarray  # object: sme / cluster / technology_centre / scaling_up / public
    country: np.ndarray  # int16 index into the country vocabulary
    country_bit: np.ndarray  # (n, w) uint64, the profile's own country as a mask
    partnership: np.ndarray  # int16 codes shared across sides
    sectors: np.ndarray  # (n, w) uint64 division mask
    sections: np.ndarray  # (n, 1) uint64 NACE section mask
    languages: np.ndarray  # (n, w) uint64
    target_org_types: np.ndarray  # (n, 1) uint64 over ORG_TYPES
    target_countries: np.ndarray  # (n, w) uint64 over the country vocabulary
    target_sectors: np.ndarray  # (n, w) uint64 division mask
    exchange_types: np.ndarray  # (n, 1) uint64 over EXCHANGE_TYPES
    day_from: np.ndarray  # int32 day number of available_from (engine.domain.calendar)
    day_to_excl: np.ndarray  # int32 day number of the day after available_to
    work_country: np.ndarray  # int16 row of the profile's country in the work calendar
    min_days: np.ndarray  # int16
    max_days: np.ndarray  # int16
    physical: np.ndarray  # bool, the profile accepts a physical exchange
    virtual: np.ndarray  # bool, the profile accepts a virtual exchange
    matchable: np.ndarray  # bool, published and validated
    capacity: np.ndarray  # int32

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Vocabularies:
    sectors: Vocabulary
    sections: Vocabulary
    languages: Vocabulary
    countries: Vocabulary
    org_types: Vocabulary
    exchange_types: Vocabulary
    english: np.ndarray  # the bit of "en" in the language mask


def build_vocabularies(profiles: pd.DataFrame) -> Vocabularies:
    def tokens(*columns: str) -> set[str]:
        found: set[str] = set()
        for column in columns:
            for row in profiles[column]:
                found.update(row)
        return found

    sectors = Vocabulary(tokens("sectors", "target_sectors"))
    languages = Vocabulary(tokens("languages") | {ENGLISH})
    return Vocabularies(
        sectors=sectors,
        sections=Vocabulary(code[0] for code in sectors.tokens),
        languages=languages,
        countries=Vocabulary(set(profiles["country"]) | tokens("target_countries")),
        org_types=Vocabulary(ORG_TYPES),
        exchange_types=Vocabulary(EXCHANGE_TYPES),
        english=languages.bit(ENGLISH),
    )


def encode_side(
    table: pd.DataFrame,
    vocab: Vocabularies,
    org_codes: dict[str, int],
    partnership_codes: dict[str, int],
    calendar: WorkCalendar,
) -> SideArrays:
    org_type_index = {name: i for i, name in enumerate(ORG_TYPES)}
    modes = table["mode"].to_numpy()
    return SideArrays(
        ids=table["profile_id"].to_numpy(dtype=object),
        org_id=np.array([org_codes[o] for o in table["org_id"]], dtype=np.int32),
        org_type=np.array([org_type_index[t] for t in table["org_type"]], dtype=np.int8),
        org_type_bit=vocab.org_types.mask([[t] for t in table["org_type"]]),
        is_sme=(table["org_type"] == "sme").to_numpy(),
        category=np.array([org_category(t) for t in table["org_type"]], dtype=object),
        country=np.array([vocab.countries.position[c] for c in table["country"]], dtype=np.int16),
        country_bit=vocab.countries.mask([[c] for c in table["country"]]),
        partnership=np.array([partnership_codes[p] for p in table["partnership"]], dtype=np.int16),
        sectors=vocab.sectors.mask(table["sectors"].tolist()),
        sections=vocab.sections.mask([[c[0] for c in row] for row in table["sectors"]]),
        languages=vocab.languages.mask(table["languages"].tolist()),
        target_org_types=vocab.org_types.mask(table["target_org_types"].tolist()),
        target_countries=vocab.countries.mask(table["target_countries"].tolist()),
        target_sectors=vocab.sectors.mask(table["target_sectors"].tolist()),
        exchange_types=vocab.exchange_types.mask(table["exchange_types"].tolist()),
        day_from=day_number(table["available_from"]).astype(np.int32),
        day_to_excl=(day_number(table["available_to"]) + 1).astype(np.int32),
        work_country=np.array([calendar.position[c] for c in table["country"]], dtype=np.int16),
        min_days=table["min_days"].to_numpy(dtype=np.int16),
        max_days=table["max_days"].to_numpy(dtype=np.int16),
        physical=np.isin(modes, ["physical", "either"]),
        virtual=np.isin(modes, ["virtual", "either"]),
        matchable=((table["status"] == "published") & table["validated"].astype(bool)).to_numpy(),
        capacity=table["capacity"].to_numpy(dtype=np.int32),
    )


@dataclass(frozen=True)
class EncodedCampaign:
    visitors: SideArrays
    hosts: SideArrays
    vocab: Vocabularies
    calendar: WorkCalendar  # working days of every profile's country
    seek: pd.Series  # visitor seek texts (for text features)
    visitor_offer: pd.Series
    host_offer: pd.Series
    host_seek: pd.Series


def campaign_calendar(
    profiles: pd.DataFrame, public_holidays: bool = True, days: np.ndarray | None = None
) -> WorkCalendar:
    """The working days of every profile's country, over every availability (and ``days``,
    e.g. history dates and the night's date), with a year's margin."""
    named = [day_number(profiles["available_from"]), day_number(profiles["available_to"])]
    if days is not None:
        named.append(np.asarray(days, dtype=np.int64))
    return WorkCalendar.covering(profiles["country"], np.concatenate(named), public_holidays)


def encode_campaign(campaign: Campaign, days: np.ndarray | None = None) -> EncodedCampaign:
    """Encode a campaign's profiles with its working-day calendar (the policy's holidays)."""
    calendar = campaign_calendar(campaign.profiles, campaign.policy.public_holidays, days)
    return encode_profiles(campaign.profiles, calendar)


def encode_profiles(
    profiles: pd.DataFrame, calendar: WorkCalendar | None = None
) -> EncodedCampaign:
    """Encode a validated profiles table (see engine.domain.contract.Campaign) into arrays;
    without a ``calendar``, the working days of the profiles' countries with their public
    holidays."""
    calendar = calendar if calendar is not None else campaign_calendar(profiles)
    vocab = build_vocabularies(profiles)
    org_codes = {org: i for i, org in enumerate(sorted(set(profiles["org_id"])))}
    partnership_codes = {p: i for i, p in enumerate(sorted(set(profiles["partnership"])))}
    visitors = profiles[profiles["role"] == "visitor"].reset_index(drop=True)
    hosts = profiles[profiles["role"] == "host"].reset_index(drop=True)
    return EncodedCampaign(
        visitors=encode_side(visitors, vocab, org_codes, partnership_codes, calendar),
        hosts=encode_side(hosts, vocab, org_codes, partnership_codes, calendar),
        vocab=vocab,
        calendar=calendar,
        seek=visitors["seek"],
        visitor_offer=visitors["offer"],
        host_offer=hosts["offer"],
        host_seek=hosts["seek"],
    )
