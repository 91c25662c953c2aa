"""``policy.toml`` read into a :class:`~engine.domain.contract.Policy`: every problem at once,
each with its key (``column``) and value.

pydantic checks each key (types, finite numbers and their bounds, the one date format); the
orderings between keys (``min_days <= max_days``, ``earliest_date <= latest_date``,
``generation_start`` within them) are checked here as well, because pydantic skips the model's
own check once any key is invalid; so are the ``[lump_sums]`` countries, which pydantic checks
only once every amount is valid. Budgets name partnerships: one no profile belongs to is a
problem too (:func:`budget_problems`, once the profiles are read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from engine.domain.contract import DEFAULT_DATE_RANGE, Policy, typed_date
from engine.domain.problems import Problem
from engine.domain.reference import canonical_country

POLICY_FILE = "policy.toml"


# a value of the wrong TOML type, in words (strict: no `true` read as 1, no `"5"` as 5)
TYPE_WORDS = {
    "bool_type": "write true or false (no quotes)",
    "int_type": "write a whole number (no quotes)",
    "float_type": "write a number (no quotes)",
    "string_type": "write a text in quotes",
}


def type_words(kind: str, value: Any) -> str:
    """What to write instead of a value of the wrong TOML type: "(no quotes)" only where it
    was quoted (``slots_per_host = 5.0`` was told to drop quotes it did not have)."""
    words = TYPE_WORDS[kind]
    return words if isinstance(value, str) else words.removesuffix(" (no quotes)")


def check_policy(data: Mapping[str, Any], file: str = POLICY_FILE) -> tuple[Policy, list[Problem]]:
    """The policy, or the default policy and every problem of ``data``."""
    problems = _ordering_problems(data, file)
    try:
        policy = Policy.model_validate(dict(data))
    except ValidationError as error:
        for detail in error.errors():
            key = ".".join(str(part) for part in detail["loc"]) or None
            if key is None:
                continue  # the model's own orderings, checked above on every key given
            value = _shown(detail.get("input"))
            if detail["type"] == "extra_forbidden":
                message = "is not a policy setting (unknown key)"
            elif detail["type"] in TYPE_WORDS:
                message = "is invalid: " + type_words(detail["type"], detail.get("input"))
            else:
                message = "is invalid: " + detail["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, None, key, value, message))
        if not any(problem.column == "lump_sums" for problem in problems):
            problems += _country_problems(data.get("lump_sums"), file)
        return Policy(), problems
    return policy, problems


def _shown(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)  # as TOML writes it
    return text if len(text) <= 80 else text[:77] + "..."


def _ordering_problems(data: Mapping[str, Any], file: str) -> list[Problem]:
    problems = []
    shortest, longest = data.get("min_days"), data.get("max_days")
    days = [v for v in (shortest, longest) if isinstance(v, int) and not isinstance(v, bool)]
    if len(days) == 2 and days[0] > days[1]:
        message = f"is greater than max_days ({longest})"
        problems.append(Problem(file, None, "min_days", str(shortest), message))
    first = _date_or_none(data.get("earliest_date", DEFAULT_DATE_RANGE[0]))
    last = _date_or_none(data.get("latest_date", DEFAULT_DATE_RANGE[1]))
    if first is not None and last is not None and first > last:
        message = f"is after latest_date ({last})"
        problems.append(Problem(file, None, "earliest_date", str(first), message))
    start = _date_or_none(data.get("generation_start"))
    if start is not None and first is not None and last is not None and not first <= start <= last:
        message = f"is outside the plausible dates {first}..{last} (earliest_date, latest_date)"
        problems.append(Problem(file, None, "generation_start", str(start), message))
    return problems


def _country_problems(table: Any, file: str) -> list[Problem]:
    """``[lump_sums]`` keys that are no COSME participating country: pydantic checks them only
    once every amount of the table is valid, so a bad amount would hide them."""
    if not isinstance(table, Mapping):
        return []
    return [
        Problem(
            file, None, f"lump_sums.{code}", str(amount), "is not a COSME participating country"
        )
        for code, amount in sorted(table.items(), key=lambda item: str(item[0]))
        if canonical_country(str(code)) is None
    ]


def _date_or_none(value: Any) -> date | None:
    try:
        day = typed_date(value)
    except ValueError:
        return None
    return day if isinstance(day, date) else None


def budget_problems(
    budgets: Mapping[str, object], partnerships: Iterable[str], file: str = POLICY_FILE
) -> list[Problem]:
    """Budgets (``[budgets]`` as written) for a partnership no profile belongs to: a typo that
    would cap nothing."""
    known = set(partnerships)
    return [
        Problem(
            file,
            None,
            f"budgets.{name}",
            str(amount),
            "names no partnership of the profiles (a budget caps the lump sums of its "
            "partnership's visitors)",
        )
        for name, amount in sorted(budgets.items())
        if name not in known
    ]
