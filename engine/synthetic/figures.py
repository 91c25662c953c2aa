"""The figures of a campaign's exchanges next to the pilot's (seeds 000, 002, 003): stay
lengths, grouped and single exchanges, group sizes, physical and virtual, KPI targets.

:func:`exchange_figures` reads any table of exchanges with ``host_id, start, end, mode`` (and
``stay_days``, or the host country to count working days): the accepted and completed rows of
a campaign's history (:func:`history_exchanges`) or a run's proposals. ``docs/demo.md`` shows
the bundled demo's figures beside the seeds'.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from engine.domain.calendar import working_days
from engine.domain.contract import POSITIVE_OUTCOMES, Campaign

# The pilot's figures (seed 002, retrieved 08/11/2021; seed 000 for RECiPE4Mobility; seed 003)
SEED_STAYS = {"physical": {3: 52, 5: 7}, "virtual": {3: 165, 4: 4}}
SEED_SESSIONS = {"physical": {"grouped": 7, "single": 5}, "virtual": {"grouped": 17, "single": 2}}
SEED_PLANNED_EXCHANGES = 695  # the 13 partnerships, about 54 each
SEED_RECIPE_TARGETS = {"total": 50, "sme": 25, "cluster": 5, "technology_centre": 10,
                       "scaling_up": 10}  # fmt: skip


@dataclass(frozen=True)
class ExchangeFigures:
    """Per mode: exchanges, their stays (working days -> count), grouped and single sessions
    (a session: one host, one mode, the same dates) and the sizes of the grouped ones."""

    exchanges: dict[str, int]
    stays: dict[str, dict[int, int]]
    grouped: dict[str, int]
    single: dict[str, int]
    group_sizes: dict[str, list[int]]

    def stay_text(self, mode: str) -> str:
        counts = sorted(self.stays.get(mode, {}).items())
        return ", ".join(f"{count} x {days} d" for days, count in counts) or "none"

    def group_text(self, mode: str) -> str:
        sizes = self.group_sizes.get(mode, [])
        spread = f" (sizes {min(sizes)}-{max(sizes)}, mean {sum(sizes) / len(sizes):.1f})"
        return f"{self.grouped.get(mode, 0)} grouped{spread if sizes else ''} vs " + (
            f"{self.single.get(mode, 0)} single"
        )


def history_exchanges(campaign: Campaign) -> pd.DataFrame:
    """The accepted and completed history rows with dates, and their stay in working days of
    the host country."""
    history = campaign.history
    rows = history[history["outcome"].isin(POSITIVE_OUTCOMES) & history["start"].notna()].copy()
    country = campaign.profiles.set_index("profile_id")["country"]
    rows["stay_days"] = [
        working_days(str(country[host]), start.date(), end.date())
        for host, start, end in zip(rows["host_id"], rows["start"], rows["end"], strict=True)
    ]
    return rows


def exchange_figures(exchanges: pd.DataFrame) -> ExchangeFigures:
    """The figures of ``exchanges`` (``host_id, start, end, mode, stay_days``)."""
    sessions = (
        exchanges.groupby(["host_id", "start", "end", "mode"]).size().rename("size").reset_index()
    )
    figures = ExchangeFigures({}, {}, {}, {}, {})
    for mode in ("physical", "virtual"):
        rows = exchanges[exchanges["mode"] == mode]
        mine = sessions[sessions["mode"] == mode]["size"]
        figures.exchanges[mode] = len(rows)
        figures.stays[mode] = dict(sorted(Counter(rows["stay_days"].astype(int)).items()))
        figures.grouped[mode] = int((mine > 1).sum())
        figures.single[mode] = int((mine == 1).sum())
        figures.group_sizes[mode] = sorted(int(size) for size in mine[mine > 1])
    return figures
