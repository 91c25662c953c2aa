"""What else was possible: for each proposed visitor the next feasible hosts, for each host with
proposals the next feasible visitors, from tonight's candidate pairs (all eligible).

``free`` says whether taking the alternative needs no other change tonight: the host still
has a place and a group for the visitor (one of its groups tonight whose dates, stay, mode
and language suit the visitor and holds no one of its organisation, or a new group where it
is proposed fewer than ``max_groups_per_host``), and for a host's alternative the visitor
has no proposal (nor its organisation) and the SME share takes one more of its kind (the
reviewers' audit: 9 of 11 alternatives marked free were refused, their hosts proposed the
most new groups already).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine.domain.bands import band
from engine.output.group_room import GroupRoom

ALTERNATIVE_COLUMNS = (
    "side", "profile_id", "proposed_with", "proposed_score",
    "rank", "alternative_id", "score", "band", "mode", "free",
)  # fmt: skip


def alternatives(
    candidates: pd.DataFrame,
    proposals: pd.DataFrame,
    places_left: Mapping[str, int],
    per_profile: int = 3,
    organisation: Mapping[str, str] | None = None,
    non_smes_full: set[str] | None = None,
    room: GroupRoom | None = None,
) -> pd.DataFrame:
    """``candidates``: visitor_id, host_id, score, mode, selected; ``places_left``: host ->
    places after tonight's proposals and the locked exchanges; ``organisation``: visitor ->
    its org_id (a visitor whose organisation has a proposal tonight is not a free
    alternative: its physical visit and its groups are the organisation's);
    ``non_smes_full``: visitors the SME share takes no more of tonight (no free
    alternative for a host either: one more would break the share); ``room``: whether a host
    has a group for a visitor tonight (None: every host has)."""
    open_pairs = _by_pair(candidates)
    open_pairs = open_pairs[~open_pairs["selected"]]
    proposed_host = dict(zip(proposals["visitor_id"], proposals["host_id"], strict=True))
    proposed_score = {
        (v, h): float(s)
        for v, h, s in zip(
            proposals["visitor_id"], proposals["host_id"], proposals["score"], strict=True
        )
    }
    visitors_of: dict[str, list[str]] = {}
    for v, h in zip(proposals["visitor_id"], proposals["host_id"], strict=True):
        visitors_of.setdefault(h, []).append(v)

    for_visitors = _best(open_pairs, "visitor_id", "host_id", set(proposed_host), per_profile)
    for_visitors["proposed_with"] = for_visitors["profile_id"].map(proposed_host)
    fits = room.fits if room is not None else (lambda visitor, host, mode: True)
    for_visitors["free"] = [
        places_left.get(h, 0) > 0 and fits(v, h, mode)
        for v, h, mode in zip(
            for_visitors["profile_id"],
            for_visitors["alternative_id"],
            for_visitors["mode"],
            strict=True,
        )
    ]
    for_visitors["side"] = "visitor"

    for_hosts = _best(open_pairs, "host_id", "visitor_id", set(visitors_of), per_profile)
    for_hosts["proposed_with"] = for_hosts["profile_id"].map(
        lambda h: ";".join(sorted(visitors_of[h]))
    )
    org = organisation or {}
    busy = {org.get(v, v) for v in proposed_host}
    full = non_smes_full or set()
    for_hosts["free"] = [
        org.get(v, v) not in busy and v not in full and places_left.get(h, 0) > 0 and fits(v, h, m)
        for h, v, m in zip(
            for_hosts["profile_id"], for_hosts["alternative_id"], for_hosts["mode"], strict=True
        )
    ]
    for_hosts["side"] = "host"

    table = pd.concat([for_visitors, for_hosts], ignore_index=True)
    table["proposed_score"] = [
        _proposed_score(side, profile, partner, proposed_score)
        for side, profile, partner in zip(
            table["side"], table["profile_id"], table["proposed_with"], strict=True
        )
    ]
    table["band"] = band(table["score"].to_numpy(np.float64))
    table["free"] = table["free"].astype(bool)  # one side empty left it as numbers
    return table[list(ALTERNATIVE_COLUMNS)].reset_index(drop=True)


def _by_pair(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per pair (a pair may come as several options, e.g. one per group slot)."""
    ranked = candidates.assign(selected=candidates["selected"].astype(bool)).sort_values(
        ["visitor_id", "host_id", "selected", "score"], ascending=[True, True, False, False]
    )
    best = ranked.drop_duplicates(["visitor_id", "host_id"], keep="first")
    by_pair = ranked.groupby(["visitor_id", "host_id"], sort=False)
    keys = pd.MultiIndex.from_frame(best[["visitor_id", "host_id"]])
    # a pair offered as a physical and a virtual option may take either
    modes = by_pair["mode"].nunique().reindex(keys).to_numpy()
    return best.assign(
        selected=by_pair["selected"].any().reindex(keys).to_numpy(),
        mode=np.where(modes > 1, "either", best["mode"].to_numpy()),
    )


def _best(pairs: pd.DataFrame, own: str, other: str, wanted: set[str], k: int) -> pd.DataFrame:
    mine = pairs[pairs[own].isin(wanted)]
    ranked = mine.sort_values([own, "score", other], ascending=[True, False, True], kind="stable")
    top = ranked.groupby(own, sort=False).head(k).copy()
    top["rank"] = top.groupby(own, sort=False).cumcount() + 1
    return pd.DataFrame(
        {
            "profile_id": top[own].to_numpy(),
            "rank": top["rank"].to_numpy(),
            "alternative_id": top[other].to_numpy(),
            "score": top["score"].astype(float).round(2).to_numpy(),
            "mode": top["mode"].to_numpy(),
        }
    )


def _proposed_score(
    side: str, profile: str, partner: str, scores: dict[tuple[str, str], float]
) -> float | None:
    if side == "visitor":
        return scores.get((profile, partner))
    values = [scores[(v, profile)] for v in partner.split(";") if (v, profile) in scores]
    return round(min(values), 2) if values else None


def places_left(
    host_capacity: Mapping[str, int], proposals: pd.DataFrame, locked: pd.DataFrame | None
) -> dict[str, int]:
    """Host -> places not taken by tonight's proposals or by locked exchanges."""
    used = Counter(proposals["host_id"])
    if locked is not None:
        used.update(locked["host_id"])
    return {host: max(0, capacity - used[host]) for host, capacity in host_capacity.items()}
