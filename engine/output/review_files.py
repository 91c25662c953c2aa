"""The reviewers' files of a run: what changed, alternatives, the workbook and the report.

Computed from the night's result and carry-over only (no I/O until the run store calls the
writers inside its staging folder, so a failure here leaves no partial run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.domain.contract import PROFILE_PERSONAL_COLUMNS, Campaign
from engine.domain.decisions import DECISIONS
from engine.night.carryover import LOCK_COLUMNS
from engine.night.night import NightResult
from engine.night.options import RunOptions
from engine.output.alternatives import alternatives, places_left
from engine.output.changes import changes
from engine.output.exports import write_csv, write_xlsx
from engine.output.report import ReportInputs, render_report
from engine.output.store import Writer
from engine.output.words import in_words

REVIEW_COLUMNS = ("decision", "note", "decided_by", "decided_on")  # filled in by reviewers


@dataclass(frozen=True)
class ReviewTables:
    proposals: pd.DataFrame  # run proposals + visitor_org, host_org
    changes: pd.DataFrame
    alternatives: pd.DataFrame
    locked: pd.DataFrame

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
        changes=changes(campaign, result.proposals, result.candidates, carry),
        alternatives=alternatives(result.candidates, result.proposals, left),
        locked=locked,
    )


def review_writers(
    run_id: str,
    campaign: Campaign,
    kpis: pd.DataFrame,
    tables: ReviewTables,
    facts: Mapping[str, Any],
    include_contacts: bool = False,
) -> dict[str, Writer]:
    workbook = tables.proposals.assign(**{column: "" for column in REVIEW_COLUMNS})
    if include_contacts:
        workbook = with_contacts(workbook, campaign.profiles)
    sheets = {
        "proposals": in_words(workbook),
        "alternatives": in_words(tables.alternatives),
        "changes": tables.changes,
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
        profiles=campaign.profiles[["profile_id", "org_type"]],
        min_sme_share=campaign.policy.min_sme_share,
    )
    return {
        "changes.csv": lambda p: write_csv(tables.changes, p),
        "alternatives.csv": lambda p: write_csv(in_words(tables.alternatives), p),
        "proposals.xlsx": lambda p: write_xlsx(
            sheets, p, choices={"decision": DECISIONS}, include_contacts=include_contacts
        ),
        "report.html": lambda p: p.write_text(render_report(report), encoding="utf-8"),
    }


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
