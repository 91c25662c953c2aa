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

        def matrix(texts: pd.Series) -> sparse.csr_matrix:
            return vectorizer.transform(texts.fillna("").tolist()).tocsr()

        return cls(
            visitor_seek=matrix(visitor_seek),
            visitor_offer=matrix(visitor_offer),
            host_offer_t=np.ascontiguousarray(matrix(host_offer).T.toarray()),
            host_seek_t=np.ascontiguousarray(matrix(host_seek).T.toarray()),
        )

    def seek_offer(self, view: PairView) -> np.ndarray:
        """Cosine similarity of the visitor's seek to the host's offer."""
        return self._similarity(self.visitor_seek, self.host_offer_t, view)

    def offer_seek(self, view: PairView) -> np.ndarray:
        """Cosine similarity of the visitor's offer to the host's seek."""
        return self._similarity(self.visitor_offer, self.host_seek_t, view)

    @staticmethod
    def _similarity(rows: sparse.csr_matrix, columns_t: np.ndarray, view: PairView) -> np.ndarray:
        left = rows[view.visitor_index]
        if view.dense:
            return np.asarray(left @ columns_t[:, view.host_index], dtype=np.float32)
        right = columns_t[:, view.host_index].T
        return np.asarray(left.multiply(right).sum(axis=1), dtype=np.float32).ravel()
