"""Reference data shipped with the package: COSME countries, NACE Rev. 2, languages, and the
spellings people use for them (:class:`~engine.domain.spelling.Vocabulary`).

* countries: ISO 3166-1 alpha-2 and alpha-3 codes, the EU code (``EL`` for Greece), English
  short names and the usual variants (Greece, Czechia / Czech Republic, Türkiye / Turkey,
  Kosovo, North Macedonia, Moldova); the canonical code is ISO alpha-2 (``GR``, ``XK``);
* languages: ISO 639-1 and 639-2 (T and B) codes and English names (German, Greek, Catalan);
  the canonical code is ISO 639-1;
* sectors: a NACE Rev. 2 division in any common form (``C29``, ``29``, ``C.29``, ``c 29``; a
  group or class such as ``29.1`` or ``C29.10`` stands for its division) or the official name
  of a division, group or class (``Manufacture of motor vehicles, trailers and
  semi-trailers``, ``Manufacture of motor vehicles``); the canonical code is ``C29``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

import pandas as pd

from engine.domain.spelling import Vocabulary, normal_form, vocabulary


def _read(name: str) -> pd.DataFrame:
    with resources.files("engine.domain.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


# --- countries -------------------------------------------------------------------------------

# Spellings beyond the table's codes and English short names (the canonical alpha-2 code wins).
COUNTRY_SPELLINGS: dict[str, str] = {
    "Czech Republic": "CZ", "Česko": "CZ", "Türkiye": "TR", "Republic of Türkiye": "TR",
    "Republic of Turkey": "TR", "Macedonia": "MK", "Republic of North Macedonia": "MK",
    "Former Yugoslav Republic of Macedonia": "MK", "Republic of Moldova": "MD",
    "Moldova, Republic of": "MD", "Bosnia": "BA", "Bosnia-Herzegovina": "BA",
    "Republic of Kosovo": "XK", "Hellas": "GR", "Hellenic Republic": "GR", "Ελλάδα": "GR",
    "Ελλάς": "GR", "The Netherlands": "NL", "Holland": "NL", "Slovak Republic": "SK",
    "Republic of Ireland": "IE", "Éire": "IE", "Deutschland": "DE", "España": "ES",
    "Italia": "IT", "Polska": "PL", "Österreich": "AT", "Belgique": "BE", "België": "BE",
    "Magyarország": "HU", "Hrvatska": "HR", "Shqipëria": "AL", "Republic of Cyprus": "CY",
    "Grand Duchy of Luxembourg": "LU", "Portuguese Republic": "PT",
}  # fmt: skip
# Spellings of the countries most often wrongly assumed eligible, beyond the reference table.
NON_PARTICIPANT_SPELLINGS: dict[str, str] = {
    "UK": "GB", "Great Britain": "GB", "Britain": "GB", "England": "GB", "Scotland": "GB",
    "Wales": "GB", "Northern Ireland": "GB", "Swiss Confederation": "CH", "Schweiz": "CH",
    "Suisse": "CH", "Norge": "NO",
}  # fmt: skip


@cache
def cosme_countries() -> pd.DataFrame:
    """The 38 COSME participating countries, indexed by canonical ISO alpha-2 (GR, XK)."""
    table = _read("cosme_countries.csv")
    table["lump_sum_threshold_eur"] = table["lump_sum_threshold_eur"].astype(float)
    return table.set_index("iso2")


@cache
def country_vocabulary() -> Vocabulary:
    """Every accepted spelling of a COSME country -> its canonical ISO alpha-2 code."""
    table = cosme_countries()
    spellings = [
        (str(spelling), str(iso2))
        for iso2, row in table.iterrows()
        for spelling in (row["iso3"], row["eu_code"], row["country"])
    ]
    return vocabulary(
        "COSME participating country",
        [str(code) for code in table.index],
        {str(code): str(name) for code, name in table["country"].items()},
        [*spellings, *COUNTRY_SPELLINGS.items()],
        hint="an ISO code such as DE or DEU, EL for Greece, or an English name",
        show_code=True,
    )


@cache
def country_aliases() -> dict[str, str]:
    """Accepted spellings of a country (normal form) -> canonical ISO alpha-2 (el -> GR)."""
    return dict(country_vocabulary().aliases)


def canonical_country(code: str) -> str | None:
    """The canonical code of a COSME country, or None if ``code`` names no COSME participant."""
    return country_vocabulary().lookup(code)


def country_name(code: str) -> str:
    """The English short name of a COSME country (its code when it is not one)."""
    return country_vocabulary().label(code)


@cache
def _non_participants() -> dict[str, str]:
    table = _read("cosme_non_participants_reference.csv")
    names = dict(zip(table["iso2"], table["country"], strict=True))
    keys = {normal_form(word): names[iso2] for word, iso2 in NON_PARTICIPANT_SPELLINGS.items()}
    for row in table.itertuples(index=False):
        for spelling in (row.iso2, row.iso3, row.country):
            keys[normal_form(str(spelling))] = str(row.country)
    return keys


def non_participant(value: str) -> str | None:
    """The English name of a country that is not a COSME participant (Norway, Switzerland, the
    UK, or any other country ISO 3166 knows), or None when ``value`` names no country."""
    key = normal_form(value)
    if not key or canonical_country(value) is not None:
        return None
    if key in _non_participants():
        return _non_participants()[key]
    import pycountry

    try:
        found = pycountry.countries.lookup(str(value).strip())
    except LookupError:
        return None
    return str(getattr(found, "common_name", found.name))


# --- languages -------------------------------------------------------------------------------

# English names people write (and the labels outputs show); others come from ISO 639 itself.
LANGUAGE_LABELS: dict[str, str] = {
    "bg": "Bulgarian", "bs": "Bosnian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "eu": "Basque", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician",
    "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "is": "Icelandic", "it": "Italian",
    "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian", "mk": "Macedonian",
    "mt": "Maltese", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
    "sr": "Serbian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian",
}  # fmt: skip
LANGUAGE_SPELLINGS: dict[str, str] = {
    "Modern Greek": "el", "Slovene": "sl", "Farsi": "fa", "Flemish": "nl", "Castilian": "es",
    "Valencian": "ca", "Moldovan": "ro", "Moldavian": "ro", "Irish Gaelic": "ga",
    "Deutsch": "de", "Français": "fr", "Español": "es", "Italiano": "it", "Ελληνικά": "el",
}  # fmt: skip


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes."""
    return frozenset(language_vocabulary().codes)


