"""Plain-word reasons for a proposal: what raised its score most, and what lowered it.

A scorer's ``contributions`` are signed, per feature, measured from each feature's neutral
value (:data:`scoring.features.NEUTRAL_VALUES`). The reasons of a pair are the three largest
positive contributions and the most negative one, each said with the pair's specifics:
"same sector (C29 Manufacture of motor vehicles)", "host wants technology centres", "only
shared language: English". Only proposals get reasons, so this runs per pair in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.domain.contract import EXCHANGE_TYPES, ORG_TYPES
from scoring.encoding import Vocabulary
from scoring.features import FEATURE_NAMES, NEUTRAL_VALUES, FeatureInputs

MIN_CONTRIBUTION = 1e-6  # smaller contributions are no reason either way
MAX_LISTED = 3  # tokens named in one reason

ORG_TYPE_PLURALS: dict[str, str] = {
    "sme": "SMEs",
    "cluster_organisation": "cluster organisations",
    "technology_centre": "technology centres",
    "research_institute": "research institutes",
    "fab_lab": "fab labs",
    "resource_efficiency_provider": "resource-efficiency providers",
    "innovation_hub": "innovation hubs",
    "creative_hub": "creative hubs",
    "incubator": "incubators",
    "accelerator": "accelerators",
    "public_authority": "public authorities",
    "innovation_agency": "innovation agencies",
    "large_company": "large companies",
}
EXCHANGE_TYPE_WORDS: dict[str, str] = {
    "exploring_new_markets": "exploring new markets",
    "networking_events": "networking and events",
    "group_event": "group events",
    "research_development_innovation": "research, development and innovation",
    "pitch_training": "pitch training",
    "learning_skills": "learning and skills",
}
assert set(ORG_TYPE_PLURALS) == set(ORG_TYPES) and set(EXCHANGE_TYPE_WORDS) == set(EXCHANGE_TYPES)


@dataclass(frozen=True)
class ReasonNames:
    """Display names of codes (the engine fills them from its reference data)."""

    sectors: Mapping[str, str] = field(default_factory=dict)  # C29 -> Manufacture of ...
    sections: Mapping[str, str] = field(default_factory=dict)  # C -> Manufacturing
    languages: Mapping[str, str] = field(default_factory=dict)  # de -> German
    countries: Mapping[str, str] = field(default_factory=dict)  # FR -> France


class _Pair:
    """One aligned pair's profile data, decoded into tokens for phrases."""

    def __init__(self, inputs: FeatureInputs, i: int, names: ReasonNames):
        self.inputs, self.i, self.names = inputs, i, names
        self.vocab = inputs.vocab
        self.visitor, self.host = inputs.view.visitor, inputs.view.host

    def tokens(self, side: Any, column: str, vocab: Vocabulary) -> list[str]:
        row = np.asarray(getattr(side, column)[self.i], dtype=np.uint64).reshape(-1)
        bits = np.unpackbits(row.view(np.uint8), bitorder="little")[: len(vocab.tokens)]
        return [vocab.tokens[j] for j in np.flatnonzero(bits)]

    def sectors(self, side: Any) -> list[str]:
        return self.tokens(side, "sectors", self.vocab.sectors)

    def wanted_sectors(self, side: Any) -> list[str]:
        return self.tokens(side, "target_sectors", self.vocab.sectors)

    def org_type(self, side: Any) -> str:
        return ORG_TYPES[int(side.org_type[self.i])]

    def country(self, side: Any) -> str:
        return str(self.vocab.countries.tokens[int(side.country[self.i])])

    def sector(self, code: str) -> str:
        name = self.names.sectors.get(code)
        return f"{code} {name}" if name else code

    def section(self, code: str) -> str:
        name = self.names.sections.get(code)
        return f"{code} {name}" if name else code

    def language(self, code: str) -> str:
        return self.names.languages.get(code, code)

    def place(self, code: str) -> str:
        return self.names.countries.get(code, code)


def _listed(items: list[str]) -> str:
    shown = items[:MAX_LISTED]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _same_sector(p: _Pair, high: bool) -> str:
    v, h = p.sectors(p.visitor), p.sectors(p.host)
    if high:
        return f"same sector ({_listed([p.sector(c) for c in v if c in h])})"
    return f"no sector in common (visitor {_listed(v)}, host {_listed(h)})"


