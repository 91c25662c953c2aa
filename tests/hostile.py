"""Hostile values for the property tests of issue 16: what a person (or a broken export) can put
in a cell, a policy key, a decision file or an option. Every value is text as it would be typed;
the tests assert a clean refusal (exit 2, the field named, nothing written) or a clean run, never
a traceback."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

from hypothesis import strategies as st

# values that broke, or could break, a parser downstream: numbers too large for the solver or
# for int64, non-finite floats, dates outside pandas' range or in other formats, formulas,
# separators, quotes, control characters, a long cell
HOSTILE_WORDS = (
    "", " ", "nan", "NaN", "None", "null", "NULL", "inf", "-inf", "Infinity", "1e300",
    "-1", "0", "-0", "2147483648", "4294967296", "9223372036854775808",
    "99999999999999999999", "3.5", "1,5", "0x10", "1_000", "٣", "１２",
    "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2+3", "\t", "a\nb", "a\rb", "a\x00b", "\x1b[31m",
    "😀", "Ünïcödé", ";", ";;", "a;b", " ; ", "'", '"', "\\", "</script><script>alert(1)",
    "0001-01-01", "9999-12-31", "2262-04-12", "1677-09-21", "2027-W18-4", "20270506",
    "2027-02-30", "2027-13-01", "2027-1-5", "2027-01-05T10:00:00", "05/01/2027",
    "true", "yes", "maybe", "V1", "v1", "H1", "DE", "sme", "x" * 5000,
)  # fmt: skip


def hostile_text() -> st.SearchStrategy[str]:
    """A hostile cell: a known troublemaker, any short unicode text, or a number or date as
    text in any form."""
    return st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.text(max_size=24),
        st.integers().map(str),
        st.floats().map(repr),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
    )


def _toml_string(text: str) -> str:
    escaped = json.dumps(text, ensure_ascii=False)
    return escaped.replace("\x7f", "\\u007f")  # TOML wants every control character escaped


def _toml_float(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def toml_value() -> st.SearchStrategy[str]:
    """A hostile TOML value (valid TOML): integers of any size TOML holds, any float (nan,
    inf, 1e300), strings, booleans, dates and times, arrays and inline tables."""
    scalar = st.one_of(
        st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
        st.sampled_from([0, 1, -1, 2**31, 10**18]).map(str),
        st.floats().map(_toml_float),
        hostile_text().map(_toml_string),
        st.booleans().map(lambda flag: "true" if flag else "false"),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
            lambda moment: moment.isoformat()
        ),
    )
    return st.one_of(
        scalar,
        st.lists(scalar, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
        st.dictionaries(st.sampled_from(["DE", "x", "P1"]), scalar, max_size=2).map(
            lambda table: "{" + ", ".join(f"{k} = {v}" for k, v in table.items()) + "}"
        ),
    )
