"""The data contract (v1): table columns, enumerations, the policy and the validated campaign.

Everything downstream of loading trusts a :class:`Campaign`: its tables have been checked
once, at the boundary, by :mod:`engine.load.validation`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

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
# the visitor's category ("total" counts every exchange of the partnership). Public
# authorities and innovation agencies are not scaling-up support organisations (seed 004 names
# them apart, seed 001 lists what the scaling-up ones are): they are "public", counted in the
# total and in a "public" target where a partnership sets one.
QUOTA_CATEGORIES = ("sme", "cluster", "technology_centre", "scaling_up", "public", "total")
PUBLIC_ORG_TYPES = ("public_authority", "innovation_agency")


def org_category(org_type: str) -> str:
    """The KPI category of an organisation type (every other support organisation is
    scaling_up: research institutes, fab labs, hubs, incubators, accelerators, ...)."""
    if org_type == "sme":
        return "sme"
    if org_type == "cluster_organisation":
        return "cluster"
    if org_type == "technology_centre":
        return "technology_centre"
    if org_type in PUBLIC_ORG_TYPES:
        return "public"
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


# Bounds of what a person may type (README "Inputs"): every number is finite and bounded so
# that it fits the solver's integer arithmetic (scores and euros are scaled to integers).
MAX_CAPACITY = 10_000  # visitors a host receives at once (and policy max_group_size)
MAX_QUOTA_TARGET = 1_000_000  # exchanges a quota asks for
MAX_PENALTY = 1_000_000.0  # score points (quota shortfall, churn, hold)
MAX_LUMP_SUM_EUR = 10_000.0  # a host country's lump-sum threshold
MAX_BUDGET_EUR = 100_000_000.0  # a partnership's budget for the campaign
# Every date of a campaign lies in a plausible range, ``earliest_date..latest_date`` of the
# policy (default 2000-01-01..2099-12-31), which itself lies in these limits.
DATE_LIMITS = (date(1900, 1, 1), date(2199, 12, 31))
DEFAULT_DATE_RANGE = (date(2000, 1, 1), date(2099, 12, 31))
DATE_FORMAT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # YYYY-MM-DD, the one date format of every input


def typed_date(value: Any) -> Any:
    """A date as TOML or a person types it: a TOML date or a ``YYYY-MM-DD`` string, nothing
    else (no datetime, no week date, no Unix timestamp)."""
    if isinstance(value, datetime):
        raise ValueError("is a date and time; give a date (YYYY-MM-DD)")
    if isinstance(value, date) or value is None:
        return value
    if isinstance(value, str) and re.fullmatch(DATE_FORMAT, value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("is not a date (YYYY-MM-DD)")


def finite(*, ge: float | None = None, gt: float | None = None, le: float, default: Any) -> Any:
    """A float field that refuses inf and nan and has both bounds."""
    return Field(default, ge=ge, gt=gt, le=le, allow_inf_nan=False)


Euros = Annotated[float, Field(ge=0, le=MAX_LUMP_SUM_EUR, allow_inf_nan=False)]
BudgetEuros = Annotated[float, Field(ge=0, le=MAX_BUDGET_EUR, allow_inf_nan=False)]


# the programme's stays: 3 working days to a month (seed 004: "a minimum of three working days
# and up to a maximum of a month"): a month holds at most 23 working days (31 days from a Monday,
# a Tuesday or a Wednesday; DESIGN's 22 refused such a month), and a stay also ends before the
# same date a month later (engine.night.slots); a profile's own shortest and longest stays lie
# within, and the policy may narrow them (a pair's stay is then both's)
STAY_DAYS = (3, 23)


class Policy(BaseModel):
    """Rule parameters (``policy.toml``). Unknown keys are an error, not silently ignored;
    every number is finite and bounded, every date is a ``YYYY-MM-DD`` date."""

    # strict: a person's `true` is no 1.0, `"no"` no False, `"5"` no 5 (the audit: `min_sme_share
    # = true` ran with a share of 100%); an integer is a number where a float is asked
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    min_sme_share: float = finite(ge=0.0, le=1.0, default=0.5)
    require_common_language: bool = True
    min_days: int = Field(
        3, ge=STAY_DAYS[0], le=STAY_DAYS[1], description="shortest stay, working days"
    )
    max_days: int = Field(
        23, ge=STAY_DAYS[0], le=STAY_DAYS[1], description="longest stay, working days (a month)"
    )
    max_group_size: int | None = Field(
        None, ge=1, le=MAX_CAPACITY, description="caps every host capacity"
    )
    plan_on: Literal["outcome", "proposals"] = Field(
        "outcome",
        description="outcome: quotas and the SME share hold on the expected exchanges (each "
        "proposal counts its chance p_accept), the SME share on the proposals too; proposals: "
        "each proposal counts as an exchange (for comparison)",
    )
    physical_visits_per_visitor: int = Field(1, ge=1, le=100)
    short_stay_rate: float = finite(
        ge=0.0, le=1.0, default=1.0
    )  # the share of the host country's threshold a stay under 5 working days gets: 1, as the
    # IT tool's "Max Lump Sum: 830 €" for 3 working days in Belgium (seed 002); 0.5 halves it
    # as the programme's public page says
    quota_shortfall_penalty: float = finite(
        gt=0, le=MAX_PENALTY, default=1000.0
    )  # score points lost per missing exchange of a quota
    # stability across nights (engine.night.carryover): what changing an earlier proposal costs
    churn_penalty: float = finite(
        ge=0, le=MAX_PENALTY, default=10.0
    )  # score points lost when an unanswered proposal is changed
    hold_penalty: float = finite(
        ge=0, le=MAX_PENALTY, default=1000.0
    )  # score points lost when a pair on hold is no longer proposed
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
    virtual_until: date | None = Field(
        None,
        description="the last day a virtual exchange may run (seed 002: the virtual exchanges "
        "period ended on 31 August 2021); None: virtual exchanges have no end",
    )
    # the plausible dates of the campaign: every date of every input lies between them
    earliest_date: date = Field(DEFAULT_DATE_RANGE[0], description="the earliest plausible date")
    latest_date: date = Field(DEFAULT_DATE_RANGE[1], description="the latest plausible date")
    # grouped exchanges (a host receives its visitors together, on shared dates)
    max_groups_per_host: int = Field(
        1, ge=1, le=100, description="new groups a host is proposed per night"
    )
    group_common_language: bool = Field(
        True, description="a group has one working language every member and the host speak"
    )
    group_event_bonus: float = finite(
        ge=0, le=100.0, default=5.0
    )  # score points per member beyond the first, for group-event hosts
    slots_per_host: int = Field(
        6, ge=1, le=100, description="most promising group slots kept per host"
    )
    # lump sums and budgets (EUR); the visitor's partnership pays
    lump_sums: dict[str, Euros] = Field(
        default_factory=dict, description="per host country threshold overrides"
    )
    budgets: dict[str, BudgetEuros] = Field(
        default_factory=dict,
        description="per partnership cap on the campaign's lump sums (accepted and proposed)",
    )

    @field_validator("generation_start", "earliest_date", "latest_date", mode="before")
    @classmethod
    def _one_date_format(cls, value: Any) -> Any:
        return typed_date(value)

    @field_validator("earliest_date", "latest_date")
    @classmethod
    def _within_limits(cls, value: date) -> date:
        first, last = DATE_LIMITS
        if not first <= value <= last:
            raise ValueError(f"must lie in {first}..{last}")
        return value

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
        if self.earliest_date > self.latest_date:
            raise ValueError(
                f"earliest_date ({self.earliest_date}) > latest_date ({self.latest_date})"
            )
        if self.generation_start is not None and not (
            self.earliest_date <= self.generation_start <= self.latest_date
        ):
            raise ValueError(
                f"generation_start ({self.generation_start}) is outside the plausible dates "
                f"{self.earliest_date}..{self.latest_date}"
            )
        return self

    def plausible(self, day: date) -> bool:
        """The day lies in the campaign's plausible dates."""
        return self.earliest_date <= day <= self.latest_date


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