def _iso_names(language: object) -> Iterator[str]:
    for attribute in ("name", "common_name", "inverted_name"):
        name = getattr(language, attribute, None)
        if name:
            yield name
            for part in str(name).split(";"):
                yield re.sub(r"\s*\(.*?\)", "", part).strip()


@cache
def language_vocabulary() -> Vocabulary:
    """Every accepted spelling of a language -> its ISO 639-1 code."""
    import pycountry

    languages = sorted(
        (lang for lang in pycountry.languages if hasattr(lang, "alpha_2")),
        key=lambda lang: lang.alpha_2,
    )
    labels = {
        lang.alpha_2: LANGUAGE_LABELS.get(lang.alpha_2, next(_iso_names(lang), lang.alpha_2))
        for lang in languages
    }
    codes = [
        (str(getattr(lang, attribute)), lang.alpha_2)
        for lang in languages
        for attribute in ("alpha_3", "bibliographic")
        if hasattr(lang, attribute)
    ]
    names = [(name, lang.alpha_2) for lang in languages for name in _iso_names(lang)]
    return vocabulary(
        "language",
        [lang.alpha_2 for lang in languages],
        labels,
        [*codes, *LANGUAGE_SPELLINGS.items(), *names],
        hint="an ISO 639-1 or 639-2 code such as de or deu, or an English name such as German",
        show_code=True,
    )


def language_name(code: str) -> str:
    return language_vocabulary().label(code)


# --- NACE Rev. 2 -----------------------------------------------------------------------------

_NACE_CODE = re.compile(r"([A-U])?\s*[.\-]?\s*(\d{1,2})(?:\s*\.\s*(\d{1,2})|(\d{2}))?")


