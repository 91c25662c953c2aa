"""TF-IDF similarity of free texts: what the visitor seeks against what the host offers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from scoring.pairs import PairView

MAX_TERMS = 4096  # bounds the dense host matrices: terms x hosts x 4 bytes each


@dataclass(frozen=True)
class TextSimilarity:
    """Row-normalised TF-IDF matrices of the four texts, over one shared vocabulary."""

    visitor_seek: sparse.csr_matrix
    visitor_offer: sparse.csr_matrix
    host_offer_t: np.ndarray  # (terms, hosts) float32, dense for fast sparse @ dense
    host_seek_t: np.ndarray

    @classmethod
    def fit(
        cls,
        visitor_seek: pd.Series,
        visitor_offer: pd.Series,
        host_offer: pd.Series,
        host_seek: pd.Series,
    ) -> TextSimilarity:
        corpus = pd.concat([visitor_seek, visitor_offer, host_offer, host_seek]).fillna("")
        vectorizer = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, max_features=MAX_TERMS, dtype=np.float32
        )
        try:
            vectorizer.fit(corpus.tolist())
        except ValueError:  # every text empty or stop words only: no similarity to learn
            vectorizer = TfidfVectorizer(analyzer=lambda _text: ["<empty>"], dtype=np.float32)
            vectorizer.fit(corpus.tolist())

        terms = len(vectorizer.vocabulary_)

        def matrix(texts: pd.Series) -> sparse.csr_matrix:
            if texts.empty:  # a campaign of hosts only, or of visitors only
                return sparse.csr_matrix((0, terms), dtype=np.float32)
            return vectorizer.transform(texts.fillna("").tolist()).tocsr()

        return cls(
            visitor_seek=matrix(visitor_seek),
            visitor_offer=matrix(visitor_offer),
            host_offer_t=np.ascontiguousarray(matrix(host_offer).T.toarray()),
            host_seek_t=np.ascontiguousarray(matrix(host_seek).T.toarray()),
        )

    def subset(self, visitors: np.ndarray, hosts: np.ndarray) -> TextSimilarity:
        """The matrices of some visitors and hosts (positions), in that order."""
        return TextSimilarity(
            visitor_seek=self.visitor_seek[visitors],
            visitor_offer=self.visitor_offer[visitors],
            host_offer_t=np.ascontiguousarray(self.host_offer_t[:, hosts]),
            host_seek_t=np.ascontiguousarray(self.host_seek_t[:, hosts]),
        )

    def seek_offer(self, view: PairView) -> np.ndarray:
        """Cosine similarity of the visitor's seek to the host's offer."""
        return self._similarity(self.visitor_seek, self.host_offer_t, view)

    def offer_seek(self, view: PairView) -> np.ndarray:
        """Cosine similarity of the visitor's offer to the host's seek."""
        return self._similarity(self.visitor_offer, self.host_seek_t, view)

    @staticmethod
    def _similarity(rows: sparse.csr_matrix, columns_t: np.ndarray, view: PairView) -> np.ndarray:
        if view.dense:
            index = view.visitor_index
            first = int(index[0]) if len(index) else 0
            if np.array_equal(index, np.arange(first, first + len(index))):  # a slice: no copy
                left = rows[first : first + len(index)]
            else:
                left = rows[index]
            every_host = len(view.host_index) == columns_t.shape[1] and np.array_equal(
                view.host_index, np.arange(columns_t.shape[1])
            )
            right = columns_t if every_host else columns_t[:, view.host_index]
            return np.asarray(left @ right, dtype=np.float32)
        left = rows[view.visitor_index]
        right = columns_t[:, view.host_index].T
        return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float32).ravel()
