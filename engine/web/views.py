"""What the review pages and the JSON API show: tonight's proposals in a reviewer's scope with
both profiles, each side's answer, the reviewer's own answers it may still undo, alternatives,
KPI progress and who is left out. Plain data (dicts of text and numbers); the templates escape
every value.

The run shown is the latest complete run in ``CAMPAIGN/runs``; the campaign is loaded once per
change of its files (a small cache keyed by the files' modification times).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.calendar import working_days
from engine.domain.cells import restore
from engine.domain.contract import Campaign, org_category
from engine.domain.vocabulary import label
from engine.load.campaign import load_campaign
from engine.output.folders import RunFolder, latest_run
from engine.review.log import last_read, log_path, read_log, read_taken
from engine.review.parties import Reviewer
from engine.review.proposed import runs_root
from engine.review.state import SIDES, live, pair_states

PROFILE_FIELDS = (
    "org_name", "org_type", "country", "partnership", "sectors", "languages", "mode",
    "available_from", "available_to", "min_days", "max_days", "capacity", "offer", "seek",
)  # fmt: skip
SHOWN = (
    "visitor_id", "host_id", "group_id", "start", "end", "stay_days", "mode", "score", "band",
    "category", "visitor_partnership", "host_partnership", "reasons", "lump_sum_eur",
)  # fmt: skip
OPTIONAL = ("p_accept",)


@dataclass(frozen=True)
class Tonight:
    campaign: Campaign
    run: RunFolder
    proposals: pd.DataFrame  # the run's proposals and the alternatives reviewers took


class CampaignCache:
    """The campaign loaded once per change of its input files."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._key: tuple[Any, ...] | None = None
        self._campaign: Campaign | None = None

    def campaign(self) -> Campaign:
        key = tuple(
            (p.name, p.stat().st_mtime_ns)
            for p in sorted(self.folder.iterdir())
            if p.is_file() and p.suffix in (".csv", ".parquet", ".toml")
        )
        if self._campaign is None or key != self._key:
            self._campaign, self._key = load_campaign(self.folder), key
        return self._campaign


def tonight(cache: CampaignCache) -> Tonight | None:
    run = latest_run(runs_root(cache.folder), cache.folder)
    if run is None:
        return None
    campaign = cache.campaign()
    proposals = run.proposals()
    taken = read_taken(log_path(cache.folder))
    if len(taken):
        extra = taken.rename(columns={"start_day": "start", "end_day": "end"}).assign(
            proposed_by=taken["taken_by"], reasons="taken as an alternative by a reviewer"
        )
        proposals = pd.concat([proposals.assign(proposed_by=""), extra], ignore_index=True)
        proposals = proposals.drop_duplicates(["visitor_id", "host_id"], keep="first")
    else:
        proposals = proposals.assign(proposed_by="")
    proposals = pd.concat([proposals, _exchanges(cache.folder, campaign, proposals)])
    return Tonight(campaign, run, proposals.reset_index(drop=True))


def _exchanges(folder: Path, campaign: Campaign, proposals: pd.DataFrame) -> pd.DataFrame:
    """The decision log's exchanges (both sides accepted), those cancelled and the rejected
    pairs that tonight's run no longer proposes (locked by a later night, or never again):
    shown too, so that they may be cancelled, a cancellation undone by its author, or reopened
    by the Support Office (the browser audit: a cancelled exchange of an earlier night vanished
    with its Undo; the log audit: a rejected pair's Reopen, after a night)."""
    states = pair_states(read_log(log_path(folder)))
    exchanges = states[states["status"].isin(("exchange", "cancelled", "rejected"))]
    shown = set(zip(proposals["visitor_id"], proposals["host_id"], strict=True))
    fresh = np.array(
        [
            pair not in shown
            for pair in zip(exchanges["visitor_id"], exchanges["host_id"], strict=True)
        ],
        dtype=bool,
    )
    exchanges = exchanges[fresh]
    profiles = campaign.profiles.set_index("profile_id")
    known = exchanges["visitor_id"].isin(profiles.index) & exchanges["host_id"].isin(profiles.index)
    exchanges = exchanges[known]
    visitors, hosts = profiles.loc[exchanges["visitor_id"]], profiles.loc[exchanges["host_id"]]
    return pd.DataFrame(
        {
            "visitor_id": exchanges["visitor_id"].to_numpy(),
            "host_id": exchanges["host_id"].to_numpy(),
            "start": exchanges["start_day"].to_numpy(),
            "end": exchanges["end_day"].to_numpy(),
            "mode": exchanges["mode"].to_numpy(),
            "score": exchanges["score"].to_numpy(),
            "category": [org_category(t) for t in visitors["org_type"]],
            "visitor_partnership": visitors["partnership"].to_numpy(),
            "host_partnership": hosts["partnership"].to_numpy(),
            "stay_days": [
                working_days(
                    str(country),
                    date.fromisoformat(str(start)),
                    date.fromisoformat(str(end)),
                    campaign.policy.public_holidays,
                )
                for country, start, end in zip(
                    hosts["country"], exchanges["start_day"], exchanges["end_day"], strict=True
                )
            ],  # fmt: skip
            "reasons": exchanges["status"]
            .map(
                {
                    "exchange": "an exchange: both sides accepted it",
                    "cancelled": "a cancelled exchange",
                    "rejected": "a rejected proposal (the Support Office may reopen it)",
                }
            )
            .add(" (the run of its night proposed it)")
            .to_numpy(),
            "proposed_by": "",
            "from_log": exchanges["status"].to_numpy(),
        }
    )


