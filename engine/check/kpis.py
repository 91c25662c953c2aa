"""KPI progress per partnership and category, counted independently of the solver."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

import pandas as pd

from engine.domain.contract import POSITIVE_OUTCOMES, QUOTA_CATEGORIES, Campaign, org_category

logger = logging.getLogger(__name__)

KPI_COLUMNS = ("partnership", "category", "target", "achieved", "proposed", "shortfall")


def kpi_table(campaign: Campaign, proposals: pd.DataFrame) -> pd.DataFrame:
    """Quota progress per (partnership, category): target, achieved, proposed, shortfall.

    An exchange counts for the visitor's partnership, in the visitor's category and in
    ``total``. ``achieved`` counts the distinct exchanges (a pair and its mode) accepted or
    completed in the history, but not those cancelled (an accepted and a completed row of one
    exchange are one; a pair's virtual exchange and its later physical one are two). Rows: every
    quota, plus every (partnership, category) with an exchange but no quota (target 0).
    Visitors missing from the profiles cannot be attributed and are skipped.
    """
    category_of = {
        profile["profile_id"]: (str(profile["partnership"]), org_category(profile["org_type"]))
        for profile in campaign.profiles.to_dict("records")
    }
    history = campaign.history
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES)]
    undone = history[history["outcome"] == "cancelled"]
    cancelled = set(zip(undone["visitor_id"], undone["host_id"], undone["mode"], strict=True))
    exchanges = {
        exchange
        for exchange in zip(
            positive["visitor_id"], positive["host_id"], positive["mode"], strict=True
        )
        if exchange not in cancelled
    }
    achieved = _count_categories([visitor for visitor, _, _ in sorted(exchanges)], category_of)
    proposed = _count_categories(proposals["visitor_id"], category_of)
    targets = {
        (str(quota["partnership"]), str(quota["category"])): int(quota["target"])
        for quota in campaign.quotas.to_dict("records")
    }
    keys = sorted(
        set(targets) | set(achieved) | set(proposed),
        key=lambda key: (key[0], _category_rank(key[1]), key[1]),
    )
    records = [
        {
            "partnership": partnership,
            "category": category,
            "target": targets.get((partnership, category), 0),
            "achieved": achieved[(partnership, category)],
            "proposed": proposed[(partnership, category)],
        }
        for partnership, category in keys
    ]
    table = pd.DataFrame.from_records(records, columns=list(KPI_COLUMNS[:-1]))
    table["shortfall"] = (table["target"] - table["achieved"] - table["proposed"]).clip(lower=0)
    return table.astype({column: "int64" for column in KPI_COLUMNS[2:]})


def _category_rank(category: str) -> int:
    return (
        QUOTA_CATEGORIES.index(category) if category in QUOTA_CATEGORIES else len(QUOTA_CATEGORIES)
    )


def _count_categories(
    visitor_ids: Iterable[str], category_of: dict[str, tuple[str, str]]
) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    unknown = 0
    for visitor_id in visitor_ids:
        if visitor_id not in category_of:
            unknown += 1
            continue
        partnership, category = category_of[visitor_id]
        counts[(partnership, category)] += 1
        counts[(partnership, "total")] += 1
    if unknown:
        logger.warning(
            "%d exchanges name a visitor missing from the profiles; not counted", unknown
        )
    return counts
