"""Lump sums: what the visitor's partnership pays for a physical exchange.

The amount is capped by a threshold per host country (configuration: the policy's
``lump_sums`` table, by default ``lump_sum_threshold_eur`` of the bundled COSME country
table, an inference from Erasmus for Young Entrepreneurs, see DOMAIN.md), halved for stays
under 5 working days. Virtual exchanges get no lump sum. The official rule also halves it
for partners under 200 km apart; profiles carry no coordinates, so that is not applied.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from engine.domain.reference import cosme_countries

FULL_RATE_DAYS = 5  # stays of fewer working days get half the threshold


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
) -> np.ndarray:
    """Lump sum in EUR (float) per exchange."""
    threshold = np.array([table.get(str(country), 0.0) for country in host_country], dtype=float)
    rate = np.where(np.asarray(stay_days) < FULL_RATE_DAYS, 0.5, 1.0)
    return np.where(np.asarray(physical, dtype=bool), threshold * rate, 0.0).round(2)
