"""What the checker reports and reads: the rules it knows, a :class:`Violation`, a proposal
row as the checker sees it, and the small value readers the rules share."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.reference import canonical_country

PROPOSAL_MODES = ("physical", "virtual")


CHECKED_COLUMNS = ("visitor_id", "host_id", "group_id", "start", "end", "mode")


PROFILE_COLUMNS_READ = (
    "profile_id",
    "role",
    "org_id",
    "org_type",
    "country",
    "languages",
    "available_from",
    "available_to",
    "min_days",
    "max_days",
    "mode",
    "capacity",
    "status",
    "validated",
)


RULES = (
    "unknown_profile",
    "role",
    "duplicate_pair",
    "visitor_once",
    "physical_visit_used",
    "host_capacity",
    "sme_share",
    "not_published",
    "not_validated",
    "same_organisation",
    "same_country",
    "not_cosme",
    "mode",
    "blocked_pair",
    "repeated_exchange",
    "language",
    "dates",
    "lead_time",
    "group",
    "large_company_visitor",
)


Profile = dict[Hashable, Any]


Pair = tuple[str, str]


@dataclass(frozen=True)
class Violation:
    """One broken rule; ``visitor_id``/``host_id`` name the proposal or profile concerned."""

    rule: str
    message: str
    visitor_id: str | None = None
    host_id: str | None = None


@dataclass(frozen=True)
class ProposalRow:
    visitor_id: str
    host_id: str
    group_id: Hashable | None
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    mode: Any
    p_accept: float | None = None  # the pair's chance of becoming an exchange, where written

    @property
    def pair(self) -> Pair:
        return (self.visitor_id, self.host_id)


def is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def is_true(value: Any) -> bool:
    """Only a real boolean True counts: ``"false"`` or NaN is not validated."""
    return isinstance(value, bool | np.bool_) and bool(value)


def day_of(value: Any) -> pd.Timestamp | None:
    """A calendar day (midnight) from a date, datetime64 or ISO string; None if missing."""
    if isinstance(value, pd.Timestamp):  # the common case, and never NaT
        return value.normalize()
    if is_missing(value):
        return None
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(day) else day.normalize()


def country_of(profile: Profile) -> str:
    country = str(profile["country"])
    return canonical_country(country) or country.strip().upper()


def as_set(values: Any) -> set[str]:
    if is_missing(values):
        return set()
    if isinstance(values, str):
        return {value for value in values.split(";") if value}
    return {str(value) for value in values}
