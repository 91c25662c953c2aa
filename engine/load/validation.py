"""Checks of a campaign's raw tables, where every cell is still the text of the input file.

Per-column checks are pandera schemas run lazily, so every failure is collected; checks
that compare columns, rows or tables are plain pandas. Every check returns Problems with
file, 1-based data row, column and the offending value. A raw frame must have the
default index 0..n-1 (data row = index + 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pydantic import ValidationError

from engine.domain.contract import (
    EXCHANGE_TYPES,
    HISTORY_MODES,
    HOST_ONLY_ORG_TYPES,
    LIST_SEPARATOR,
    MODES,
    ORG_TYPES,
    OUTCOMES,
    PROFILE_LIST_COLUMNS,
    PROFILE_OPTIONAL_COLUMNS,
    PROFILE_REQUIRED_COLUMNS,
    QUOTA_CATEGORIES,
    ROLES,
    STATUSES,
    Policy,
)
from engine.domain.problems import Problem
from engine.domain.reference import canonical_country, canonical_nace, language_codes

logger = logging.getLogger(__name__)

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?"
# Cells of these profile columns must not be empty (list columns: at least one element).
PROFILE_NON_EMPTY = (
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
    "status",
    "validated",
)


# --- parsers shared with the loader ------------------------------------------------------


def canonical_language(code: str) -> str | None:
    """The lowercase ISO 639-1 code, or None if ``code`` is not one."""
    code = str(code).strip().lower()
    return code if code in language_codes() else None


def _canonical_one_of(values: Iterable[str]) -> Callable[[str], str | None]:
    allowed = frozenset(values)
    return lambda element: element if element in allowed else None


# How each element of a profile list column is made canonical (None = invalid element).
LIST_ELEMENT_CANONICAL: dict[str, Callable[[str], str | None]] = {
    "sectors": canonical_nace,
    "target_sectors": canonical_nace,
    "languages": canonical_language,
    "target_countries": canonical_country,
    "target_org_types": _canonical_one_of(ORG_TYPES),
    "exchange_types": _canonical_one_of(EXCHANGE_TYPES),
}


def split_list(cells: pd.Series) -> pd.Series:
    """The non-empty elements of ``;``-joined cells, one per line, indexed by their row."""
    elements = cells.astype(str).str.split(LIST_SEPARATOR).explode().astype(str).str.strip()
    return elements[elements != ""]


def parse_dates(cells: pd.Series) -> pd.Series:
    """ISO 8601 dates at midnight, ``datetime64[ns]``; NaT where a cell is not a date.

    A time of day without a time zone is accepted (and dropped), as Parquet timestamps
    are written that way.
    """
    text = cells.astype(str).str.strip()
    text = text.where(text.str.fullmatch(DATE_PATTERN), "")
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return parsed.dt.normalize().astype("datetime64[ns]")


def parse_int(cells: pd.Series) -> pd.Series:
    """Integers (nullable ``Int64``); NA where a cell is not an integer of int64 size."""
    text = cells.astype(str).str.strip()
    numbers = pd.to_numeric(text.where(text.str.fullmatch(r"[+-]?\d{1,18}")), errors="coerce")
    return numbers.astype("Int64")


def parse_bool(cells: pd.Series) -> pd.Series:
    """true/false/1/0/yes/no in any case as a nullable ``boolean``; NA otherwise."""
    words = cells.astype(str).str.strip().str.lower()
    parsed = pd.Series(pd.NA, index=cells.index, dtype="boolean")
    parsed[words.isin(TRUE_WORDS)] = True
    parsed[words.isin(FALSE_WORDS)] = False
    return parsed


def _flag(mask: pd.Series) -> pd.Series:
    """A boolean mask with NA (a cell that could not be compared) as False."""
    return mask.astype("boolean").fillna(False).astype(bool)


# --- per-column rules as pandera checks ----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A per-cell rule: ``valid`` marks the cells that pass. Empty cells pass unless
    ``empty_passes`` is False: emptiness is the job of the ``required`` rule alone."""

    name: str
    valid: Callable[[pd.Series], pd.Series]
    message: Callable[[str], str]
    empty_passes: bool = True

    def check(self) -> pa.Check:
        def passes(cells: pd.Series) -> pd.Series:
            text = cells.astype(str)
            valid = self.valid(text).astype(bool)
            return (valid | (text == "")) if self.empty_passes else valid

        return pa.Check(passes, name=self.name)