def in_scope(proposals: pd.DataFrame, reviewer: Reviewer) -> pd.DataFrame:
    if reviewer.partnership is None:
        return proposals
    mine = (proposals["visitor_partnership"] == reviewer.partnership) | (
        proposals["host_partnership"] == reviewer.partnership
    )
    return proposals[mine]


def proposal_rows(folder: Path, night: Tonight, reviewer: Reviewer) -> list[dict[str, Any]]:
    """The reviewer's proposals, each with both profiles, both sides' answers, the sides the
    reviewer answers, its own answers it may still withdraw and (the Support Office) the
    rejections and cancellations it may withdraw to reopen the pair."""
    events = read_log(log_path(folder))
    states: dict[tuple[str, str], dict[str, Any]] = {
        (str(r["visitor_id"]), str(r["host_id"])): {str(k): v for k, v in r.items()}
        for r in pair_states(events).to_dict("records")
    }
    read_up_to = last_read(log_path(folder))
    counted = live(events)
    own = counted[
        (counted["actor"] == reviewer.actor)
        & (counted["seq"].astype(int) > read_up_to)
        & (counted["decision"] != "withdrawn")
    ]
    undoable = {(r["visitor_id"], r["host_id"], r["side"]): r for r in own.to_dict("records")}
    # the Support Office reopens a rejected or cancelled pair: it withdraws the side's rejection
    # or cancellation (engine.review.book; seed 002)
    cancels = counted[counted["decision"] == "cancelled"]
    cancelled = set(zip(cancels["visitor_id"], cancels["host_id"], cancels["side"], strict=True))
    profiles = night.campaign.profiles.set_index("profile_id")
    rows = []
    for record in in_scope(night.proposals, reviewer).to_dict("records"):
        if record.get("from_log") == "rejected" and reviewer.partnership is not None:
            continue  # the earlier nights' rejections: shown to the Support Office, to reopen
        pair = (str(record["visitor_id"]), str(record["host_id"]))
        state = states.get(pair, {})
        sides = [
            side
            for side, partnership in zip(
                SIDES, (record["visitor_partnership"], record["host_partnership"]), strict=True
            )
            if reviewer.partnership in (None, partnership)
        ]
        row: dict[str, Any] = {key: _text(record.get(key)) for key in SHOWN}
        for key in OPTIONAL:
            if key in record and not _missing(record[key]):
                row[key] = f"{float(record[key]):.2f}"
        row.update(
            pair=pair,
            anchor=anchor(*pair),
            proposed_by=str(record.get("proposed_by") or ""),
            visitor=_profile(profiles, pair[0]),
            host=_profile(profiles, pair[1]),
            status=str(state.get("status", "") or "open"),
            answers={side: str(state.get(side, "") or "") for side in SIDES},
            note=str(state.get("note", "") or ""),
            my_sides=sides,
            undo=[side for side in sides if (*pair, side) in undoable],
            reopen=[
                side
                for side in sides
                if reviewer.partnership is None
                and (state.get(side) == "rejected" or (*pair, side) in cancelled)
            ],
        )
        rows.append(row)
    return rows


