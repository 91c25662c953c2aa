"""The reviewers' files of a run: what changed, alternatives, the workbook and the report.

Computed from the night's result and carry-over only (no I/O until the run store calls the
writers inside its staging folder, so a failure here leaves no partial run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import pandas as pd

from engine.domain.contract import PROFILE_PERSONAL_COLUMNS, Campaign
from engine.night.carryover import LOCK_COLUMNS
from engine.night.night import NightResult
from engine.night.options import RunOptions
from engine.output.alternatives import alternatives, places_left
from engine.output.changes import changes
from engine.output.exports import write_csv, write_xlsx
from engine.output.group_room import GroupRoom
from engine.output.report import ReportInputs, render_report
from engine.output.store import Writer
from engine.output.words import in_words

# filled in by reviewers (a decision file: see engine.load.decision_files)
REVIEW_COLUMNS = ("decision", "note", "side", "decided_by", "decided_on")
# the reviewers' sheet: what to answer first (ids, names, dates, band), then the answer
FIRST_COLUMNS = ("visitor_id", "host_id", "visitor_org", "host_org", "start", "end", "band")
WORKBOOK_DECISIONS = ("accepted", "rejected", "hold", "cancelled", "withdrawn")
FROZEN = {"proposals": "C2"}  # the header row and the two id columns stay in view


@dataclass(frozen=True)
class ReviewTables:
    proposals: pd.DataFrame  # run proposals + visitor_org, host_org
    changes: pd.DataFrame
    alternatives: pd.DataFrame
    locked: pd.DataFrame
    # each answered pair's state (visitor_id, host_id, visitor, host, note): the workbook
    # carries last night's holds and notes
    carried: pd.DataFrame = field(default_factory=pd.DataFrame)

    def change_counts(self) -> dict[str, int]:
        counts = self.changes["change"].value_counts()
        return {kind: int(counts.get(kind, 0)) for kind in ("new", "kept", "locked", "dropped")}


def review_tables(
    campaign: Campaign, options: RunOptions, result: NightResult, proposals: pd.DataFrame
) -> ReviewTables:
    carry = options.carryover
    locked = carry.locked if carry is not None else pd.DataFrame(columns=list(LOCK_COLUMNS))
    capacity = host_capacity(campaign)
    left = places_left(capacity, result.proposals, locked)
    return ReviewTables(
        proposals=with_org_names(proposals, campaign.profiles),
        changes=changes(
            campaign,
            result.proposals,
            result.candidates,
            carry,
            result.unmatched,
            _night(result),
        ),
        alternatives=alternatives(
            result.candidates,
            result.proposals,
            left,
            organisation=_organisations(campaign),
            non_smes_full=_non_smes_full(campaign, result),
            room=GroupRoom.of(campaign, result.proposals, locked),
        ),
        locked=locked,
        carried=_carried(carry),
    )


def _night(result: NightResult) -> date | None:
    """The night's date, as the run's calendar says it."""
    as_of = (result.calendar or {}).get("as_of")
    return None if not as_of else date.fromisoformat(str(as_of))


def _non_smes_full(campaign: Campaign, result: NightResult) -> set[str]:
    """The non-SME visitors, where one more non-SME proposal would break the SME share the
    plan holds (tonight's proposals and, where they count, the exchanges accepted before);
    else none."""
    smes, total = result.sme_share_plan()
    share = Fraction(str(campaign.policy.min_sme_share))
    if share.denominator * smes >= share.numerator * (total + 1):
        return set()
    visitors = campaign.visitors
    return set(visitors.loc[visitors["org_type"] != "sme", "profile_id"].astype(str))


def _organisations(campaign: Campaign) -> dict[str, str]:
    """Visitor -> its organisation."""
    visitors = campaign.visitors
    return dict(
        zip(visitors["profile_id"].astype(str), visitors["org_id"].astype(str), strict=True)
    )


def _carried(carry: Any) -> pd.DataFrame:
    """The answered pairs' sides and notes, as the carry-over brings them (empty without)."""
    columns = ["visitor_id", "host_id", "visitor", "host", "note"]
    decisions = None if carry is None else carry.decisions
    if decisions is None or not set(columns) <= set(decisions.columns):
        return pd.DataFrame(columns=columns)
    return decisions[columns].astype(str)


def review_writers(
    run_id: str,
    campaign: Campaign,
    kpis: pd.DataFrame,
    tables: ReviewTables,
    facts: Mapping[str, Any],
    include_contacts: bool = False,
    unmatched: pd.DataFrame | None = None,
) -> dict[str, Writer]:
    workbook = reviewers_sheet(tables.proposals, tables.carried)
    if include_contacts:
        workbook = with_contacts(workbook, campaign.profiles)
    sheets = {
        "proposals": in_words(workbook),
        "alternatives": in_words(tables.alternatives),
        # the engine's own words, not answers: a decision is typed on the proposals sheet only
        "changes": tables.changes.rename(columns={"decision": "recorded_decision"}),
        "kpis": in_words(kpis),
    }
    report = ReportInputs(
        run_id=run_id,
        campaign=campaign.name,
        manifest=facts,
        proposals=tables.proposals,
        kpis=kpis,
        changes=tables.changes,
        alternatives=tables.alternatives,
        locked=tables.locked,
        profiles=campaign.profiles[["profile_id", "org_type", "partnership"]],
        min_sme_share=campaign.policy.min_sme_share,
        unmatched=unmatched if unmatched is not None else pd.DataFrame(),
    )
    return {
        "changes.csv": lambda p: write_csv(tables.changes, p),
        "alternatives.csv": lambda p: write_csv(in_words(tables.alternatives), p),
        "proposals.xlsx": lambda p: write_xlsx(
            sheets,
            p,
            choices={"decision": WORKBOOK_DECISIONS, "side": ("visitor", "host", "both")},
            include_contacts=include_contacts,
            choices_sheet="proposals",
            freeze=FROZEN,
        ),  # fmt: skip
        "report.html": lambda p: p.write_text(render_report(report), encoding="utf-8"),
    }


def reviewers_sheet(proposals: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    """The proposals sheet: ids, names, dates, band, then the answer columns (a pair held last
    night comes back as ``hold``, for the side that holds it where only one does; last
    night's notes come back), ``status`` (each side's
    answer so far), then the rest."""
    states = {(str(r["visitor_id"]), str(r["host_id"])): r for r in carried.to_dict("records")}
    keys = list(
        zip(proposals["visitor_id"].astype(str), proposals["host_id"].astype(str), strict=True)
    )
    found = [states.get(key) for key in keys]
    held = [_held_by(s) for s in found]
    sheet = proposals.assign(
        decision=["hold" if side is not None else "" for side in held],
        note=[str(s["note"]) if s else "" for s in found],
        side=[side or "" for side in held],
        decided_by="",
        decided_on="",
        status=[
            "; ".join(f"{side} side {s[side]}" for side in ("visitor", "host") if s[side])
            if s
            else ""
            for s in found
        ],
    )
    first = [c for c in (*FIRST_COLUMNS, *REVIEW_COLUMNS, "status") if c in sheet.columns]
    return sheet[first + [c for c in sheet.columns if c not in first]]


def _held_by(state: Mapping[Any, Any] | None) -> str | None:
    """Who holds the pair last night: ``""`` both sides (the row answers for both), ``"visitor"``
    or ``"host"`` one side (the row answers for that side only), None nobody."""
    if not state:
        return None
    sides = [side for side in ("visitor", "host") if state[side] == "hold"]
    return None if not sides else "" if len(sides) == 2 else sides[0]


def host_capacity(campaign: Campaign) -> dict[str, int]:
    hosts = campaign.hosts
    limit = campaign.policy.max_group_size
    return {
        str(h): int(c if limit is None else min(c, limit))
        for h, c in zip(hosts["profile_id"], hosts["capacity"], strict=True)
    }


def with_org_names(proposals: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    names = dict(zip(profiles["profile_id"], profiles["org_name"], strict=True))
    return proposals.assign(
        visitor_org=proposals["visitor_id"].map(names).fillna(""),
        host_org=proposals["host_id"].map(names).fillna(""),
    )


def with_contacts(table: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """Participant contact columns for both sides (only when the user asks for them)."""
    contacts = profiles.set_index("profile_id")
    out = table.copy()
    for side in ("visitor", "host"):
        for column in PROFILE_PERSONAL_COLUMNS:
            if column in contacts.columns:
                out[f"{side}_{column}"] = out[f"{side}_id"].map(contacts[column]).fillna("")
    return out
