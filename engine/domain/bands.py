"""The score bands of the official IT tool: red < 60, orange 60-80, green >= 80."""

from __future__ import annotations

import numpy as np


def band(scores: np.ndarray) -> np.ndarray:
    """The official tool's colours: red < 60, orange 60-80, green >= 80."""
    return np.select([scores >= 80, scores >= 60], ["green", "orange"], default="red")
