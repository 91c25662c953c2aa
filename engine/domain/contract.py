"""The data contract (v1): table columns, enumerations, the policy and the validated campaign.

Everything downstream of loading trusts a :class:`Campaign`: its tables have been checked
once, at the boundary, by :mod:`engine.load.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = ("visitor", "host")
MODES = ("physical", "virtual", "either")
STATUSES = ("published", "draft")
OUTCOMES = ("accepted", "rejected", "cancelled", "completed")
POSITIVE_OUTCOMES = ("accepted", "completed")
BLOCKING_OUTCOMES = ("rejected", "cancelled")  # such a pair is never proposed again
HISTORY_MODES = ("physical", "virtual")

ORG_TYPES = (
    "sme",
    "cluster_organisation",
    "technology_centre",
    "research_institute",
    "fab_lab",
    "resource_efficiency_provider",
    "innovation_hub",
    "creative_hub",
    "incubator",
    "accelerator",
    "public_authority",
    "innovation_agency",
    "large_company",
)
HOST_ONLY_ORG_TYPES = ("large_company",)

EXCHANGE_TYPES = (
    "exploring_new_markets",
    "networking_events",
    "group_event",
    "research_development_innovation",
    "pitch_training",
    "learning_skills",
)

# KPI categories of a partnership. An exchange counts for the *visitor's* partnership, in
# the visitor's category ("total" counts every exchange of the partnership).
QUOTA_CATEGORIES = ("sme", "cluster", "technology_centre", "scaling_up", "total")


def org_category(org_type: str) -> str:
    """The KPI category of an organisation type (every other support organisation is scaling_up)."""
    if org_type == "sme":
        return "sme"
    if org_type == "cluster_organisation":
        return "cluster"
    if org_type == "technology_centre":
        return "technology_centre"
    return "scaling_up"


PROFILE_LIST_COLUMNS = (
    "sectors",
    "languages",
    "target_org_types",
    "target_countries",
    "target_sectors",
    "exchange_types",
)
PROFILE_REQUIRED_COLUMNS = (
    "profile_id",
    "role",
    "org_id",
    "org_name",
    "org_type",
    "country",
    "partnership",
    "sectors",
    "languages",
    "available_from",
    "available_to",
    "min_days",
    "max_days",
    "mode",
    "target_org_types",
    "target_countries",
    "target_sectors",
    "exchange_types",
    "offer",
    "seek",
    "capacity",
    "status",
    "validated",
)
# Personal data: loaded if present, never copied into outputs.
PROFILE_PERSONAL_COLUMNS = ("contact_name", "contact_email", "contact_phone")
PROFILE_OPTIONAL_COLUMNS = ("description", "website", *PROFILE_PERSONAL_COLUMNS)

HISTORY_COLUMNS = ("visitor_id", "host_id", "decided_on", "outcome", "mode")
# the exchange's dates: an accepted or completed exchange occupies its host on them
HISTORY_OPTIONAL_COLUMNS = ("start", "end")
QUOTA_COLUMNS = ("partnership", "category", "target")

LIST_SEPARATOR = ";"  # list columns in CSV are ';'-joined


class Policy(BaseModel):
    """Rule parameters (``policy.toml``). Unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_sme_share: float = Field(0.5, ge=0.0, le=1.0)
    require_common_language: bool = True
    min_days: int = Field(3, ge=3, le=22, description="shortest stay, working days")
    max_days: int = Field(22, ge=3, le=22, description="longest stay, working days (a month)")
    max_group_size: int | None = Field(None, ge=1, description="caps every host capacity")
    physical_visits_per_visitor: int = Field(1, ge=1)
    plan_on: Literal["outcome", "proposals"] = Field(
        "outcome",
        description="outcome: quotas and the SME share hold on the expected exchanges (each "
        "proposal counts its chance p_accept), the SME share on the proposals too; proposals: "
        "each proposal counts as an exchange (for comparison)",
    )
    quota_shortfall_penalty: float = Field(
        1000.0, gt=0, description="score points lost per missing exchange of a quota"
    )
    # stability across nights (engine.night.carryover): what changing an earlier proposal costs
    churn_penalty: float = Field(
        10.0, ge=0, description="score points lost when an unanswered proposal is changed"
    )
    hold_penalty: float = Field(
        1000.0, ge=0, description="score points lost when a pair on hold is no longer proposed"
    )
    # the campaign over time
    lead_days: int = Field(
        14,
        ge=0,
        le=366,
        description="days between a night and the earliest start it proposes (the Commitment "
        "to Quality reaches the Support Office at least 2 weeks before the exchange begins)",
    )
    public_holidays: bool = Field(
        True, description="working days are Monday to Friday less the host country's holidays"
    )
    generation_start: date | None = Field(
        None,
        description="physical visits before this day do not count (a new programme "
        "generation); None: all history counts",
    )
    # grouped exchanges (a host receives its visitors together, on shared dates)
    max_groups_per_host: int = Field(
        1, ge=1, le=100, description="new groups a host is proposed per night"
    )
    group_common_language: bool = Field(
        True, description="a group has one working language every member and the host speak"
    )
    group_event_bonus: float = Field(
        5.0, ge=0, description="score points per member beyond the first, for group-event hosts"
    )
    slots_per_host: int = Field(6, ge=1, description="most promising group slots kept per host")
    # lump sums and budgets (EUR); the visitor's partnership pays
    lump_sums: dict[str, float] = Field(
        default_factory=dict, description="per host country threshold overrides"
    )
    budgets: dict[str, float] = Field(
        default_factory=dict,
        description="per partnership cap on the campaign's lump sums (accepted and proposed)",
    )

    @field_validator("lump_sums")
    @classmethod
    def _cosme_host_countries(cls, table: dict[str, float]) -> dict[str, float]:
        from engine.domain.reference import canonical_country

        unknown = sorted(code for code in table if canonical_country(code) is None)
        if unknown:
            raise ValueError(f"not COSME participating countries: {', '.join(unknown)}")
        return {str(canonical_country(code)): amount for code, amount in table.items()}

    @model_validator(mode="after")
    def _days_ordered(self) -> Policy:
        if self.min_days > self.max_days:
            raise ValueError(f"min_days ({self.min_days}) > max_days ({self.max_days})")
        return self


@dataclass(frozen=True)
class Campaign:
    """One validated campaign. Tables are pandas frames with canonical dtypes:

    * profiles: one row per profile, index 0..n-1; list columns hold tuples of str;
      ``country`` is canonical ISO 3166-1 alpha-2 (``GR`` for Greece, ``XK`` for Kosovo);
      ``sectors``/``target_sectors`` hold NACE division codes as ``C29``; dates are
      ``datetime64[ns]`` (midnight); ``capacity`` is int (1 for visitors when absent).
    * history: ``visitor_id, host_id, decided_on, outcome, mode, start, end`` (``start`` and
      ``end`` are the exchange's dates, ``NaT`` when the history does not say).
    * quotas: ``partnership, category, target``.

    ``warnings``: what loading noticed without refusing it (e.g. an accepted exchange
    without dates, which occupies no host capacity).
    """

    profiles: pd.DataFrame
    history: pd.DataFrame
    quotas: pd.DataFrame
    policy: Policy = field(default_factory=lambda: Policy())
    name: str = "campaign"
    input_hashes: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> Campaign:
        return replace(self, **changes)

    @property
    def visitors(self) -> pd.DataFrame:
        return self.profiles[self.profiles["role"] == "visitor"]

    @property
    def hosts(self) -> pd.DataFrame:
        return self.profiles[self.profiles["role"] == "host"]
