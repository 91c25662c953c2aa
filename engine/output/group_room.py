"""Whether a host has a group for one more visitor tonight, as taking an alternative would
give it one (``engine.review.alternatives``): one of the host's groups in tonight's plan
whose dates, stay length, mode and language suit the visitor and that holds no one of its
organisation, or a new group where the host is proposed fewer than ``max_groups_per_host``.
(Places are counted apart: ``engine.output.alternatives.places_left``.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.domain.contract import Campaign

MODES = {"physical": {"physical"}, "virtual": {"virtual"}, "either": {"physical", "virtual"}}


@dataclass(frozen=True)
class GroupRoom:
    groups: dict[str, list[dict[str, Any]]]  # host -> its groups tonight
    new_groups: dict[str, int]  # host -> new groups proposed tonight
    max_groups: int
    visitors: dict[str, dict[str, Any]]  # visitor -> profile fields read here
    organisation: dict[str, str]  # visitor -> org_id
    common_language: bool

    @classmethod
    def of(
        cls, campaign: Campaign, proposals: pd.DataFrame, locked: pd.DataFrame | None = None
    ) -> GroupRoom:
        """The groups of tonight's ``proposals``; one on the dates and mode of a ``locked``
        exchange of its host is that accepted group taking new members, not a new group."""
        accepted = set()
        if locked is not None and len(locked):
            accepted = {
                (str(h), pd.Timestamp(s), pd.Timestamp(e), str(m).lower())
                for h, s, e, m in zip(
                    locked["host_id"], locked["start"], locked["end"], locked["mode"], strict=True
                )
            }
        organisation = dict(
            zip(campaign.profiles["profile_id"], campaign.profiles["org_id"], strict=True)
        )
        groups: dict[str, list[dict[str, Any]]] = {}
        new_groups: dict[str, int] = {}
        if len(proposals):
            for (host, _), members in proposals.groupby(["host_id", "group_id"], sort=True):
                first = members.iloc[0]
                group = {
                    "start": pd.Timestamp(first["start"]),
                    "end": pd.Timestamp(first["end"]),
                    "stay_days": int(first["stay_days"]),
                    "mode": str(first["mode"]).lower(),
                    "language": first.get("group_language"),
                    "orgs": {organisation.get(v) for v in members["visitor_id"]},
                }
                groups.setdefault(str(host), []).append(group)
                key = (str(host), group["start"], group["end"], group["mode"])
                new_groups[str(host)] = new_groups.get(str(host), 0) + (key not in accepted)
        columns = ["available_from", "available_to", "min_days", "max_days", "languages"]
        visitors = campaign.visitors.set_index("profile_id")[columns]
        return cls(
            groups=groups,
            new_groups=new_groups,
            max_groups=campaign.policy.max_groups_per_host,
            visitors={
                str(k): {str(c): x for c, x in v.items()}
                for k, v in visitors.to_dict("index").items()
            },
            organisation={str(k): str(v) for k, v in organisation.items()},
            common_language=campaign.policy.group_common_language,
        )

    def fits(self, visitor: str, host: str, mode: str) -> bool:
        """Whether ``host`` has a group for ``visitor`` (pair modes ``mode``) tonight."""
        if self.new_groups.get(host, 0) < self.max_groups:
            return True
        profile = self.visitors.get(visitor)
        if profile is None:
            return False
        org = self.organisation.get(visitor)
        modes = MODES.get(mode, {mode})
        return any(
            group["mode"] in modes
            and org not in group["orgs"]
            and pd.Timestamp(profile["available_from"]) <= group["start"]
            and group["end"] <= pd.Timestamp(profile["available_to"])
            and int(profile["min_days"]) <= group["stay_days"] <= int(profile["max_days"])
            and (not self.common_language or group["language"] in set(profile["languages"]))
            for group in self.groups.get(host, [])
        )
