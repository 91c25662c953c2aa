"""Reference data shipped with the package: COSME countries, NACE Rev. 2 divisions, languages."""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd


def _read(name: str) -> pd.DataFrame:
    with resources.files("engine.domain.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def cosme_countries() -> pd.DataFrame:
    """The 38 COSME participating countries, indexed by canonical ISO alpha-2 (GR, XK)."""
    table = _read("cosme_countries.csv")
    table["lump_sum_threshold_eur"] = table["lump_sum_threshold_eur"].astype(float)
    return table.set_index("iso2")


@cache
def country_aliases() -> dict[str, str]:
    """Accepted spellings of a country code -> canonical ISO alpha-2 (EL -> GR)."""
    table = cosme_countries()
    aliases = {code: code for code in table.index}
    aliases.update({row.eu_code: iso2 for iso2, row in table.iterrows()})
    return aliases


def canonical_country(code: str) -> str | None:
    """The canonical code of a COSME country, or None if the code is not a COSME participant."""
    return country_aliases().get(str(code).strip().upper())


@cache
def nace_divisions() -> pd.DataFrame:
    """NACE Rev. 2 divisions indexed by code in the form section+division (``C29``)."""
    table = _read("nace_rev2_divisions.csv")
    table["code"] = table["section"] + table["division"]
    return table.set_index("code")


@cache
def nace_aliases() -> dict[str, str]:
    """Accepted spellings of a division (``C29``, ``29``, ``c29``) -> canonical ``C29``."""
    table = nace_divisions()
    aliases: dict[str, str] = {}
    for code, row in table.iterrows():
        aliases[str(code)] = str(code)
        aliases[row["division"]] = str(code)
    return aliases


def canonical_nace(code: str) -> str | None:
    return nace_aliases().get(str(code).strip().upper())


@cache
def nace_sections() -> dict[str, str]:
    """NACE Rev. 2 sections: letter -> name (``C`` -> ``Manufacturing``)."""
    table = _read("nace_rev2_sections.csv")
    return dict(zip(table["section"], table["name"], strict=True))


def nace_name(code: str) -> str:
    table = nace_divisions()
    return str(table.loc[code, "name"]) if code in table.index else code


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes."""
    import pycountry

    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))
