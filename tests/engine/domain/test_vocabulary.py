"""One vocabulary, many spellings: every field's codes, labels and the words people and the CXC
IT tool write, normalised for case, accents, spaces, punctuation, '&', '/', '-' and '_'."""

from __future__ import annotations

import pytest

from engine.domain.contract import EXCHANGE_TYPES, ORG_TYPES, QUOTA_CATEGORIES
from engine.domain.reference import (
    canonical_country,
    canonical_nace,
    country_vocabulary,
    language_vocabulary,
    non_participant,
    sector_vocabulary,
)
from engine.domain.spelling import normal_form
from engine.domain.vocabulary import (
    CATEGORY_LABELS,
    EXCHANGE_TYPE_LABELS,
    ORG_TYPE_LABELS,
    Vocabularies,
    builtin_vocabularies,
)


def test_normal_form_ignores_what_people_vary() -> None:
    spellings = [
        "Learning / skills development",
        "learning_skills_development",
        "  LEARNING - Skills   Development ",
        "Learning/Skills-Development",
    ]
    assert {normal_form(text) for text in spellings} == {"learning skills development"}
    assert normal_form("Networking & events") == normal_form("networking_and_events")
    assert normal_form("Türkiye") == "turkiye"
    assert normal_form("Ελλάδα") == "ελλαδα"
    assert normal_form("(digital) innovation hub") == "digital innovation hub"
    # an acronym with its dots is the acronym (the IT-tool audit: "Fab.Lab" read, "S.M.E." not)
    assert normal_form("S.M.E.") == normal_form("s.m.e") == normal_form("SME") == "sme"
    assert normal_form("Fab.Lab") == "fab lab" and normal_form("C.29") == "c 29"
    assert normal_form("29.10") == "29 10"


@pytest.mark.parametrize("name", sorted(builtin_vocabularies()))
def test_every_code_and_label_reads_back_as_its_own_code(name: str) -> None:
    vocab = builtin_vocabularies()[name]
    for code in vocab.codes:
        assert vocab.lookup(code) == code, code
        assert vocab.lookup(vocab.label(code)) == code, vocab.label(code)
        assert vocab.lookup(f"  {vocab.label(code).upper()} ") == code


def test_labels_cover_every_code() -> None:
    assert set(ORG_TYPE_LABELS) == set(ORG_TYPES)
    assert set(EXCHANGE_TYPE_LABELS) == set(EXCHANGE_TYPES)
    assert set(CATEGORY_LABELS) == set(QUOTA_CATEGORIES)


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("cluster organisation", "cluster_organisation"),
        ("Cluster Organization", "cluster_organisation"),
        ("Business Network", "cluster_organisation"),  # the IT tool's word (seed 002)
        ("technology centre", "technology_centre"),
        ("Technology Center", "technology_centre"),  # the IT tool's match list (seed 001)
        ("research institute", "research_institute"),
        ("fab lab", "fab_lab"),
        ("FabLab", "fab_lab"),
        ("resource-efficiency service provider", "resource_efficiency_provider"),
        ("(digital) innovation hub", "innovation_hub"),
        ("Digital Innovation Hub", "innovation_hub"),
        ("creative hub", "creative_hub"),
        ("Creative Hub", "creative_hub"),
        ("incubator", "incubator"),
        ("accelerator", "accelerator"),
        ("public authority", "public_authority"),
        ("public authorities", "public_authority"),
        ("innovation agency", "innovation_agency"),
        ("SME", "sme"),
        ("SMEs", "sme"),
        ("large company", "large_company"),
        ("Large companies", "large_company"),
        # the audit: refused, with 'did you mean Large company?'
        ("Micro enterprise", "sme"),
        ("Medium-sized enterprise", "sme"),
    ],
)
def test_organisation_types_of_the_call_text(word: str, code: str) -> None:
    assert builtin_vocabularies()["org_type"].lookup(word) == code


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Networking and events", "networking_events"),
        ("Networking", "networking_events"),
        ("networking_and_events", "networking_events"),
        ("Networking & Events", "networking_events"),
        ("Group event", "group_event"),
        ("Research, development and innovation", "research_development_innovation"),
        ("R&D", "research_development_innovation"),
        ("Exploring new markets", "exploring_new_markets"),
        ("Pitch training", "pitch_training"),
        ("Learning / skills development", "learning_skills"),
        ("learning_skills_development", "learning_skills"),
    ],
)
def test_exchange_types_of_the_it_tool(word: str, code: str) -> None:
    assert builtin_vocabularies()["exchange_type"].lookup(word) == code


@pytest.mark.parametrize(
    "word", ["Physical or virtual", "both", "Physical/Virtual", "Virtual / physical"]
)
def test_either_mode_in_the_words_people_write(word: str) -> None:
    """The audit: "Physical/Virtual" was refused though "/" is read as a space."""
    assert builtin_vocabularies()["mode"].lookup(word) == "either"


