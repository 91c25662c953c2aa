"""Per-column rules of the input tables as pandera checks, run lazily so that every failing
cell is collected with its file, row, column and value."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pandera.pandas as pa

from engine.domain.contract import STAY_DAYS, Policy
from engine.domain.problems import Problem
from engine.domain.reference import non_participant
from engine.domain.spelling import Vocabulary
from engine.load.cells import (
    DATE_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    parse_bool,
    parse_days,
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
    "date",
    lambda cells: parse_days(cells).notna(),
    constant_message(f"is not a date ({DATE_WORDS}: the day first)"),
)


def plausible_date(policy: Policy) -> Rule:
    """A date in the campaign's plausible range (cells that are not dates pass: DATE reports
    them)."""
    first, last = policy.earliest_date, policy.latest_date

    def valid(cells: pd.Series) -> pd.Series:
        days = parse_days(cells)
        return days.map(lambda day: day is None or first <= day <= last).astype(bool)

    return Rule(
        "plausible_date",
        valid,
        constant_message(
            f"is outside the campaign's plausible dates {first}..{last} (policy earliest_date, "
            "latest_date)"
        ),
    )


BOOLEAN = Rule(
    "boolean",
    lambda cells: parse_bool(cells).notna(),
    constant_message(f"is not a boolean ({'/'.join(TRUE_WORDS + FALSE_WORDS)})"),
)


def known(vocab: Vocabulary) -> Rule:
    """Cells the field's vocabulary knows (a code or any accepted spelling); an unknown value
    is reported with the field's kind and the nearest known spelling."""
    return Rule(
        f"known_{vocab.kind.replace(' ', '_')}",
        lambda cells: cells.map(vocab.lookup).notna(),
        vocab.unknown,
    )


def in_list(rule: Rule, vocab: Vocabulary) -> Rule:
    """``rule`` for one element of a list cell: an element that is a ','-joined list with a part
    the vocabulary does not know says so (the seeds audit: "English, Klingon" was met with
    "did you mean 'English'?", which would drop the other value)."""

    def message(value: str) -> str:
        parts = [part.strip() for part in str(value).split(",")]
        unknown = [part for part in parts if vocab.lookup(part) is None]
        if len(parts) < 2 or len(unknown) == len(parts):
            return rule.message(value)
        named = ", ".join(repr(part) for part in unknown)
        return (
            f"is not a known {vocab.kind}: a list is ';'-joined, or ','-joined where every part "
            f"is known ({named} is not)"
        )

    return replace(rule, message=message)


def known_country(vocab: Vocabulary) -> Rule:
    """A COSME participating country; a country that is not one is named (Norway, the UK)."""

    def message(value: str) -> str:
        name = non_participant(value)
        return f"is not a COSME participating country ({name})" if name else vocab.unknown(value)

    return Rule("cosme_country", lambda cells: cells.map(vocab.lookup).notna(), message)


# Cells that are not integers pass the two rules below: INTEGER reports them.
AT_LEAST_ONE = Rule(
    "at_least_one",
    lambda cells: ~true_where(parse_int(cells) < 1),
    constant_message("is less than 1"),
)


def at_most(limit: int) -> Rule:
    return Rule(
        f"at_most_{limit}",
        lambda cells: ~true_where(parse_int(cells) > limit),
        constant_message(f"is more than {limit:,}"),
    )


NOT_NEGATIVE = Rule(
    "not_negative",
    lambda cells: ~true_where(parse_int(cells) < 0),
    constant_message("is negative"),
)


def days_in_range() -> Rule:
    """A profile's stay lies within the programme's (3..23 working days); a policy narrower
    than that narrows the pairs' stays (eligibility takes the tighter of both), it refuses
    no profile (the audit: policy 4..4 refused every profile of 3..5 days)."""
    low, high = STAY_DAYS
    return Rule(
        "days_in_programme_range",
        lambda cells: ~true_where((parse_int(cells) < low) | (parse_int(cells) > high)),
        constant_message(f"is outside the programme's {low}..{high} working days"),
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
