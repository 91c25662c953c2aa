"""Per-column rules of the input tables as pandera checks, run lazily so that every failing
cell is collected with its file, row, column and value."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pandera.pandas as pa

from engine.domain.contract import Policy
from engine.domain.problems import Problem
from engine.domain.reference import canonical_country, canonical_nace
from engine.load.cells import (
    FALSE_WORDS,
    TRUE_WORDS,
    canonical_language,
    parse_bool,
    parse_dates,
    parse_int,
    true_where,
)

logger = logging.getLogger(__name__)


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


def constant_message(message: str) -> Callable[[str], str]:
    return lambda _value: message


def country_message(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code.strip().upper()) if code.strip() else None
    name = f" ({country.name})" if country is not None else ""
    return f"is not a COSME participating country{name}"


REQUIRED = Rule(
    "required",
    lambda cells: cells.str.strip() != "",
    constant_message("is empty; a value is required"),
    empty_passes=False,
)


INTEGER = Rule(
    "integer", lambda cells: parse_int(cells).notna(), constant_message("is not an integer")
)


DATE = Rule(
    "date", lambda cells: parse_dates(cells).notna(), constant_message("is not a date (YYYY-MM-DD)")
)


BOOLEAN = Rule(
    "boolean",
    lambda cells: parse_bool(cells).notna(),
    constant_message(f"is not a boolean ({'/'.join(TRUE_WORDS + FALSE_WORDS)})"),
)


COUNTRY = Rule("cosme_country", lambda cells: cells.map(canonical_country).notna(), country_message)


NACE = Rule(
    "nace_division",
    lambda cells: cells.map(canonical_nace).notna(),
    constant_message("is not a NACE Rev. 2 division (e.g. C29)"),
)


LANGUAGE = Rule(
    "language",
    lambda cells: cells.map(canonical_language).notna(),
    constant_message("is not an ISO 639-1 language code"),
)


# Cells that are not integers pass the two rules below: INTEGER reports them.
AT_LEAST_ONE = Rule(
    "at_least_one",
    lambda cells: ~true_where(parse_int(cells) < 1),
    constant_message("is less than 1"),
)


NOT_NEGATIVE = Rule(
    "not_negative",
    lambda cells: ~true_where(parse_int(cells) < 0),
    constant_message("is negative"),
)


def one_of(kind: str, values: Iterable[str]) -> Rule:
    allowed = tuple(values)
    return Rule(
        f"one_of_{kind}",
        lambda cells: cells.isin(allowed),
        constant_message(f"is not a valid {kind} (one of: {', '.join(allowed)})"),
    )


def days_in_range(policy: Policy) -> Rule:
    low, high = policy.min_days, policy.max_days
    return Rule(
        "days_in_policy_range",
        lambda cells: ~true_where((parse_int(cells) < low) | (parse_int(cells) > high)),
        constant_message(f"is outside the policy range {low}..{high} working days"),
    )


def pandera_column(
    rules: Iterable[Rule], *, required: bool = True, unique: bool = False
) -> pa.Column:
    return pa.Column(
        checks=[rule.check() for rule in rules],
        required=required,
        unique=unique,
        report_duplicates="all",
    )


def run_schema(
    schema: pa.DataFrameSchema | pa.SeriesSchema, data: Any, file: str, rules: Iterable[Rule]
) -> list[Problem]:
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return problems_from_failures(
            errors.failure_cases, file, {rule.name: rule for rule in rules}
        )
    return []


def problems_from_failures(
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


def schema_problems(raw: pd.DataFrame, file: str, rules: Mapping[str, list[Rule]]) -> list[Problem]:
    schema = pa.DataFrameSchema(
        {name: pandera_column(column_rules) for name, column_rules in rules.items()}
    )
    return run_schema(
        schema, raw, file, [rule for column_rules in rules.values() for rule in column_rules]
    )
