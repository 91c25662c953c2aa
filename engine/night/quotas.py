"""Per-partnership KPI quotas as solver quota groups.

An exchange counts for the *visitor's* partnership, in the visitor's category (engine
decision: the visiting organisation is the beneficiary whose lump sum its partnership pays).
What a quota still needs tonight is its target minus what history already achieved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.domain.contract import POSITIVE_OUTCOMES, Campaign, org_category
from solvers.problem import SCORE_SCALE, Quota

EXCHANGE_KEY = ["visitor_id", "host_id", "mode"]


def standing_exchanges(history: pd.DataFrame) -> pd.DataFrame:
    """The history's exchanges: its accepted and completed rows, one per pair and mode (an
    accepted and a completed row of one exchange are one; a virtual exchange and a later
    physical one of the same pair are two: seed 002 counts 169 virtual and 59 physical
    exchanges as 228), less those a cancelled row of the same pair and mode undoes."""
    positive = history[history["outcome"].isin(POSITIVE_OUTCOMES)].drop_duplicates(EXCHANGE_KEY)
    cancelled = history.loc[history["outcome"] == "cancelled", EXCHANGE_KEY]
    if len(cancelled):
        undone = pd.MultiIndex.from_frame(cancelled.astype(str))
        keys = pd.MultiIndex.from_frame(positive[EXCHANGE_KEY].astype(str))
        positive = positive[~keys.isin(undone)]
    return positive


def achieved_exchanges(campaign: Campaign) -> pd.Series:
    """Exchanges so far (:func:`standing_exchanges`), indexed by (partnership, category)."""
    positive = standing_exchanges(campaign.history)
    visitors = campaign.profiles.set_index("profile_id")
    rows = visitors.loc[positive["visitor_id"], ["partnership", "org_type"]]
    categories = rows["org_type"].map(org_category)
    by_category = pd.Series(1, index=pd.MultiIndex.from_arrays([rows["partnership"], categories]))
    by_total = pd.Series(
        1, index=pd.MultiIndex.from_arrays([rows["partnership"], ["total"] * len(rows)])
    )
    counts = pd.concat([by_category, by_total]).groupby(level=[0, 1]).sum()
    counts.index.names = ["partnership", "category"]
    return counts


EXPECTATION_UNIT = 100  # a certain exchange, in the hundredths of a pair's chance


def quota_groups(
    campaign: Campaign,
    visitors: pd.DataFrame,
    pair_visitor: np.ndarray | None = None,
    pair_chance: np.ndarray | None = None,
) -> tuple[Quota, ...]:
    """One solver quota per quotas row; ``visitors`` is the visitor side in solver order.

    With each candidate pair's chance of becoming an exchange (``pair_chance``, in
    hundredths, for the pairs whose visitors are ``pair_visitor``) the quota is met in
    expectation: its need is in hundredths of an exchange, and each missing hundredth costs a
    hundredth of the policy's penalty."""
    counts = achieved_exchanges(campaign)
    done: dict[tuple[str, str], int] = {
        (str(key[0]), str(key[1])): int(n)
        for key, n in zip(counts.index, counts.to_numpy(), strict=True)
    }
    penalty = int(round(campaign.policy.quota_shortfall_penalty * SCORE_SCALE))
    category = visitors["org_type"].map(org_category).to_numpy()
    partnership = visitors["partnership"].to_numpy()
    groups = []
    for quota_partnership, quota_category, target in campaign.quotas[
        ["partnership", "category", "target"]
    ].itertuples(index=False, name=None):
        row_key = (str(quota_partnership), str(quota_category))
        need = int(target) - done.get(row_key, 0)
        members = partnership == row_key[0]
        if row_key[1] != "total":
            members = members & (category == row_key[1])
        if pair_chance is None:
            quota = Quota(
                f"{row_key[0]}/{row_key[1]}", np.asarray(members, bool), max(0, need), penalty
            )
        else:
            quota = Quota(
                name=f"{row_key[0]}/{row_key[1]}",
                members=np.asarray(members, dtype=bool),
                need=max(0, need) * EXPECTATION_UNIT,
                penalty=max(1, penalty // EXPECTATION_UNIT),
                pair_weight=np.where(members[pair_visitor], pair_chance, 0).astype(np.int64),
                unit=EXPECTATION_UNIT,
            )
        groups.append(quota)
    return tuple(groups)
