"""KPIs as they will be: beside each quota's target and the exchanges achieved so far, what
tonight's proposals are expected to add (the sum of their ``p_accept``) and what will still be
needed after that."""

from __future__ import annotations

import numpy as np
import pandas as pd


def with_expectations(kpis: pd.DataFrame, proposals: pd.DataFrame) -> pd.DataFrame:
    """Add ``expected`` (sum of ``p_accept`` of tonight's proposals, per visitor partnership
    and category; the ``total`` row the partnership's) and ``still_needed`` (target less
    achieved less expected, never below 0)."""
    out = kpis.copy()
    if proposals.empty or "p_accept" not in proposals.columns:
        out["expected"] = 0.0
    else:
        chance = proposals["p_accept"].astype(float)
        by_category = chance.groupby(
            [proposals["visitor_partnership"], proposals["category"]]
        ).sum()
        by_partnership = chance.groupby(proposals["visitor_partnership"]).sum()
        out["expected"] = [
            float(by_partnership.get(p, 0.0))
            if c == "total"
            else float(by_category.get((p, c), 0.0))
            for p, c in zip(out["partnership"], out["category"], strict=True)
        ]
    out["expected"] = out["expected"].round(2)
    still = out["target"] - out["achieved"] - out["expected"]
    out["still_needed"] = np.maximum(still, 0.0).round(2)
    return out


def still_missing(kpis: pd.DataFrame, column: str = "still_needed") -> float:
    """Expected exchanges the targets still miss after tonight (or what ``column`` says is
    missing): per partnership the larger of its total row and the sum of its category rows
    (a category's exchanges also count in the total, so the two never add up)."""
    if kpis.empty or column not in kpis.columns:
        return 0.0
    missing = 0.0
    for _, rows in kpis.groupby("partnership"):
        total = float(rows.loc[rows["category"] == "total", column].sum())
        categories = float(rows.loc[rows["category"] != "total", column].sum())
        missing += max(total, categories)
    return round(missing, 2)