def _sector_v2h(p: _Pair, high: bool) -> str:
    wanted, host = p.wanted_sectors(p.visitor), p.sectors(p.host)
    if high:
        return f"visitor looks for the host's sector ({_listed([p.sector(c) for c in host if c in wanted])})"
    return f"host is outside the sectors the visitor looks for ({_listed(wanted)})"


def _sector_h2v(p: _Pair, high: bool) -> str:
    wanted, visitor = p.wanted_sectors(p.host), p.sectors(p.visitor)
    if high:
        return f"host looks for the visitor's sector ({_listed([p.sector(c) for c in visitor if c in wanted])})"
    return f"visitor is outside the sectors the host looks for ({_listed(wanted)})"


def _sections(p: _Pair, side: Any, wanted: bool) -> list[str]:
    codes = p.wanted_sectors(side) if wanted else p.sectors(side)
    return sorted({code[0] for code in codes})


def _same_section(p: _Pair, high: bool) -> str:
    v, h = _sections(p, p.visitor, False), _sections(p, p.host, False)
    if high:
        return f"same industry ({_listed([p.section(c) for c in v if c in h])})"
    return "different industries (NACE sections)"


def _section_v2h(p: _Pair, high: bool) -> str:
    wanted, host = _sections(p, p.visitor, True), _sections(p, p.host, False)
    if high:
        return f"visitor looks for the host's industry ({_listed([p.section(c) for c in host if c in wanted])})"
    return f"host is outside the industries the visitor looks for ({_listed(wanted)})"


def _section_h2v(p: _Pair, high: bool) -> str:
    wanted, visitor = _sections(p, p.host, True), _sections(p, p.visitor, False)
    if high:
        return f"host looks for the visitor's industry ({_listed([p.section(c) for c in visitor if c in wanted])})"
    return f"visitor is outside the industries the host looks for ({_listed(wanted)})"


def _org_type_v2h(p: _Pair, high: bool) -> str:
    own = p.org_type(p.host)
    if high:
        return f"visitor wants {ORG_TYPE_PLURALS[own]}"
    wanted = p.tokens(p.visitor, "target_org_types", p.vocab.org_types)
    return f"visitor wants {_listed([ORG_TYPE_PLURALS[t] for t in wanted])}, not {ORG_TYPE_PLURALS[own]}"


def _org_type_h2v(p: _Pair, high: bool) -> str:
    own = p.org_type(p.visitor)
    if high:
        return f"host wants {ORG_TYPE_PLURALS[own]}"
    wanted = p.tokens(p.host, "target_org_types", p.vocab.org_types)
    return (
        f"host wants {_listed([ORG_TYPE_PLURALS[t] for t in wanted])}, not {ORG_TYPE_PLURALS[own]}"
    )


def _country_v2h(p: _Pair, high: bool) -> str:
    host = p.country(p.host)
    if high:
        return f"visitor wants a host in {p.place(host)}"
    wanted = p.tokens(p.visitor, "target_countries", p.vocab.countries)
    return f"visitor wants hosts in {_listed([p.place(c) for c in wanted])}, not {p.place(host)}"


def _country_h2v(p: _Pair, high: bool) -> str:
    visitor = p.country(p.visitor)
    if high:
        return f"host wants visitors from {p.place(visitor)}"
    wanted = p.tokens(p.host, "target_countries", p.vocab.countries)
    return (
        f"host wants visitors from {_listed([p.place(c) for c in wanted])}, not {p.place(visitor)}"
    )


def _exchange_types(p: _Pair, high: bool) -> str:
    wanted = p.tokens(p.visitor, "exchange_types", p.vocab.exchange_types)
    offered = p.tokens(p.host, "exchange_types", p.vocab.exchange_types)
    shared = [EXCHANGE_TYPE_WORDS[t] for t in wanted if t in offered]
    if high:
        return f"host offers the exchange the visitor wants ({_listed(shared)})"
    missing = [EXCHANGE_TYPE_WORDS[t] for t in wanted if t not in offered]
    return f"host does not offer {_listed(missing)}"


