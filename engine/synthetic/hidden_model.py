"""The hidden acceptance model behind generated history: the ground truth a learner should find.

For a visitor ``v`` and a host ``h`` the generator draws past decisions from

    logit(v, h) = HIDDEN_INTERCEPT + sum_k HIDDEN_WEIGHTS[k] * feature_k(v, h) + eps,
    eps ~ Normal(0, HIDDEN_NOISE_SD),   P(accept) = sigmoid(logit)

with the features (each 0/1 except the text similarity, which lies in [0, 1]):

==============================  ======  ===================================================
feature                         weight  1 when
==============================  ======  ===================================================
``sector_overlap``               +1.6   the two organisations share a NACE division
``same_section``                 +0.8   they share a NACE section (letter)
``host_type_targeted``           +1.0   the visitor names target org types and the host's is one
``visitor_type_targeted``        +0.7   the host names target org types and the visitor's is one
``country_targets_met``          +0.6   at least one side names target countries and every side
                                        that does gets one of them
``shared_non_english_language``  +0.9   they share a language other than English
``exchange_type_overlap``        +0.4   they share an exchange type
``seek_offer_similarity``        +1.2   cosine of the theme words (:func:`theme_words`) of the
                                        visitor's ``seek`` and the host's ``offer`` (in [0, 1])
``same_partnership``             -0.5   both name the same partnership
==============================  ======  ===================================================

:func:`hidden_acceptance_probability` returns ``sigmoid`` of the logit *without* the noise
term: the systematic part a model fitted on history can recover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import EXCHANGE_TYPES, LIST_SEPARATOR, ORG_TYPES
from engine.domain.reference import canonical_country, cosme_countries, nace_divisions
from engine.synthetic.catalog import WORD_PATTERN, theme_words

HIDDEN_INTERCEPT = -2.5
HIDDEN_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "sector_overlap": 1.6,
        "same_section": 0.8,
        "host_type_targeted": 1.0,
        "visitor_type_targeted": 0.7,
        "country_targets_met": 0.6,
        "shared_non_english_language": 0.9,
        "exchange_type_overlap": 0.4,
        "seek_offer_similarity": 1.2,
        "same_partnership": -0.5,
    }
)
HIDDEN_NOISE_SD = 0.5  # per-decision noise on the logit, not recoverable from profiles
HIDDEN_FEATURES: tuple[str, ...] = tuple(HIDDEN_WEIGHTS)


def _elements(cell: Any) -> Iterable[str]:
    """The elements of a list cell: a list/tuple/array, or ``;``-joined text."""
    if isinstance(cell, list | tuple):
        return cell
    if isinstance(cell, str):
        return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [str(part) for part in cell]


def _pack(rows: Sequence[Iterable[str]], vocabulary: Sequence[str]) -> np.ndarray:
    """Sets of tokens as packed bit rows, shape ``(len(rows), ceil(len(vocabulary) / 8))``."""
    position = {token: i for i, token in enumerate(vocabulary)}
    bits = np.zeros((len(rows), max(1, len(vocabulary))), dtype=bool)
    for i, row in enumerate(rows):
        for token in row:
            column = position.get(token)
            if column is not None:
                bits[i, column] = True
    return np.packbits(bits, axis=1)


def _meets(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return np.bitwise_and(left, right).any(axis=1)


def _count(packed: np.ndarray) -> np.ndarray:
    return np.bitwise_count(packed).sum(axis=1, dtype=np.int64)


class PairEncoding:
    """A profiles table encoded once, so features of many pairs are cheap array operations.

    Rows are positions in the table (``iloc``), whatever its index.
    """

    def __init__(self, profiles: pd.DataFrame) -> None:
        divisions = nace_divisions()
        division_codes = [str(code) for code in divisions.index]
        section_of = dict(zip(division_codes, divisions["section"].astype(str), strict=True))
        countries = [str(code) for code in cosme_countries().index]
        sectors = [list(_elements(cell)) for cell in profiles["sectors"].tolist()]
        languages = [list(_elements(cell)) for cell in profiles["languages"].tolist()]
        language_vocabulary = sorted({code for row in languages for code in row} - {"en"})
        country = [
            canonical_country(code) or "" for code in profiles["country"].astype(str).tolist()
        ]
        target_countries = [
            [canonical_country(code) or "" for code in _elements(cell)]
            for cell in profiles["target_countries"].tolist()
        ]

        self.sectors = _pack(sectors, division_codes)
        self.sections = _pack(
            [[section_of.get(code, "") for code in row] for row in sectors],
            sorted(set(section_of.values())),
        )
        self.org_type = _pack(
            [[value] for value in profiles["org_type"].astype(str).tolist()], ORG_TYPES
        )
        self.target_org_types = _pack(
            [list(_elements(cell)) for cell in profiles["target_org_types"].tolist()], ORG_TYPES
        )
        self.country = _pack([[code] for code in country], countries)
        self.target_countries = _pack(target_countries, countries)
        self.non_english_languages = _pack(languages, language_vocabulary)
        self.english = np.array(["en" in row for row in languages], dtype=bool)
        self.exchange_types = _pack(
            [list(_elements(cell)) for cell in profiles["exchange_types"].tolist()], EXCHANGE_TYPES
        )
        vocabulary = theme_words()
        self.seek_words = _pack(_theme_tokens(profiles["seek"]), vocabulary)
        self.offer_words = _pack(_theme_tokens(profiles["offer"]), vocabulary)
        self.partnership = pd.factorize(profiles["partnership"].astype(str))[0]
        self.country_code = np.array(country, dtype=object)

    def features(self, visitor_idx: np.ndarray, host_idx: np.ndarray) -> np.ndarray:
        """The hidden features of aligned pairs, shape ``(n, len(HIDDEN_FEATURES))``."""
        v = np.asarray(visitor_idx, dtype=np.int64)
        h = np.asarray(host_idx, dtype=np.int64)
        visitor_targets = self.target_countries[v].any(axis=1)
        host_targets = self.target_countries[h].any(axis=1)
        visitor_met = _meets(self.target_countries[v], self.country[h])
        host_met = _meets(self.target_countries[h], self.country[v])
        country_targets_met = (
            (visitor_targets | host_targets)
            & (~visitor_targets | visitor_met)
            & (~host_targets | host_met)
        )
        seek, offer = self.seek_words[v], self.offer_words[h]
        norms = np.sqrt(_count(seek) * _count(offer))
        shared_words = _count(np.bitwise_and(seek, offer))
        similarity = np.divide(
            shared_words, norms, out=np.zeros(len(v), dtype=float), where=norms > 0
        )
        columns = {
            "sector_overlap": _meets(self.sectors[v], self.sectors[h]),
            "same_section": _meets(self.sections[v], self.sections[h]),
            "host_type_targeted": _meets(self.target_org_types[v], self.org_type[h]),
            "visitor_type_targeted": _meets(self.target_org_types[h], self.org_type[v]),
            "country_targets_met": country_targets_met,
            "shared_non_english_language": _meets(
                self.non_english_languages[v], self.non_english_languages[h]
            ),
            "exchange_type_overlap": _meets(self.exchange_types[v], self.exchange_types[h]),
            "seek_offer_similarity": similarity,
            "same_partnership": self.partnership[v] == self.partnership[h],
        }
        return np.column_stack([np.asarray(columns[name], dtype=float) for name in HIDDEN_FEATURES])

    def share_language(self, visitor_idx: np.ndarray, host_idx: np.ndarray) -> np.ndarray:
        """The two profiles have a language in common (English included)."""
        v = np.asarray(visitor_idx, dtype=np.int64)
        h = np.asarray(host_idx, dtype=np.int64)
        shared = _meets(self.non_english_languages[v], self.non_english_languages[h])
        return shared | (self.english[v] & self.english[h])

    def logit(self, visitor_idx: np.ndarray, host_idx: np.ndarray) -> np.ndarray:
        """The systematic (noise-free) acceptance logit of aligned pairs."""
        weights = np.array([HIDDEN_WEIGHTS[name] for name in HIDDEN_FEATURES])
        features = self.features(visitor_idx, host_idx)
        return HIDDEN_INTERCEPT + features @ weights


def _theme_tokens(texts: pd.Series) -> list[list[str]]:
    return [WORD_PATTERN.findall(text.lower()) for text in texts.fillna("").astype(str).tolist()]


def sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def hidden_features(
    profiles: pd.DataFrame,
    visitor_idx: Sequence[int] | np.ndarray,
    host_idx: Sequence[int] | np.ndarray,
) -> pd.DataFrame:
    """The hidden model's features of aligned pairs of profile *positions* (``iloc``)."""
    encoding = PairEncoding(profiles)
    values = encoding.features(np.asarray(visitor_idx), np.asarray(host_idx))
    return pd.DataFrame(values, columns=list(HIDDEN_FEATURES))


def hidden_acceptance_probability(
    profiles: pd.DataFrame,
    visitor_idx: Sequence[int] | np.ndarray,
    host_idx: Sequence[int] | np.ndarray,
) -> np.ndarray:
    """Ground-truth P(accept) of the pairs ``(visitor_idx[i], host_idx[i])``, noise-free.

    Indices are row *positions* in ``profiles`` (``iloc``). Works on the generator's frames
    (list cells) as well as on a loaded :class:`~engine.domain.contract.Campaign`'s profiles (tuples).
    """
    encoding = PairEncoding(profiles)
    return sigmoid(encoding.logit(np.asarray(visitor_idx), np.asarray(host_idx)))