def test_internships_are_no_exchange_type() -> None:
    vocab = builtin_vocabularies()["exchange_type"]
    assert vocab.lookup("Internship") is None
    assert "internships and HR prospecting are not exchanges" in vocab.unknown("Internship")


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("GR", "GR"), ("EL", "GR"), ("GRC", "GR"), ("Greece", "GR"), ("greece ", "GR"),
        ("Czechia", "CZ"), ("Czech Republic", "CZ"), ("Türkiye", "TR"), ("Turkey", "TR"),
        ("Kosovo", "XK"), ("XKX", "XK"), ("North Macedonia", "MK"), ("Moldova", "MD"),
        ("Republic of Moldova", "MD"), ("Bosnia and Herzegovina", "BA"), ("DEU", "DE"),
        ("Germany", "DE"), ("Ελλάδα", "GR"),
    ],
)  # fmt: skip
def test_countries_by_code_eu_code_and_english_name(word: str, code: str) -> None:
    assert canonical_country(word) == code


def test_countries_outside_cosme_are_named_not_suggested() -> None:
    for word, name in (("NO", "Norway"), ("Norway", "Norway"), ("UK", "United Kingdom"),
                       ("CH", "Switzerland"), ("US", "United States")):  # fmt: skip
        assert canonical_country(word) is None
        assert non_participant(word) == name
    assert non_participant("Greece") is None
    assert non_participant("Narnia") is None


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("de", "de"), ("DE", "de"), ("deu", "de"), ("ger", "de"), ("German", "de"),
        ("el", "el"), ("ell", "el"), ("gre", "el"), ("Greek", "el"), ("Modern Greek", "el"),
        ("Catalan", "ca"), ("cat", "ca"), ("english", "en"), ("Slovene", "sl"),
    ],
)  # fmt: skip
def test_languages_by_iso_639_code_and_english_name(word: str, code: str) -> None:
    assert language_vocabulary().lookup(word) == code


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("C29", "C29"), ("29", "C29"), ("c29", "C29"), ("C.29", "C29"), ("C 29", "C29"),
        ("29.1", "C29"), ("29.10", "C29"), ("C29.10", "C29"), ("2910", "C29"), ("1", "A01"),
        ("Manufacture of motor vehicles, trailers and semi-trailers", "C29"),
        ("manufacture of motor vehicles", "C29"),  # a group's name: its division
        ("Scientific research and development", "M72"),
        ("Architectural and engineering activities; technical testing and analysis", "M71"),
        ("Crop and animal production, hunting and related service activities", "A01"),
    ],
)  # fmt: skip
def test_sectors_by_nace_code_in_any_form_or_name(word: str, code: str) -> None:
    assert canonical_nace(word) == code


@pytest.mark.parametrize("word", ["A29", "C99", "29.9", "Manufacturing", "99.99", ""])
def test_what_is_not_a_division(word: str) -> None:
    assert canonical_nace(word) is None


def test_did_you_mean_names_the_field_and_the_nearest_label() -> None:
    fields = builtin_vocabularies()
    assert fields["org_type"].unknown("Technologie centre") == (
        "is not a known organisation type; did you mean 'Technology centre'?"
    )
    assert fields["country"].unknown("Grece").endswith("did you mean 'Greece' (GR)?")
    assert fields["language"].unknown("Germn").endswith("did you mean 'German' (de)?")
    assert (
        fields["sector"]
        .unknown("29.9")
        .endswith("did you mean 'Manufacture of motor vehicles, trailers and semi-trailers' (C29)?")
    )
    assert "did you mean" not in fields["language"].unknown("zz")


def test_campaign_words_extend_a_field_and_report_what_they_cannot_map() -> None:
    words = {
        "org_type": {"Univ.": "Research institute", "Pôle": "cluster_organisation"},
        "exchange_types": {"Study visit": "learning_skills"},
        "mode": {"Hybride": "either", "Présentiel": "physical"},
        "partnership": {"R4M": "RECiPE4Mobility"},
        "colour": {"red": "green"},
        "sector": {"Cars": "Manufacture of cars"},
        "country": {"Holland": 3},
    }
    extended, problems = Vocabularies().with_campaign_words(words)
    assert extended.fields["org_type"].lookup("univ") == "research_institute"
    assert extended.fields["org_type"].lookup("POLE") == "cluster_organisation"
    assert extended.fields["exchange_type"].lookup("study visit") == "learning_skills"
    assert extended.fields["mode"].lookup("hybride") == "either"
    assert extended.fields["history_mode"].lookup("presentiel") == "physical"
    assert extended.partnership("r4m") == "RECiPE4Mobility"
    assert builtin_vocabularies()["org_type"].lookup("Univ.") is None  # built-ins unchanged
    assert [(p.section, p.word) for p in problems] == [
        ("colour", None),
        ("sector", "Cars"),
        ("country", "Holland"),
    ]
    assert "did you mean" in problems[1].message


def test_sector_vocabulary_is_built_once() -> None:
    assert sector_vocabulary() is sector_vocabulary()
    assert country_vocabulary().lookup("EL") == "GR"
