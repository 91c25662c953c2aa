"""Feature blocks as planes: the one matrix-vector product every linear part uses."""

from __future__ import annotations

import numpy as np


def weighted_sum(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """features @ weights over the last axis, float32, fast for both layouts.

    Blocks from :func:`scoring.features.compute_features` are stored feature-major (the last
    axis has the largest stride); they are read as a (n_features, pairs) matrix, one BLAS
    call, without a copy."""
    weights = np.asarray(weights, dtype=np.float32)
    features = np.asarray(features)
    if features.ndim >= 2 and features.strides[-1] > features.itemsize:
        planes = np.moveaxis(features, -1, 0)
        if planes.flags.c_contiguous:
            flat = planes.reshape(len(weights), -1)
            return (weights @ flat).reshape(features.shape[:-1])
    return np.asarray(features @ weights, dtype=np.float32)