def _constant(message: str) -> Callable[[str], str]:
    return lambda _value: message


def _country_message(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code.strip().upper()) if code.strip() else None
    name = f" ({country.name})" if country is not None else ""
    return f"is not a COSME participating country{name}"


REQUIRED = Rule(
    "required",
    lambda cells: cells.str.strip() != "",
    _constant("is empty; a value is required"),
    empty_passes=False,
)
INTEGER = Rule("integer", lambda cells: parse_int(cells).notna(), _constant("is not an integer"))
DATE = Rule(
    "date", lambda cells: parse_dates(cells).notna(), _constant("is not a date (YYYY-MM-DD)")
)
BOOLEAN = Rule(
    "boolean",
    lambda cells: parse_bool(cells).notna(),
    _constant(f"is not a boolean ({'/'.join(TRUE_WORDS + FALSE_WORDS)})"),
)
COUNTRY = Rule(
    "cosme_country", lambda cells: cells.map(canonical_country).notna(), _country_message
)
NACE = Rule(
    "nace_division",
    lambda cells: cells.map(canonical_nace).notna(),
    _constant("is not a NACE Rev. 2 division (e.g. C29)"),
)
LANGUAGE = Rule(
    "language",
    lambda cells: cells.map(canonical_language).notna(),
    _constant("is not an ISO 639-1 language code"),
)
# Cells that are not integers pass the two rules below: INTEGER reports them.
AT_LEAST_ONE = Rule(
    "at_least_one",
    lambda cells: ~_flag(parse_int(cells) < 1),
    _constant("is less than 1"),
)
NOT_NEGATIVE = Rule(
    "not_negative",
    lambda cells: ~_flag(parse_int(cells) < 0),
    _constant("is negative"),
)


def one_of(kind: str, values: Iterable[str]) -> Rule:
    allowed = tuple(values)
    return Rule(
        f"one_of_{kind}",
        lambda cells: cells.isin(allowed),
        _constant(f"is not a valid {kind} (one of: {', '.join(allowed)})"),
    )


def days_in_range(policy: Policy) -> Rule:
    low, high = policy.min_days, policy.max_days
    return Rule(
        "days_in_policy_range",
        lambda cells: ~_flag((parse_int(cells) < low) | (parse_int(cells) > high)),
        _constant(f"is outside the policy range {low}..{high} working days"),
    )


ELEMENT_RULES: dict[str, Rule] = {
    "sectors": NACE,
    "target_sectors": NACE,
    "languages": LANGUAGE,
    "target_countries": COUNTRY,
    "target_org_types": one_of("organisation type", ORG_TYPES),
    "exchange_types": one_of("exchange type", EXCHANGE_TYPES),
}


def _column(rules: Iterable[Rule], *, required: bool = True, unique: bool = False) -> pa.Column:
    return pa.Column(
        checks=[rule.check() for rule in rules],
        required=required,
        unique=unique,
        report_duplicates="all",
    )


def profile_rules(policy: Policy) -> dict[str, list[Rule]]:
    """The per-cell rules of every profile column (list columns: of the whole cell)."""
    rules: dict[str, list[Rule]] = {name: [] for name in PROFILE_REQUIRED_COLUMNS}
    for name in PROFILE_NON_EMPTY:
        rules[name].append(REQUIRED)
    rules["role"].append(one_of("role", ROLES))
    rules["org_type"].append(one_of("organisation type", ORG_TYPES))
    rules["country"].append(COUNTRY)
    rules["available_from"].append(DATE)
    rules["available_to"].append(DATE)
    for name in ("min_days", "max_days"):
        rules[name] += [INTEGER, days_in_range(policy)]
    rules["mode"].append(one_of("mode", MODES))
    rules["capacity"] += [INTEGER, AT_LEAST_ONE]
    rules["status"].append(one_of("status", STATUSES))
    rules["validated"].append(BOOLEAN)
    return rules


def _run_schema(
    schema: pa.DataFrameSchema | pa.SeriesSchema, data: Any, file: str, rules: Iterable[Rule]
) -> list[Problem]:
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _problems_from_failures(
            errors.failure_cases, file, {rule.name: rule for rule in rules}
        )
    return []


