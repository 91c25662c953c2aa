"""A candidate pair as several options, one row each (one per mode, or per lump sum it may
cost), of which its visitor takes at most one: each option fits its own slots and counts in its
own limited sets and budgets exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def as_options(
    candidates: pd.DataFrame, variants: Sequence[tuple[np.ndarray, Mapping[str, Any]]]
) -> pd.DataFrame:
    """Each candidate row once per variant whose mask holds it, with the variant's values
    (a value per row, or one for all), in row order then variant order, renumbered: a pair's
    options, one row each, of which its visitor takes at most one."""
    rows = np.arange(len(candidates))
    parts = [
        candidates[mask].assign(
            **{k: v[mask] if isinstance(v, np.ndarray) else v for k, v in values.items()},
            _row=rows[mask],
            _option=option,
        )
        for option, (mask, values) in enumerate(variants)
    ]
    ordered = pd.concat(parts).sort_values(["_row", "_option"], kind="stable")
    return ordered.drop(columns=["_row", "_option"]).reset_index(drop=True)
