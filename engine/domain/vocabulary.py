"""One vocabulary, many spellings: every enumerated field of a campaign, the codes the engine
uses, the words people and the CXC IT tool use for them, and the labels outputs show.

Each field has a :class:`~engine.domain.spelling.Vocabulary`; the loader (engine/load) maps
every cell through it at the boundary, so everything downstream sees canonical codes. A
campaign may add its own words in ``vocabulary.toml`` (:meth:`Vocabularies.with_campaign_words`).

Decisions (documented in the README):

* **"Business network" is a cluster organisation.** The call text (seed 004) targets "cluster
  organisations or business network organisations" alike, and the IT tool shows a cluster
  organisation's type as "Business Network" (seed 002).
* "university", "start-up" and "hybrid" (mode) are *not* mapped: the eligible types do not
  name them, and a partnership must decide (a campaign's ``vocabulary.toml`` can map them).
* Internships and HR prospecting are refused as exchange types: "Internships and HR
  prospecting are not exchanges" (seed 001).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from engine.domain.contract import (
    EXCHANGE_TYPES,
    HISTORY_MODES,
    MODES,
    ORG_TYPES,
    OUTCOMES,
    QUOTA_CATEGORIES,
    ROLES,
    STATUSES,
)
from engine.domain.reference import (
    country_vocabulary,
    it_tool_sectors,
    language_vocabulary,
    sector_vocabulary,
)
from engine.domain.spelling import Vocabulary, normal_form, vocabulary

ORG_TYPE_LABELS: dict[str, str] = {
    "sme": "SME",
    "cluster_organisation": "Cluster organisation",
    "technology_centre": "Technology centre",
    "research_institute": "Research institute",
    "fab_lab": "Fab lab",
    "resource_efficiency_provider": "Resource-efficiency service provider",
    "innovation_hub": "Digital innovation hub",
    "creative_hub": "Creative hub",
    "incubator": "Incubator",
    "accelerator": "Accelerator",
    "public_authority": "Public authority",
    "innovation_agency": "Innovation agency",
    "large_company": "Large company",
}
ORG_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "sme": ("small and medium-sized enterprise", "small or medium-sized enterprise",
            "small and medium enterprise", "small and medium sized company",
            # each an SME (under 250 employees: EU recommendation 2003/361, DOMAIN.md)
            "micro enterprise", "microenterprise", "small enterprise", "medium-sized enterprise",
            "medium enterprise", "micro company", "small company", "medium-sized company"),
    "cluster_organisation": ("cluster", "cluster manager", "cluster management organisation",
                             "business network", "business network organisation",
                             "cluster or business network organisation"),
    "technology_centre": ("tech centre", "technological centre", "technology transfer centre"),
    "research_institute": ("research institution", "research centre", "research organisation"),
    "fab_lab": ("fablab", "fabrication laboratory", "makerspace"),
    "resource_efficiency_provider": ("resource efficiency provider",
                                     "resource efficiency service", "resource efficiency services"),
    "innovation_hub": ("(digital) innovation hub", "innovation hub", "DIH", "EDIH",
                       "European digital innovation hub"),
    "creative_hub": ("creative industries hub",),
    "incubator": ("business incubator", "start-up incubator"),
    # "gas pedal": the IT tool's profile help as machine-translated in seed 001 ("accelerator")
    "accelerator": ("business accelerator", "start-up accelerator", "gas pedal"),
    "public_authority": ("regional authority", "local authority", "public administration",
                         "city administration", "public body"),
    "innovation_agency": ("regional innovation agency", "national innovation agency"),
    "large_company": ("large enterprise", "large corporation", "large firm"),
}  # fmt: skip

EXCHANGE_TYPE_LABELS: dict[str, str] = {  # the IT tool's words (seed 002)
    "exploring_new_markets": "Exploring new markets",
    "networking_events": "Networking and events",
    "group_event": "Group event",
    "research_development_innovation": "Research, development and innovation",
    "pitch_training": "Pitch training",
    "learning_skills": "Learning / skills development",
}
EXCHANGE_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "exploring_new_markets": ("new markets", "market exploration", "exploring markets"),
    "networking_events": ("networking", "events", "networking event"),
    "group_event": ("group exchange",),
    "research_development_innovation": ("R&D", "R&D&I", "RDI", "R&D and innovation",
                                        "research and development", "research and innovation"),
    "pitch_training": ("pitching", "pitch"),
    "learning_skills": ("learning", "skills development", "learning and skills development",
                        "learning skills development", "upskilling"),
}  # fmt: skip
NOT_EXCHANGES = "internships and HR prospecting are not exchanges (ClusterXchange rules)"

ROLE_LABELS = {"visitor": "Visiting organisation", "host": "Host organisation"}
ROLE_SPELLINGS = {
    "visitor": ("visiting organization", "visiting", "VO"),
    "host": ("hosting organisation", "hosting organization", "hosting", "HO"),
}
MODE_LABELS = {"physical": "Physical", "virtual": "Virtual", "either": "Physical or virtual"}
MODE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "physical": ("in person", "on site", "onsite", "face to face", "physical exchange"),
    "virtual": ("online", "remote", "virtual exchange"),
    "either": ("both", "physical and virtual", "virtual or physical", "any", "no preference",
               "physical/virtual", "virtual/physical", "physical or online", "online or physical"),
}  # fmt: skip
STATUS_LABELS = {"published": "Published", "draft": "Draft"}
STATUS_SPELLINGS = {"draft": ("unpublished", "not published")}
OUTCOME_LABELS = {
    "accepted": "Accepted",
    "rejected": "Rejected",
    "cancelled": "Cancelled",
    "completed": "Completed",
}
OUTCOME_SPELLINGS: dict[str, tuple[str, ...]] = {
    # seed 002: an agreed exchange on the IT tool is in 'Preparation', 'Ready for validation'
    # (its CTQ sent to the Support Office), 'Ready to start', then started on its start date
    "accepted": (
        "confirmed",
        "validated",
        "agreed",
        "ready to start",
        "in preparation",
        "preparation",
        "ready for validation",
        "started",
        "ongoing",
        "in progress",
        "matched",
    ),
    "rejected": ("declined", "refused"),
    # seed 002: an exchange created and "deleted" is gone; "169 reported virtual exchanges"
    # are done (their final reports in); a match both sides validated is "matched"
    "cancelled": ("canceled", "withdrawn", "deleted"),
    "completed": ("finished", "closed", "done", "carried out", "reported", "successful"),
}
CATEGORY_LABELS = {
    "sme": "SME",
    "cluster": "Cluster organisation",
    "technology_centre": "Technology centre",
    "scaling_up": "Scaling-up support organisation",
    "public": "Public authority or innovation agency",
    "total": "All exchanges",
}
CATEGORY_SPELLINGS: dict[str, tuple[str, ...]] = {  # seed 000: "25 for SMEs, 5 for clusters managers"
    "cluster": ("cluster", "cluster manager", "clusters manager", "business network",
                "business network organisation"),
    "technology_centre": ("tech centre",),
    "scaling_up": ("scaling up", "scale-up support organisation", "scaling-up organisation",
                   "other support organisation"),
    "public": ("public authority", "public authorities", "innovation agency",
               "innovation agencies", "public organisation", "public organisations",
               "public authorities and innovation agencies"),
    "total": ("total", "exchange", "all"),
}  # fmt: skip

# the IT tool's sector words are read as NACE divisions by inference: a campaign's
# vocabulary.toml may give one another division (it changes no code and no word of the tool's)
_INFERRED_SECTORS = frozenset(normal_form(word) for word in it_tool_sectors())

# vocabulary.toml sections: the vocabularies a campaign may extend (and their other names)
SECTIONS: dict[str, str] = {
    "org_type": "org_type", "org_types": "org_type", "organisation_type": "org_type",
    "exchange_type": "exchange_type", "exchange_types": "exchange_type",
    "country": "country", "countries": "country", "language": "language",
    "languages": "language", "sector": "sector", "sectors": "sector", "role": "role",
    "mode": "mode", "status": "status", "outcome": "outcome", "category": "category",
    "partnership": "partnership", "partnerships": "partnership",
}  # fmt: skip


def variants(word: str) -> Iterator[str]:
    """A spelling, its US spellings and its plural (``centre``/``center``, ``agencies``)."""
    for spelled in dict.fromkeys(
        (word, word.replace("organisation", "organization").replace("centre", "center"))
    ):
        yield spelled
        if spelled.endswith("y") and not spelled.endswith(("ey", "ay")):
            yield spelled[:-1] + "ies"
        elif not spelled.endswith("s"):
            yield spelled + "s"


def _enumeration(
    kind: str,
    codes: tuple[str, ...],
    labels: Mapping[str, str],
    spellings: Mapping[str, tuple[str, ...]],
    **options: Any,
) -> Vocabulary:
    words = [(code, code) for code in codes]
    words += [(labels[code], code) for code in codes]
    words += [(spelling, code) for code in codes for spelling in spellings.get(code, ())]
    every = [(variant, code) for word, code in words for variant in variants(word)]
    hint = "one of: " + ", ".join(f"'{labels[code]}'" for code in codes)
    return vocabulary(kind, codes, labels, every, hint=hint, **options)


@cache
def builtin_vocabularies() -> dict[str, Vocabulary]:
    """The built-in vocabulary of every enumerated field, by vocabulary name."""
    modes = {code: MODE_LABELS[code] for code in HISTORY_MODES}
    return {
        "org_type": _enumeration("organisation type", ORG_TYPES, ORG_TYPE_LABELS,
                                 ORG_TYPE_SPELLINGS),
        "exchange_type": _enumeration(
            "exchange type", EXCHANGE_TYPES, EXCHANGE_TYPE_LABELS, EXCHANGE_TYPE_SPELLINGS,
            refused={"internship": NOT_EXCHANGES, "internships": NOT_EXCHANGES,
                     "HR prospecting": NOT_EXCHANGES},
        ),
        "role": _enumeration("role", ROLES, ROLE_LABELS, ROLE_SPELLINGS),
        "mode": _enumeration("mode", MODES, MODE_LABELS, MODE_SPELLINGS),
        "history_mode": _enumeration("history mode", HISTORY_MODES, modes, MODE_SPELLINGS),
        "status": _enumeration("status", STATUSES, STATUS_LABELS, STATUS_SPELLINGS),
        "outcome": _enumeration("outcome", OUTCOMES, OUTCOME_LABELS, OUTCOME_SPELLINGS),
        "category": _enumeration("quota category", QUOTA_CATEGORIES, CATEGORY_LABELS,
                                 CATEGORY_SPELLINGS),
        "country": country_vocabulary(),
        "language": language_vocabulary(),
        "sector": sector_vocabulary(),
    }  # fmt: skip


# Which vocabulary each enumerated column of each table uses.
COLUMN_VOCABULARIES: dict[str, dict[str, str]] = {
    "profiles": {
        "role": "role", "org_type": "org_type", "country": "country", "mode": "mode",
        "status": "status", "sectors": "sector", "target_sectors": "sector",
        "languages": "language", "target_countries": "country",
        "target_org_types": "org_type", "exchange_types": "exchange_type",
    },
    "history": {"outcome": "outcome", "mode": "history_mode"},
    "quotas": {"category": "category"},
}  # fmt: skip


def label(name: str, code: str) -> str:
    """The words a person reads for ``code`` of vocabulary ``name`` (``'country'``, ...)."""
    return builtin_vocabularies()[name].label(code)


@dataclass(frozen=True)
class WordProblem:
    """A problem of a campaign's ``vocabulary.toml``: ``[section] word = value``."""

    section: str
    word: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class Vocabularies:
    """The vocabularies a campaign is read with: the built-in ones plus its own words.

    ``partnerships``: the campaign's own spellings of partnerships (normal form -> name).
    """

    fields: Mapping[str, Vocabulary] = field(default_factory=builtin_vocabularies)
    partnerships: Mapping[str, str] = field(default_factory=dict)

    def for_column(self, table: str, column: str) -> Vocabulary | None:
        name = COLUMN_VOCABULARIES.get(table, {}).get(column)
        return None if name is None else self.fields[name]

    def partnership(self, value: str) -> str:
        """The campaign's spelling of a partnership (the value itself when it maps none)."""
        return self.partnerships.get(normal_form(value), value)

    def with_campaign_words(
        self, sections: Mapping[str, Any]
    ) -> tuple[Vocabularies, list[WordProblem]]:
        """These vocabularies extended with a campaign's ``vocabulary.toml`` content, and every
        problem of it (an unknown section, a value that is not text, a code no field knows)."""
        problems: list[WordProblem] = []
        extra: dict[str, dict[str, str]] = {}
        partnerships = dict(self.partnerships)
        for section, words in sections.items():
            name = SECTIONS.get(normal_form(section).replace(" ", "_"))
            if name is None:
                known = ", ".join(sorted(set(SECTIONS.values())))
                problems.append(WordProblem(section, None, None, f"is not a field ({known})"))
                continue
            if not isinstance(words, Mapping):
                message = "must be a table of 'word = code' lines"
                problems.append(WordProblem(section, None, str(words), message))
                continue
            for word, value in words.items():
                if not isinstance(value, str) or not value.strip():
                    problems.append(WordProblem(section, word, str(value), "is not a word"))
                elif name == "partnership":
                    partnerships[normal_form(word)] = value.strip()
                else:
                    meant, code = self.fields[name].lookup(word), self.fields[name].lookup(value)
                    inferred = name == "sector" and normal_form(word) in _INFERRED_SECTORS
                    if meant is not None and code is not None and meant != code and not inferred:
                        message = (
                            f"cannot be its meaning: {word!r} means {meant!r} already (a "
                            "campaign's words add to the codes and the IT tool's words, never "
                            "change what one of them means)"
                        )
                        problems.append(WordProblem(section, word, value, message))
                        continue
                    targets = [name, "history_mode"] if name == "mode" else [name]
                    for target in targets:
                        code = self.fields[target].lookup(value)
                        if code is not None:
                            extra.setdefault(target, {})[word] = code
                    if name not in extra or word not in extra[name]:
                        message = self.fields[name].unknown(value)
                        problems.append(WordProblem(section, word, value, message))
        fields = {
            name: vocab.extended(extra[name]) if name in extra else vocab
            for name, vocab in self.fields.items()
        }
        return Vocabularies(fields, partnerships), problems
