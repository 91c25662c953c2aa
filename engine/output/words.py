"""Outputs in the words a person reads: the codes of enumerated columns shown as the labels of
the IT tool ('Physical', 'SME', 'Germany', 'German'), in the CSVs, the workbook and the report.
Machine files (``proposals.parquet``, ``candidates.parquet``, ``manifest.json``) keep the codes.
"""

from __future__ import annotations

import re

import pandas as pd

from engine.domain.vocabulary import label

# output column -> the vocabulary whose labels it shows
LABELLED_COLUMNS = {
    "mode": "mode",
    "category": "category",
    "visitor_country": "country",
    "host_country": "country",
    "group_language": "language",
}


def in_words(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the codes of :data:`LABELLED_COLUMNS` replaced by their labels."""
    out = table.copy()
    for column, name in LABELLED_COLUMNS.items():
        if column in out.columns:
            codes = out[column]
            out[column] = codes.map(lambda code, name=name: _label(name, code))
    if "diagnosis" in out.columns:  # kpis.csv's sentences: their category codes in words
        out["diagnosis"] = out["diagnosis"].map(
            lambda text: diagnosis_in_words(text) if isinstance(text, str) and text else text
        )
    return out


def _label(name: str, code: object) -> object:
    if not isinstance(code, str) or not code:
        return code
    return label(name, code)


# the quota categories inside a sentence
IN_A_SENTENCE = {
    "total": "overall",
    "sme": "SME",
    "cluster": "cluster organisation",
    "technology_centre": "technology centre",
    "scaling_up": "scaling-up support organisation",
    "public": "public authority or innovation agency",
}


def diagnosis_in_words(text: str, partnership: str = "") -> str:
    """The engine's diagnosis with its category codes in words ('technology_centre target'
    -> 'technology centre target', 'sme visitors' -> 'SME visitors'), without the
    partnership's name where the page already says it."""
    if partnership:
        text = text.replace(f"partnership {partnership} cannot", "cannot")
    for code, words in IN_A_SENTENCE.items():
        text = re.sub(rf"\b{code}\b", words, text)
    text = re.sub(r"\((\d+) [^,()]+ in the campaign", r"(\1 of them in the campaign", text)
    return text[:1].upper() + text[1:]
