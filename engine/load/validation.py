"""Checks of a campaign's raw tables, where every cell is still the text of the input file.

Per-column checks are pandera schemas run lazily, so every failure is collected; checks
that compare columns, rows or tables are plain pandas. Every check returns Problems with
file, 1-based data row, column and the offending value. A raw frame must have the
default index 0..n-1 (data row = index + 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from engine.domain.cells import look_alike
from engine.domain.contract import (
    HISTORY_OPTIONAL_COLUMNS,
    HOST_ONLY_ORG_TYPES,
    MAX_CAPACITY,
    MAX_QUOTA_TARGET,
    PROFILE_LIST_COLUMNS,
    PROFILE_OPTIONAL_COLUMNS,
    PROFILE_REQUIRED_COLUMNS,
    Policy,
)
from engine.domain.problems import Problem
from engine.domain.vocabulary import COLUMN_VOCABULARIES, Vocabularies, builtin_vocabularies
from engine.load.cells import parse_dates, parse_int, split_list, true_where
from engine.load.column_rules import (
    AT_LEAST_ONE,
    BOOLEAN,
    DATE,
    INTEGER,
    NOT_NEGATIVE,
    REQUIRED,
    Rule,
    at_most,
    days_in_range,
    in_list,
    known,
    known_country,
    pandera_column,
    plausible_date,
    run_schema,
    schema_problems,
)
from engine.load.consistency import case_problems, contradictory_history, no_profiles
from engine.load.words import nearest_partnership, partnership_spelling_problems

logger = logging.getLogger(__name__)

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


def _canonical(name: str) -> Callable[[str], str | None]:
    return builtin_vocabularies()[name].lookup


# How each element of a profile list column is made canonical (None = invalid element).
LIST_ELEMENT_CANONICAL: dict[str, Callable[[str], str | None]] = {
    column: _canonical(COLUMN_VOCABULARIES["profiles"][column]) for column in PROFILE_LIST_COLUMNS
}


# --- per-column rules as pandera checks ----------------------------------------------------


def column_rule(vocabularies: Vocabularies, table: str, column: str) -> Rule:
    """The rule of an enumerated column: its vocabulary knows every cell (every element)."""
    vocab = vocabularies.for_column(table, column)
    assert vocab is not None, (table, column)
    return known_country(vocab) if COLUMN_VOCABULARIES[table][column] == "country" else known(vocab)


# --- checks across columns, rows and tables --------------------------------------------------


def _problems(
    raw: pd.DataFrame, file: str, column: str, mask: pd.Series, message: str | pd.Series
) -> list[Problem]:
    """One problem per row where ``mask`` is True, on the cell of ``column``."""
    rows = true_where(mask)
    messages = pd.Series(message, index=raw.index) if isinstance(message, str) else message
    return [
        Problem(file, int(index) + 1, column, str(raw.at[index, column]), str(messages[index]))
        for index in rows[rows].index
    ]


def _is_empty(cells: pd.Series) -> pd.Series:
    return cells.astype(str).str.strip() == ""


# --- the tables ----------------------------------------------------------------------------


def check_profiles(
    raw: pd.DataFrame,
    policy: Policy,
    file: str = "profiles.csv",
    vocabularies: Vocabularies | None = None,
) -> list[Problem]:
    """Every problem of a raw profiles table (all cells text, enumerated cells in codes or in
    any spelling the vocabularies know; cross-column checks read codes, see engine.load.words)."""
    raw = raw.reset_index(drop=True)
    vocabularies = vocabularies or Vocabularies()
    rules = profile_rules(policy, vocabularies)
    columns = {name: pandera_column(rules[name], unique=name == "profile_id") for name in rules}
    columns |= {name: pandera_column([], required=False) for name in PROFILE_OPTIONAL_COLUMNS}
    all_rules = [rule for column_rules in rules.values() for rule in column_rules]
    problems = run_schema(pa.DataFrameSchema(columns), raw, file, all_rules)
    for name in PROFILE_LIST_COLUMNS:
        if name in raw.columns:
            vocab = vocabularies.for_column("profiles", name)
            rule = column_rule(vocabularies, "profiles", name)
            rule = rule if vocab is None else in_list(rule, vocab)
            schema = pa.SeriesSchema(checks=[rule.check()], name=name)
            problems += run_schema(schema, split_list(raw[name]).rename(name), file, [rule])
    problems += partnership_spelling_problems(raw, file)
    problems += case_problems(raw, file, "profile_id", "profile_id")
    problems += case_problems(raw, file, "org_id", "org_id")
    problems += no_profiles(raw, file)
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
    raw: pd.DataFrame,
    profiles: pd.DataFrame | None,
    file: str = "history.csv",
    vocabularies: Vocabularies | None = None,
    policy: Policy | None = None,
) -> list[Problem]:
    """Every problem of a raw history table; ``profiles`` is the raw profiles table, if any."""
    raw = raw.reset_index(drop=True)
    vocabularies = vocabularies or Vocabularies()
    dated = [DATE, plausible_date(policy or Policy())]
    problems = schema_problems(
        raw,
        file,
        {
            "visitor_id": [REQUIRED],
            "host_id": [REQUIRED],
            "decided_on": [REQUIRED, *dated],
            "outcome": [REQUIRED, column_rule(vocabularies, "history", "outcome")],
            "mode": [REQUIRED, column_rule(vocabularies, "history", "mode")],
            **{column: dated for column in HISTORY_OPTIONAL_COLUMNS if column in raw.columns},
        },
    )
    problems += _history_date_problems(raw, file)
    problems += contradictory_history(raw, file)
    if profiles is None or not {"profile_id", "role"} <= set(profiles.columns):
        return problems
    first = profiles.drop_duplicates("profile_id")  # duplicates are reported with the profiles
    role_of = pd.Series(first["role"].astype(str).to_numpy(), index=first["profile_id"].astype(str))
    for column, role in (("visitor_id", "visitor"), ("host_id", "host")):
        if column in raw.columns:
            roles = raw[column].astype(str).map(role_of)
            unknown = roles.isna() & ~_is_empty(raw[column])
            problems += _problems(raw, file, column, unknown, _unknown_ids(raw[column], role_of))
            message = "is a " + roles.fillna("") + f" profile, not a {role}"
            problems += _problems(raw, file, column, roles.notna() & (roles != role), message)
    return problems


def _history_date_problems(raw: pd.DataFrame, file: str) -> list[Problem]:
    """``start`` and ``end``: both or neither, and an end on or after the start."""
    if not set(HISTORY_OPTIONAL_COLUMNS) & set(raw.columns):
        return []
    for column in HISTORY_OPTIONAL_COLUMNS:
        if column not in raw.columns:
            return [Problem(file, None, column, None, "is missing: give both start and end")]
    start, end = _is_empty(raw["start"]), _is_empty(raw["end"])
    problems = _problems(raw, file, "end", start & ~end, "has no start date")
    problems += _problems(raw, file, "start", ~start & end, "has no end date")
    first, last = parse_dates(raw["start"]), parse_dates(raw["end"])
    problems += _problems(raw, file, "end", last < first, "is before the start")
    return problems


def check_quotas(
    raw: pd.DataFrame,
    profiles: pd.DataFrame | None,
    file: str = "quotas.csv",
    vocabularies: Vocabularies | None = None,
) -> list[Problem]:
    """Every problem of a raw quotas table; ``profiles`` is the raw profiles table, if any."""
    raw = raw.reset_index(drop=True)
    vocabularies = vocabularies or Vocabularies()
    problems = schema_problems(
        raw,
        file,
        {
            "partnership": [REQUIRED],
            "category": [REQUIRED, column_rule(vocabularies, "quotas", "category")],
            "target": [REQUIRED, INTEGER, NOT_NEGATIVE, at_most(MAX_QUOTA_TARGET)],
        },
    )
    if profiles is not None and "partnership" in profiles.columns and "partnership" in raw.columns:
        unknown = ~raw["partnership"].isin(profiles["partnership"]) & ~_is_empty(raw["partnership"])
        known_names = sorted(set(profiles["partnership"].astype(str)))
        messages = (
            raw["partnership"].astype(str).map(lambda name: _unknown_partnership(name, known_names))
        )
        problems += _problems(raw, file, "partnership", unknown, messages)
    if {"partnership", "category"} <= set(raw.columns):
        duplicated = raw.duplicated(["partnership", "category"], keep=False)
        message = "is a duplicate quota of partnership " + raw["partnership"].astype(str)
        problems += _problems(raw, file, "category", duplicated, message)
    return problems


def _unknown_ids(cells: pd.Series, role_of: pd.Series) -> pd.Series:
    """Why each id is unknown: no profile has it, or one has it in another case."""
    by_case = {look_alike(str(known)): str(known) for known in role_of.index}

    def message(value: str) -> str:
        other = by_case.get(look_alike(value))
        if other is not None:
            return (
                f"is not a known profile_id; did you mean {other!r}? (write ids as the profiles do)"
            )
        return (
            "is not a known profile_id (a profile no longer in the IT tool's export? keep its "
            "row in profiles with status draft: never proposed, its exchanges still count)"
        )

    return cells.astype(str).map(message)


def _unknown_partnership(name: str, known_names: list[str]) -> str:
    nearest = nearest_partnership(name, known_names)
    guess = f"; did you mean '{nearest}'?" if nearest is not None else ""
    return f"is not the partnership of any profile{guess}"


def profile_rules(
    policy: Policy, vocabularies: Vocabularies | None = None
) -> dict[str, list[Rule]]:
    """The per-cell rules of every profile column (list columns: of the whole cell)."""
    vocabularies = vocabularies or Vocabularies()
    rules: dict[str, list[Rule]] = {name: [] for name in PROFILE_REQUIRED_COLUMNS}
    for name in PROFILE_NON_EMPTY:
        rules[name].append(REQUIRED)
    for name in ("role", "org_type", "country", "mode", "status"):
        rules[name].append(column_rule(vocabularies, "profiles", name))
    for name in ("available_from", "available_to"):
        rules[name] += [DATE, plausible_date(policy)]
    for name in ("min_days", "max_days"):
        rules[name] += [INTEGER, days_in_range()]
    rules["capacity"] += [INTEGER, AT_LEAST_ONE, at_most(MAX_CAPACITY)]
    rules["validated"].append(BOOLEAN)
    return rules
