"""Lump sums of simulated exchanges: one small function over the engine's lump-sum rules.

A physical exchange pays the host country's threshold (``lump_sum_threshold_eur`` of
``engine/domain/data/cosme_countries.csv``, or the policy's ``lump_sums`` override), the policy's
``short_stay_rate`` of it for stays under 5 working days (1: the whole); a virtual exchange pays nothing (DOMAIN.md, "Exchanges"). The rule
itself lives in :mod:`engine.domain.lumpsums`, shared with the solver's budget caps.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.domain.lumpsums import lump_sum_table
from engine.domain.lumpsums import lump_sums as engine_lump_sums


def lump_sums(
    host_country: pd.Series,
    stay_days: pd.Series,
    mode: pd.Series,
    overrides: Mapping[str, float] | None = None,
    short_stay_rate: float = 1.0,
) -> np.ndarray:
    """The lump sum in EUR of each exchange (aligned Series, one row per exchange)."""
    return engine_lump_sums(
        host_country.astype(str).to_numpy(),
        stay_days.to_numpy(np.int64),
        mode.astype(str).to_numpy() == "physical",
        lump_sum_table(overrides),
        short_stay_rate,
    )
