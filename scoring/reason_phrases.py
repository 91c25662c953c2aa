"""The words of reasons: for each pair feature, a phrase saying why the pair's value raised
(``high``: above the feature's neutral value) or lowered its score, with the pair's specifics:
"same sector (C29 Manufacture of motor vehicles)", "host wants technology centres", "only
shared language: English". Which phrase belongs to which feature: :mod:`scoring.features`;
which features a pair's reasons name: :mod:`scoring.reasons`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.domain.contract import ORG_TYPES
from scoring.encoding import Vocabulary
from scoring.tables import FeatureInputs

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


@dataclass(frozen=True)
class ReasonNames:
    """Display names of codes (the engine fills them from its reference data)."""

    sectors: Mapping[str, str] = field(default_factory=dict)  # C29 -> Manufacture of ...
    sections: Mapping[str, str] = field(default_factory=dict)  # C -> Manufacturing
    languages: Mapping[str, str] = field(default_factory=dict)  # de -> German
    countries: Mapping[str, str] = field(default_factory=dict)  # FR -> France


class PairDetails:
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


def same_sector(p: PairDetails, high: bool) -> str:
    v, h = p.sectors(p.visitor), p.sectors(p.host)
    if high:
        return f"same sector ({_listed([p.sector(c) for c in v if c in h])})"
    return f"no sector in common (visitor {_listed(v)}, host {_listed(h)})"


def sector_v2h(p: PairDetails, high: bool) -> str:
    wanted, host = p.wanted_sectors(p.visitor), p.sectors(p.host)
    if high:
        return f"visitor looks for the host's sector ({_listed([p.sector(c) for c in host if c in wanted])})"
    return f"host is outside the sectors the visitor looks for ({_listed(wanted)})"


def sector_h2v(p: PairDetails, high: bool) -> str:
    wanted, visitor = p.wanted_sectors(p.host), p.sectors(p.visitor)
    if high:
        return f"host looks for the visitor's sector ({_listed([p.sector(c) for c in visitor if c in wanted])})"
    return f"visitor is outside the sectors the host looks for ({_listed(wanted)})"


def _sections(p: PairDetails, side: Any, wanted: bool) -> list[str]:
    codes = p.wanted_sectors(side) if wanted else p.sectors(side)
    return sorted({code[0] for code in codes})


def same_section(p: PairDetails, high: bool) -> str:
    v, h = _sections(p, p.visitor, False), _sections(p, p.host, False)
    if high:
        return f"same industry ({_listed([p.section(c) for c in v if c in h])})"
    return "different industries (NACE sections)"


def section_v2h(p: PairDetails, high: bool) -> str:
    wanted, host = _sections(p, p.visitor, True), _sections(p, p.host, False)
    if high:
        return f"visitor looks for the host's industry ({_listed([p.section(c) for c in host if c in wanted])})"
    return f"host is outside the industries the visitor looks for ({_listed(wanted)})"


def section_h2v(p: PairDetails, high: bool) -> str:
    wanted, visitor = _sections(p, p.host, True), _sections(p, p.visitor, False)
    if high:
        return f"host looks for the visitor's industry ({_listed([p.section(c) for c in visitor if c in wanted])})"
    return f"visitor is outside the industries the host looks for ({_listed(wanted)})"


def org_type_v2h(p: PairDetails, high: bool) -> str:
    own = p.org_type(p.host)
    if high:
        return f"visitor wants {ORG_TYPE_PLURALS[own]}"
    wanted = p.tokens(p.visitor, "target_org_types", p.vocab.org_types)
    return f"visitor wants {_listed([ORG_TYPE_PLURALS[t] for t in wanted])}, not {ORG_TYPE_PLURALS[own]}"


def org_type_h2v(p: PairDetails, high: bool) -> str:
    own = p.org_type(p.visitor)
    if high:
        return f"host wants {ORG_TYPE_PLURALS[own]}"
    wanted = p.tokens(p.host, "target_org_types", p.vocab.org_types)
    return (
        f"host wants {_listed([ORG_TYPE_PLURALS[t] for t in wanted])}, not {ORG_TYPE_PLURALS[own]}"
    )


def country_v2h(p: PairDetails, high: bool) -> str:
    host = p.country(p.host)
    if high:
        return f"visitor wants a host in {p.place(host)}"
    wanted = p.tokens(p.visitor, "target_countries", p.vocab.countries)
    return f"visitor wants hosts in {_listed([p.place(c) for c in wanted])}, not {p.place(host)}"


def country_h2v(p: PairDetails, high: bool) -> str:
    visitor = p.country(p.visitor)
    if high:
        return f"host wants visitors from {p.place(visitor)}"
    wanted = p.tokens(p.host, "target_countries", p.vocab.countries)
    return (
        f"host wants visitors from {_listed([p.place(c) for c in wanted])}, not {p.place(visitor)}"
    )


def exchange_types(p: PairDetails, high: bool) -> str:
    wanted = p.tokens(p.visitor, "exchange_types", p.vocab.exchange_types)
    offered = p.tokens(p.host, "exchange_types", p.vocab.exchange_types)
    shared = [EXCHANGE_TYPE_WORDS[t] for t in wanted if t in offered]
    if high:
        return f"host offers the exchange the visitor wants ({_listed(shared)})"
    missing = [EXCHANGE_TYPE_WORDS[t] for t in wanted if t not in offered]
    return f"host does not offer {_listed(missing)}"


def _shared_languages(p: PairDetails) -> list[str]:
    v = p.tokens(p.visitor, "languages", p.vocab.languages)
    h = p.tokens(p.host, "languages", p.vocab.languages)
    return [code for code in v if code in h]


def shared_language(p: PairDetails, high: bool) -> str:
    others = [p.language(c) for c in _shared_languages(p) if c != "en"]
    if high:
        return f"shared language: {_listed(others)}"
    if "en" in _shared_languages(p):
        return "no shared language besides English"
    return "no shared language"  # (the policy may allow it; English is not shared either)


def english_only(p: PairDetails, high: bool) -> str:
    if high:
        return f"only shared language: {p.language('en')}"
    return "more than English in common"


def availability(p: PairDetails, high: bool) -> str:
    days = int(np.asarray(p.inputs.overlap_days).reshape(-1)[p.i])
    if high:
        return f"availabilities overlap widely ({days} working days)"
    return f"availabilities barely overlap ({max(days, 0)} working days)"


def duration(p: PairDetails, high: bool) -> str:
    v = (int(p.visitor.min_days[p.i]), int(p.visitor.max_days[p.i]))
    h = (int(p.host.min_days[p.i]), int(p.host.max_days[p.i]))
    if high:
        return f"wanted stay lengths agree (visitor {v[0]}-{v[1]}, host {h[0]}-{h[1]} days)"
    return f"wanted stay lengths differ (visitor {v[0]}-{v[1]}, host {h[0]}-{h[1]} days)"


def mode(p: PairDetails, high: bool) -> str:
    if high:
        kind = "physical" if bool(p.visitor.physical[p.i]) else "virtual"
        return f"both want a {kind} exchange"
    return "one side is only flexible on the mode"


def same_partnership(p: PairDetails, high: bool) -> str:
    return "same partnership" if high else "different partnerships"


def text_seek_offer(p: PairDetails, high: bool) -> str:
    return (
        "host offers what the visitor seeks"
        if high
        else "host's offer is far from what the visitor seeks"
    )


def text_offer_seek(p: PairDetails, high: bool) -> str:
    return (
        "visitor offers what the host seeks"
        if high
        else "visitor's offer is far from what the host seeks"
    )


# (the pair, whether its value is above the neutral one) -> the reason's words
Phrase = Callable[[PairDetails, bool], str]
