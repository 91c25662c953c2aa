"""Outputs in the words a person reads: the codes of enumerated columns shown as the labels of
the IT tool ('Physical', 'SME', 'Germany', 'German'), in the CSVs, the workbook and the report.
Machine files (``proposals.parquet``, ``candidates.parquet``, ``manifest.json``) keep the codes.
"""

from __future__ import annotations

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
    return out


def _label(name: str, code: object) -> object:
    if not isinstance(code, str) or not code:
        return code
    return label(name, code)
