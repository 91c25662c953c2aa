"""The accepted exchanges of a run in the CXC IT tool's words, for re-entry in the tool
(``cxmatch export RUN --format it-tool``).

One row per accepted exchange, with the fields the IT tool's exchange screens ask for (seed
002: organisation, organisation type, country, partnership, type of exchange, sector of the
exchange, planned dates, planned stay duration in working days, max lump sum, host country),
in the tool's words, plus cxmatch's ids to trace a row back. Dates are written as the tool
shows them (DD/MM/YYYY). Columns: :data:`IT_TOOL_COLUMNS` (documented in the README).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from engine.domain.contract import EXCHANGE_TYPES, POSITIVE_OUTCOMES, Campaign
from engine.domain.vocabulary import label

IT_TOOL_COLUMNS = (
    "Visiting organisation",
    "Visiting organisation type",
    "Visiting organisation country",
    "Visiting organisation partnership",
    "Host organisation",
    "Host organisation type",
    "Host country",
    "Host organisation partnership",
    "Type of exchange",
    "Sector of the exchange",
    "Physical or virtual",
    "Planned start date",
    "Planned end date",
    "Planned stay duration (working days)",
    "Max lump sum (EUR)",
    "Grouped exchange",
    "Visitors in the group",
    "Working language",
    "cxmatch visitor id",
    "cxmatch host id",
    "cxmatch group id",
    "cxmatch run id",
)
DATE_FORMAT = "%d/%m/%Y"  # as the IT tool shows and takes dates ("Actual start 10/08/2021")


def accepted_exchanges(
    proposals: pd.DataFrame, decisions: pd.DataFrame, run_id: str
) -> pd.DataFrame:
    """The run's proposals that reviewers accepted: ``decisions`` is the decision log's
    current decision per pair (``visitor_id, host_id, decision, run_id``)."""
    accepted = decisions[(decisions["decision"] == "accepted") & (decisions["run_id"] == run_id)]
    pairs = accepted[["visitor_id", "host_id"]].astype(str).drop_duplicates()
    return proposals.merge(pairs, on=["visitor_id", "host_id"], how="inner")


def with_taken(proposals: pd.DataFrame, taken: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """The run's proposals and the alternatives reviewers took as the run's (the decision
    log's taken table: ``visitor_id, host_id, mode, start_day, end_day, stay_days, score,
    group_id, group_language, lump_sum_eur, run_id``), each pair once."""
    mine = taken[taken["run_id"].astype(str) == run_id]
    if mine.empty:
        return proposals
    rows = mine.rename(columns={"start_day": "start", "end_day": "end"})
    rows = rows.assign(start=pd.to_datetime(rows["start"]), end=pd.to_datetime(rows["end"]))
    keys = pd.MultiIndex.from_frame(proposals[["visitor_id", "host_id"]].astype(str))
    new = ~pd.MultiIndex.from_frame(rows[["visitor_id", "host_id"]].astype(str)).isin(keys)
    columns = [c for c in proposals.columns if c in rows.columns]
    return pd.concat([proposals, rows.loc[new, columns]], ignore_index=True)


def _exchange_type(visitor: tuple[str, ...], host: tuple[str, ...]) -> str:
    """The first exchange type both name (in the IT tool's order), else the visitor's, else
    the host's first."""
    shared = [kind for kind in EXCHANGE_TYPES if kind in visitor and kind in host]
    chosen = (shared or list(visitor) or list(host) or [""])[0]
    return label("exchange_type", chosen) if chosen else ""


def _sector(visitor: tuple[str, ...], host: tuple[str, ...]) -> str:
    """The first of the visitor's sectors the host shares, else the host's first sector."""
    shared = [code for code in visitor if code in host]
    chosen = (shared or list(host) or list(visitor) or [""])[0]
    return label("sector", chosen) if chosen else ""


def group_members(exchanges: pd.DataFrame, campaign: Campaign) -> list[int]:
    """Per exchange, the accepted members of its group: every accepted or completed exchange
    of the campaign (``campaign.history``, the decision log's included) on its host, dates and
    mode, whichever run proposed it (at least the run's own members of the group)."""
    history = campaign.history
    done = history[history["outcome"].isin(POSITIVE_OUTCOMES) & history["start"].notna()]
    keys = zip(
        done["host_id"].astype(str),
        pd.to_datetime(done["start"]).dt.date,
        pd.to_datetime(done["end"]).dt.date,
        done["mode"].astype(str),
        strict=True,
    )
    members = set(zip(done["visitor_id"].astype(str), keys, strict=True))  # each once
    per_group = Counter(key for _, key in members)
    own = exchanges.groupby("group_id")["visitor_id"].transform("size")
    return [
        max(
            int(size), per_group.get((str(h), pd.Timestamp(a).date(), pd.Timestamp(b).date(), m), 0)
        )
        for h, a, b, m, size in zip(
            exchanges["host_id"],
            exchanges["start"],
            exchanges["end"],
            exchanges["mode"],
            own,
            strict=True,
        )
    ]


def it_tool_table(
    exchanges: pd.DataFrame, campaign: Campaign, sizes: list[int] | None = None
) -> pd.DataFrame:
    """The exchanges (rows of ``proposals.parquet``) in the IT tool's words; ``sizes``: the
    accepted members of each one's group (default: the exchanges' own)."""
    profiles = campaign.profiles.set_index("profile_id")
    if sizes is None:
        sizes = exchanges.groupby("group_id")["visitor_id"].transform("size").tolist()
    rows = []
    for exchange, size in zip(exchanges.to_dict("records"), sizes, strict=True):
        visitor, host = profiles.loc[exchange["visitor_id"]], profiles.loc[exchange["host_id"]]
        values = [
            visitor["org_name"],
            label("org_type", visitor["org_type"]),
            label("country", visitor["country"]),
            visitor["partnership"],
            host["org_name"],
            label("org_type", host["org_type"]),
            label("country", host["country"]),
            host["partnership"],
            _exchange_type(visitor["exchange_types"], host["exchange_types"]),
            _sector(visitor["sectors"], host["sectors"]),
            label("mode", exchange["mode"]),
            pd.Timestamp(exchange["start"]).strftime(DATE_FORMAT),
            pd.Timestamp(exchange["end"]).strftime(DATE_FORMAT),
            int(exchange["stay_days"]),
            int(round(float(exchange["lump_sum_eur"]))),
            "Yes" if size > 1 else "No",
            int(size),
            label("language", exchange["group_language"]),
            exchange["visitor_id"],
            exchange["host_id"],
            exchange["group_id"],
            exchange["run_id"],
        ]
        rows.append(dict(zip(IT_TOOL_COLUMNS, values, strict=True)))
    return pd.DataFrame(rows, columns=list(IT_TOOL_COLUMNS))
