"""Lump sums: what the visitor's partnership pays for a physical exchange.

The amount is the threshold of the host country (configuration: the policy's ``lump_sums``
table, by default ``lump_sum_threshold_eur`` of the bundled COSME country table, an inference
from Erasmus for Young Entrepreneurs, see DOMAIN.md), whatever the stay's length: the IT
tool shows "Max Lump Sum: 830 €" for a stay of 3 working days in Belgium (seed 002). The
programme's public page halves it for stays under 5 working days (DOMAIN.md, not a seed):
the policy's ``short_stay_rate = 0.5`` does so. Virtual exchanges get no lump sum. The
official rule also halves it for partners under 200 km apart; profiles carry no
coordinates, so that is not applied.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.domain.reference import cosme_countries

FULL_RATE_DAYS = 5  # stays of fewer working days get the policy's short_stay_rate of it


def lump_sum_table(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Threshold per canonical host country, with the policy's overrides applied."""
    table = {str(k): float(v) for k, v in cosme_countries()["lump_sum_threshold_eur"].items()}
    table.update({str(k): float(v) for k, v in (overrides or {}).items()})
    return table


def lump_sums(
    host_country: np.ndarray,
    stay_days: np.ndarray,
    physical: np.ndarray,
    table: Mapping[str, float],
    short_stay_rate: float,
) -> np.ndarray:
    """Lump sum in EUR (float) per exchange."""
    threshold = np.array([table.get(str(country), 0.0) for country in host_country], dtype=float)
    rate = np.where(np.asarray(stay_days) < FULL_RATE_DAYS, short_stay_rate, 1.0)
    return np.where(np.asarray(physical, dtype=bool), threshold * rate, 0.0).round(2)


def lump_sum(threshold: float, stay_days: int | None, short_stay_rate: float) -> float:
    """One physical exchange's lump sum in EUR; a stay of unknown length (None) at the whole
    threshold."""
    short = stay_days is not None and stay_days < FULL_RATE_DAYS
    return round(threshold * (short_stay_rate if short else 1.0), 2)