def alternatives(night: Tonight, reviewer: Reviewer) -> list[dict[str, str]]:
    """Lines of the run's ``alternatives.csv`` the reviewer may take: other hosts for its
    visitors, other visitors for its hosts."""
    path = night.run.path / "alternatives.csv"
    if not path.is_file():
        return []
    table = _run_table(path)
    partnership = night.campaign.profiles.set_index("profile_id")["partnership"]
    proposed = set(zip(night.proposals["visitor_id"], night.proposals["host_id"], strict=True))
    rows = []
    anchored: set[str] = set()  # a pair listed for both its sides: the first row has its id
    for record in table.to_dict("records"):
        visitor, host = (
            (record["profile_id"], record["alternative_id"])
            if record["side"] == "visitor"
            else (record["alternative_id"], record["profile_id"])
        )
        own = partnership.get(record["profile_id"])
        if reviewer.partnership not in (None, own) or (visitor, host) in proposed:
            continue
        line = {str(k): str(v) for k, v in record.items()}
        at = anchor(visitor, host)
        pair = {"visitor_id": str(visitor), "host_id": str(host), "target": at,
                "anchor": "" if at in anchored else at}  # fmt: skip
        anchored.add(at)
        rows.append({**line, **pair})
    return rows


def anchor(visitor_id: str, host_id: str) -> str:
    """The id of a pair's element on the page (its proposal, or its alternative's row while no
    proposal has the pair), where an answer's page returns to (the browser audit: the page
    opened at its top after each answer). Letters and digits as they are, any other character
    as ``_`` and its code point in six hex digits: one id per pair, a URL fragment as it is."""

    def spelt(text: str) -> str:
        return "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):06x}" for c in text)

    return f"pair-{spelt(str(visitor_id))}-{spelt(str(host_id))}"


def kpis(night: Tonight, reviewer: Reviewer) -> list[dict[str, str]]:
    return _table(night.run.path / "kpis.csv", reviewer, "partnership")


def left_out(night: Tonight, reviewer: Reviewer) -> list[dict[str, str]]:
    """Who tonight leaves out, with the reason (when the run has ``unmatched.csv``)."""
    return _table(night.run.path / "unmatched.csv", reviewer, "partnership")


def api_row(row: dict[str, Any]) -> dict[str, Any]:
    """A proposal as ``GET /api/proposals`` gives it."""
    shown = {k: v for k, v in row.items() if k not in ("pair", "anchor", "visitor", "host")}
    return {**shown, "visitor": row["visitor"], "host": row["host"]}


def _table(path: Path, reviewer: Reviewer, column: str) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    table = _run_table(path)
    if reviewer.partnership is not None and column in table.columns:
        table = table[table[column] == reviewer.partnership]
    return [{str(k): str(v) for k, v in r.items()} for r in table.to_dict("records")]


def _run_table(path: Path) -> pd.DataFrame:
    """One of the run's CSVs as its tables held it: the apostrophe its writer puts before a
    cell a spreadsheet would read as a formula taken off (the hostile-input audit: an id
    ``-V3`` came back ``'-V3``, Take refused it, a partnership ``-2+3`` saw no KPIs)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False).map(restore)


def _profile(profiles: pd.DataFrame, profile_id: str) -> dict[str, str]:
    if profile_id not in profiles.index:
        return {"profile_id": profile_id}
    record = profiles.loc[profile_id]
    shown = {"profile_id": profile_id}
    for key in PROFILE_FIELDS:
        if key in record.index:
            shown[key] = _text(_in_words(key, record[key]))
    return shown


# the profile fields shown in the IT tool's words (README: words where a person reads them)
WORDED = {"org_type": "org_type", "country": "country", "mode": "mode", "languages": "language"}


def _in_words(key: str, value: Any) -> Any:
    """A profile field as a person reads it: its words for a code, a sector's code and name."""
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    listed = isinstance(value, list | tuple)
    if key == "sectors" and listed:
        return [f"{code} {label('sector', str(code))}" for code in value]
    if key not in WORDED or (not listed and _missing(value)):
        return value
    if listed:
        return [label(WORDED[key], str(code)) for code in value]
    return label(WORDED[key], str(value))


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | tuple | str) and bool(pd.isna(value)))


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        listed = value.tolist()
        if isinstance(listed, list):
            return ", ".join(str(v) for v in listed)
    if _missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return f"{value:.1f}" if not value.is_integer() else str(int(value))
    return str(value)