def _problems_from_failures(
    failures: pd.DataFrame, file: str, rules: Mapping[str, Rule]
) -> list[Problem]:
    records = [
        {key: None if pd.isna(value) else value for key, value in record.items()}
        for record in failures.to_dict("records")
    ]
    duplicate_rows: dict[tuple[str, str], list[int]] = {}
    for record in records:
        if record["check"] == "field_uniqueness" and record["index"] is not None:
            key = (str(record["column"]), str(record["failure_case"]))
            duplicate_rows.setdefault(key, []).append(int(record["index"]) + 1)
    problems = []
    for record in records:
        check = str(record["check"])
        column = None if record["column"] is None else str(record["column"])
        row = None if record["index"] is None else int(record["index"]) + 1
        value = None if record["failure_case"] is None else str(record["failure_case"])
        if check == "column_in_dataframe":
            problems.append(Problem(file, None, value, None, "required column is missing"))
        elif check == "field_uniqueness" and value:  # an empty id is reported as empty
            others = sorted(set(duplicate_rows[(str(column), value)]) - {row})
            rows = f"row{'s' if len(others) > 1 else ''} {', '.join(map(str, others))}"
            problems.append(
                Problem(file, row, column, value, f"is a duplicate {column} (also in {rows})")
            )
        elif check in rules:
            problems.append(Problem(file, row, column, value, rules[check].message(value or "")))
        elif check != "field_uniqueness":
            logger.debug("unmapped pandera failure %s", record)
            problems.append(Problem(file, row, column, value, f"fails check {check}"))
    return problems


def _schema_problems(
    raw: pd.DataFrame, file: str, rules: Mapping[str, list[Rule]]
) -> list[Problem]:
    schema = pa.DataFrameSchema(
        {name: _column(column_rules) for name, column_rules in rules.items()}
    )
    return _run_schema(
        schema, raw, file, [rule for column_rules in rules.values() for rule in column_rules]
    )


# --- checks across columns, rows and tables --------------------------------------------------


def _problems(
    raw: pd.DataFrame, file: str, column: str, mask: pd.Series, message: str | pd.Series
) -> list[Problem]:
    """One problem per row where ``mask`` is True, on the cell of ``column``."""
    flagged = _flag(mask)
    messages = pd.Series(message, index=raw.index) if isinstance(message, str) else message
    return [
        Problem(file, int(index) + 1, column, str(raw.at[index, column]), str(messages[index]))
        for index in flagged[flagged].index
    ]


def _is_empty(cells: pd.Series) -> pd.Series:
    return cells.astype(str).str.strip() == ""


# --- the tables ----------------------------------------------------------------------------


def check_profiles(raw: pd.DataFrame, policy: Policy, file: str = "profiles.csv") -> list[Problem]:
    """Every problem of a raw profiles table (all cells text)."""
    raw = raw.reset_index(drop=True)
    rules = profile_rules(policy)
    columns = {name: _column(rules[name], unique=name == "profile_id") for name in rules}
    columns |= {name: _column([], required=False) for name in PROFILE_OPTIONAL_COLUMNS}
    all_rules = [rule for column_rules in rules.values() for rule in column_rules]
    problems = _run_schema(pa.DataFrameSchema(columns), raw, file, all_rules)
    for name in PROFILE_LIST_COLUMNS:
        if name in raw.columns:
            rule = ELEMENT_RULES[name]
            schema = pa.SeriesSchema(checks=[rule.check()], name=name)
            problems += _run_schema(schema, split_list(raw[name]).rename(name), file, [rule])
    return problems + _profile_cross_checks(raw, file)


def _profile_cross_checks(raw: pd.DataFrame, file: str) -> list[Problem]:
    present = set(raw.columns)
    problems: list[Problem] = []
    if {"available_from", "available_to"} <= present:
        before = parse_dates(raw["available_to"]) < parse_dates(raw["available_from"])
        message = "is before available_from (" + raw["available_from"].astype(str) + ")"
        problems += _problems(raw, file, "available_to", before, message)
    if {"min_days", "max_days"} <= present:
        longer = parse_int(raw["min_days"]) > parse_int(raw["max_days"])
        message = "is greater than max_days (" + raw["max_days"].astype(str) + ")"
        problems += _problems(raw, file, "min_days", longer, message)
    if {"role", "org_type"} <= present:
        host_only = (raw["role"] == "visitor") & raw["org_type"].isin(HOST_ONLY_ORG_TYPES)
        host_only_message = "may only host; this profile is a visitor"
        problems += _problems(raw, file, "org_type", host_only, host_only_message)
    if {"role", "capacity"} <= present:
        no_capacity = (raw["role"] == "host") & _is_empty(raw["capacity"])
        no_capacity_message = "is empty; a host needs a capacity of at least 1"
        problems += _problems(raw, file, "capacity", no_capacity, no_capacity_message)
    return problems