@cache
def nace_divisions() -> pd.DataFrame:
    """NACE Rev. 2 divisions indexed by code in the form section+division (``C29``)."""
    table = _read("nace_rev2_divisions.csv")
    table["code"] = table["section"] + table["division"]
    return table.set_index("code")


@cache
def nace_tree() -> pd.DataFrame:
    """The whole NACE Rev. 2 tree: ``code, level, level_name, parent_code, section, name``."""
    return _read("nace_rev2.csv")


@cache
def nace_aliases() -> dict[str, str]:
    """Division codes without and with their section (``29``, ``C29``) -> canonical ``C29``."""
    aliases: dict[str, str] = {}
    for code, row in nace_divisions().iterrows():
        aliases[str(code)] = str(code)
        aliases[str(row["division"])] = str(code)
    return aliases


@cache
def it_tool_sectors() -> dict[str, str]:
    """The IT tool's sector words (its screens list "Automotive, Footwear", "Apparel, Metal
    Mining", "Electric Power General...": seed 001, the European cluster mapping's industries)
    -> the NACE Rev. 2 division each stands for (an inference: ``it_tool_sectors.csv``; a
    campaign's ``vocabulary.toml`` may say otherwise)."""
    table = _read("it_tool_sectors.csv")
    return dict(zip(table["word"].astype(str), table["division"].astype(str), strict=True))


def _nace_code(value: str, strict: bool = True) -> str | None:
    """The division of a code written ``C29``, ``29``, ``C.29``, ``29.1``, ``C29.10``, ``2910``
    (a group or class must exist; a section letter must be the division's). Not ``strict``:
    the division of any code-like value whose division exists (the nearest code to suggest)."""
    match = _NACE_CODE.fullmatch(value.strip().upper())
    if match is None:
        return None
    letter, division, lower = match.group(1), match.group(2).zfill(2), match.group(3)
    lower = lower or match.group(4)
    code = nace_aliases().get(division)
    if code is None or not strict:
        return code
    if letter is not None and code[0] != letter:
        return None
    if lower is not None:
        known = set(nace_tree()["code"])
        if f"{division}.{lower}" not in known and f"{division}.{lower.zfill(2)}" not in known:
            return None
    return code


def _nace_name_spellings() -> list[tuple[str, str]]:
    """Division names first, then group and class names that name one division only."""
    tree = nace_tree()
    division_of = {str(row["division"]): str(code) for code, row in nace_divisions().iterrows()}
    lower = tree[tree["level"].isin(["3", "4"])]
    divisions = lower["code"].str.slice(0, 2).map(division_of)
    by_name: dict[str, set[str]] = {}
    for name, code in zip(lower["name"], divisions, strict=True):
        by_name.setdefault(normal_form(name), set()).add(str(code))
    names = [(str(n), str(c)) for c, n in nace_divisions()["name"].items()]
    names += [
        (str(name), str(code))
        for name, code in zip(lower["name"], divisions, strict=True)
        if len(by_name[normal_form(name)]) == 1
    ]
    return names


@cache
def sector_vocabulary() -> Vocabulary:
    """Every accepted spelling of a NACE Rev. 2 division -> its canonical code (``C29``)."""
    divisions = nace_divisions()
    return vocabulary(
        "NACE Rev. 2 division",
        [str(code) for code in divisions.index],
        {str(code): str(name) for code, name in divisions["name"].items()},
        [*nace_aliases().items(), *_nace_name_spellings(), *it_tool_sectors().items()],
        hint="a code such as C29, 29 or 29.1, or the name of a division",
        show_code=True,
        parse=_nace_code,
        near=lambda value: _nace_code(value, strict=False),
    )


def canonical_nace(code: str) -> str | None:
    """The division (``C29``) of a NACE code or name, or None."""
    return sector_vocabulary().lookup(code)


@cache
def nace_sections() -> dict[str, str]:
    """NACE Rev. 2 sections: letter -> name (``C`` -> ``Manufacturing``)."""
    table = _read("nace_rev2_sections.csv")
    return dict(zip(table["section"], table["name"], strict=True))


def nace_name(code: str) -> str:
    table = nace_divisions()
    return str(table.loc[code, "name"]) if code in table.index else code