def _shared_languages(p: _Pair) -> list[str]:
    v = p.tokens(p.visitor, "languages", p.vocab.languages)
    h = p.tokens(p.host, "languages", p.vocab.languages)
    return [code for code in v if code in h]


def _shared_language(p: _Pair, high: bool) -> str:
    others = [p.language(c) for c in _shared_languages(p) if c != "en"]
    if high:
        return f"shared language: {_listed(others)}"
    return "no shared language besides English"


def _english_only(p: _Pair, high: bool) -> str:
    if high:
        return f"only shared language: {p.language('en')}"
    return "more than English in common"


def _availability(p: _Pair, high: bool) -> str:
    days = int(np.asarray(p.inputs.overlap_days).reshape(-1)[p.i])
    if high:
        return f"availabilities overlap widely ({days} working days)"
    return f"availabilities barely overlap ({max(days, 0)} working days)"


def _duration(p: _Pair, high: bool) -> str:
    v = (int(p.visitor.min_days[p.i]), int(p.visitor.max_days[p.i]))
    h = (int(p.host.min_days[p.i]), int(p.host.max_days[p.i]))
    if high:
        return f"wanted stay lengths agree (visitor {v[0]}-{v[1]}, host {h[0]}-{h[1]} days)"
    return f"wanted stay lengths differ (visitor {v[0]}-{v[1]}, host {h[0]}-{h[1]} days)"


def _mode(p: _Pair, high: bool) -> str:
    if high:
        kind = "physical" if bool(p.visitor.physical[p.i]) else "virtual"
        return f"both want a {kind} exchange"
    return "one side is only flexible on the mode"


def _same_partnership(p: _Pair, high: bool) -> str:
    return "same partnership" if high else "different partnerships"


def _text_seek_offer(p: _Pair, high: bool) -> str:
    return (
        "host offers what the visitor seeks"
        if high
        else "host's offer is far from what the visitor seeks"
    )


def _text_offer_seek(p: _Pair, high: bool) -> str:
    return (
        "visitor offers what the host seeks"
        if high
        else "visitor's offer is far from what the host seeks"
    )


Phrase = Callable[[_Pair, bool], str]
PHRASES: dict[str, Phrase] = {
    "same_sector": _same_sector,
    "sector_v2h": _sector_v2h,
    "sector_h2v": _sector_h2v,
    "same_section": _same_section,
    "section_v2h": _section_v2h,
    "section_h2v": _section_h2v,
    "org_type_v2h": _org_type_v2h,
    "org_type_h2v": _org_type_h2v,
    "country_v2h": _country_v2h,
    "country_h2v": _country_h2v,
    "exchange_types": _exchange_types,
    "shared_language": _shared_language,
    "english_only": _english_only,
    "availability": _availability,
    "duration": _duration,
    "mode": _mode,
    "same_partnership": _same_partnership,
    "text_seek_offer": _text_seek_offer,
    "text_offer_seek": _text_offer_seek,
}
assert tuple(PHRASES) == FEATURE_NAMES


def reasons(
    contributions: np.ndarray,
    features: np.ndarray,
    inputs: FeatureInputs,
    names: ReasonNames | None = None,
    positive: int = 3,
) -> list[str]:
    """For aligned pairs: 'top 3 that raised the score; ... | but: the main one that lowered it'.

    ``contributions`` and ``features`` are (n_pairs, n_features); ``inputs`` are the
    features' inputs (an aligned pair view), used for the specifics of each phrase."""
    names = names or ReasonNames()
    contributions = np.asarray(contributions, dtype=np.float64)
    high = np.asarray(features) > NEUTRAL_VALUES
    out = []
    for i, row in enumerate(contributions):
        pair = _Pair(inputs, i, names)
        order = np.argsort(-row, kind="stable")
        ups = [j for j in order[:positive] if row[j] > MIN_CONTRIBUTION]
        down = [j for j in order[::-1][:1] if row[j] < -MIN_CONTRIBUTION]
        said = [PHRASES[FEATURE_NAMES[j]](pair, bool(high[i, j])) for j in ups]
        text = "; ".join(said) if said else "no strong reason"
        if down:
            j = down[0]
            text += f" | but: {PHRASES[FEATURE_NAMES[j]](pair, bool(high[i, j]))}"
        out.append(text)
    return out