def check_history(
    raw: pd.DataFrame, profiles: pd.DataFrame | None, file: str = "history.csv"
) -> list[Problem]:
    """Every problem of a raw history table; ``profiles`` is the raw profiles table, if any."""
    raw = raw.reset_index(drop=True)
    problems = _schema_problems(
        raw,
        file,
        {
            "visitor_id": [REQUIRED],
            "host_id": [REQUIRED],
            "decided_on": [REQUIRED, DATE],
            "outcome": [REQUIRED, one_of("outcome", OUTCOMES)],
            "mode": [REQUIRED, one_of("history mode", HISTORY_MODES)],
        },
    )
    if profiles is None or not {"profile_id", "role"} <= set(profiles.columns):
        return problems
    first = profiles.drop_duplicates("profile_id")  # duplicates are reported with the profiles
    role_of = pd.Series(first["role"].astype(str).to_numpy(), index=first["profile_id"].astype(str))
    for column, role in (("visitor_id", "visitor"), ("host_id", "host")):
        if column in raw.columns:
            roles = raw[column].astype(str).map(role_of)
            unknown = roles.isna() & ~_is_empty(raw[column])
            problems += _problems(raw, file, column, unknown, "is not a known profile_id")
            message = "is a " + roles.fillna("") + f" profile, not a {role}"
            problems += _problems(raw, file, column, roles.notna() & (roles != role), message)
    return problems


def check_quotas(
    raw: pd.DataFrame, profiles: pd.DataFrame | None, file: str = "quotas.csv"
) -> list[Problem]:
    """Every problem of a raw quotas table; ``profiles`` is the raw profiles table, if any."""
    raw = raw.reset_index(drop=True)
    problems = _schema_problems(
        raw,
        file,
        {
            "partnership": [REQUIRED],
            "category": [REQUIRED, one_of("quota category", QUOTA_CATEGORIES)],
            "target": [REQUIRED, INTEGER, NOT_NEGATIVE],
        },
    )
    if profiles is not None and "partnership" in profiles.columns and "partnership" in raw.columns:
        unknown = ~raw["partnership"].isin(profiles["partnership"]) & ~_is_empty(raw["partnership"])
        problems += _problems(
            raw, file, "partnership", unknown, "is not the partnership of any profile"
        )
    if {"partnership", "category"} <= set(raw.columns):
        duplicated = raw.duplicated(["partnership", "category"], keep=False)
        message = "is a duplicate quota of partnership " + raw["partnership"].astype(str)
        problems += _problems(raw, file, "category", duplicated, message)
    return problems


def check_policy(
    data: Mapping[str, Any], file: str = "policy.toml"
) -> tuple[Policy, list[Problem]]:
    """The policy, or the default policy and every problem of ``data``.

    The ordering of min_days and max_days is checked here too: pydantic skips the model's
    own check when a field is invalid, and every problem must be reported at once.
    """
    shortest, longest = data.get("min_days"), data.get("max_days")
    problems = []
    if isinstance(shortest, int) and isinstance(longest, int) and shortest > longest:
        message = f"is greater than max_days ({longest})"
        problems.append(Problem(file, None, "min_days", str(shortest), message))
    try:
        policy = Policy.model_validate(dict(data))
    except ValidationError as error:
        for detail in error.errors():
            key = ".".join(str(part) for part in detail["loc"]) or None
            if key is None and problems:
                continue  # the model's day-ordering check, already reported above
            value = None if key is None else str(detail.get("input"))
            if detail["type"] == "extra_forbidden":
                message = "is not a policy setting (unknown key)"
            else:
                message = detail["msg"].removeprefix("Value error, ")
                message = message if key is None else f"is invalid: {message}"
            problems.append(Problem(file, None, key, value, message))
        return Policy(), problems
    return policy, problems
