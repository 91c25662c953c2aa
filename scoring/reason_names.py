"""Display names for reasons (sectors, sections, languages, countries) from the reference data."""

from __future__ import annotations

from functools import cache

from engine.domain.reference import cosme_countries, language_codes, nace_divisions, nace_sections
from scoring.reason_phrases import ReasonNames


@cache
def reason_names() -> ReasonNames:
    """Display names for reasons, from the reference data shipped with the engine."""
    import pycountry

    divisions = nace_divisions()
    sections = nace_sections()
    countries = cosme_countries()
    languages = {}
    for code in language_codes():
        language = pycountry.languages.get(alpha_2=code)
        if language is not None:  # "Modern Greek (1453-)" -> "Modern Greek"
            languages[code] = str(language.name).split(" (")[0]
    return ReasonNames(
        sectors={str(code): str(name) for code, name in divisions["name"].items()},
        sections=sections,
        languages=languages,
        countries={str(code): str(name) for code, name in countries["country"].items()},
    )
