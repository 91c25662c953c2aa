"""Issue 16, property tests of the boundary: a hostile value in any cell of any table, or in any
policy key, is refused cleanly (exit 2, every problem located in the field changed or in what
refers to it, nothing written) or read cleanly (exit 0), never a traceback.

Each field is its own test (``pytest --hypothesis-show-statistics`` counts the examples tried
per field); the values are :func:`tests.hostile.hostile_text` for cells and
:func:`tests.hostile.toml_value` for the policy.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.domain.contract import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
    PROFILE_OPTIONAL_COLUMNS,
    PROFILE_REQUIRED_COLUMNS,
    QUOTA_COLUMNS,
    Policy,
)
from tests.factory import host, visitor
from tests.hostile import hostile_text, toml_value

runner = CliRunner()
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "6"))  # hostile values tried per field
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROBLEM = re.compile(r"^  (?P<file>[^ ,:]+)(?: row (?P<row>\d+))?(?:, column (?P<column>[^:]+))?: ")
TABLES = {
    "profiles.csv": (*PROFILE_REQUIRED_COLUMNS, *PROFILE_OPTIONAL_COLUMNS),
    "history.csv": (*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS),
    "quotas.csv": QUOTA_COLUMNS,
}
FIELDS = [(file, column) for file, columns in TABLES.items() for column in columns]
DATES = {
    ("profiles.csv", "available_from"),
    ("profiles.csv", "available_to"),
    ("history.csv", "decided_on"),
    ("history.csv", "start"),
    ("history.csv", "end"),
}
# a changed field may also be reported where it is used (an id history refers to, ...)
CONSEQUENCES: dict[tuple[str, str], set[tuple[str, str | None]]] = {
    ("profiles.csv", "profile_id"): {("history.csv", "visitor_id"), ("history.csv", "host_id")},
    ("profiles.csv", "role"): {
        ("history.csv", "visitor_id"),
        ("history.csv", "host_id"),
        ("profiles.csv", "org_type"),
        ("profiles.csv", "capacity"),
    },
    ("profiles.csv", "partnership"): {
        ("quotas.csv", "partnership"),
        ("policy.toml", "budgets.P1"),
    },
    ("profiles.csv", "org_type"): set(),
    ("profiles.csv", "min_days"): {("profiles.csv", "max_days")},
    ("profiles.csv", "max_days"): {("profiles.csv", "min_days")},
    ("profiles.csv", "available_from"): {("profiles.csv", "available_to")},
    ("profiles.csv", "available_to"): {("profiles.csv", "available_from")},
    ("history.csv", "visitor_id"): {("history.csv", "outcome")},
    ("history.csv", "host_id"): {("history.csv", "outcome")},
    ("history.csv", "start"): {("history.csv", "end")},
    ("history.csv", "end"): {("history.csv", "start")},
    ("quotas.csv", "partnership"): {("quotas.csv", "category")},
}
POLICY_KEYS = sorted(Policy.model_fields)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, str]:
    """A valid campaign using every column of every table: each file's text."""
    folder = tmp_path_factory.mktemp("hostile") / "campaign"
    folder.mkdir()
    extra = {
        "description": "d",
        "website": "https://example.org",
        "contact_name": "A",
        "contact_email": "a@example.org",
        "contact_phone": "+1",
    }
    profiles = [
        visitor("V1", **extra),
        visitor("V2", country="IT", org_type="cluster_organisation", **extra),
        host("H1", capacity=2, **extra),
        host("H2", country="DE", **extra),
    ]
    pd.DataFrame(profiles).to_csv(folder / "profiles.csv", index=False)
    history = [
        ("V1", "H1", "2026-05-01", "accepted", "physical", "2026-06-01", "2026-06-05"),
        ("V2", "H2", "2026-05-02", "rejected", "virtual", "", ""),
    ]
    pd.DataFrame(history, columns=TABLES["history.csv"]).to_csv(folder / "history.csv", index=False)
    quotas = [("P1", "sme", 1), ("P1", "total", 2)]
    pd.DataFrame(quotas, columns=QUOTA_COLUMNS).to_csv(folder / "quotas.csv", index=False)
    (folder / "policy.toml").write_text("min_sme_share = 0.5\n[budgets]\nP1 = 5000\n")
    assert runner.invoke(app, ["validate", str(folder)]).exit_code == exitcodes.OK
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}


def written(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def with_cell(text: str, row: int, column: str, value: str) -> str:
    """The CSV text with one cell changed; every field quoted, so that a line break or a
    separator inside the value stays inside its cell, as a spreadsheet writes it."""
    rows = list(csv.reader(io.StringIO(text)))
    rows[1 + row % (len(rows) - 1)][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


def problems(output: str) -> list[tuple[str, str | None]]:
    """The (file, column) of every problem listed under 'campaign ... is invalid'."""
    found = []
    for line in output.splitlines():
        match = PROBLEM.match(line)
        if match:
            column = match["column"]
            found.append((match["file"], None if column is None else column.strip()))
    return found


def validated(folder: Path, allowed: set[tuple[str, str | None]]) -> int:
    """``cxmatch validate`` on the folder: a clean refusal or a clean run, never a traceback,
    every problem where it is allowed, nothing written."""
    before = sorted(str(path) for path in folder.rglob("*"))
    result = runner.invoke(app, ["validate", str(folder)])
    assert "Traceback" not in result.output
    assert result.exit_code in (exitcodes.OK, exitcodes.BAD_INPUT), result.output
    if result.exit_code == exitcodes.BAD_INPUT:
        located = problems(result.output)
        assert located, result.output  # every problem is listed with its file
        assert set(located) <= allowed, (located, result.output)
    assert sorted(str(path) for path in folder.rglob("*")) == before
    return result.exit_code


@pytest.mark.parametrize(("file", "column"), FIELDS, ids=[f"{f}:{c}" for f, c in FIELDS])
@PROPERTY
@given(value=hostile_text(), row=st.integers(0, 3))
def test_a_hostile_cell_is_refused_or_read_never_a_traceback(base, file, column, value, row):
    with tempfile.TemporaryDirectory() as work:
        files = {**base, file: with_cell(base[file], row, column, value)}
        folder = written(Path(work) / "campaign", files)
        allowed = {(file, column), (file, None), *CONSEQUENCES.get((file, column), set())}
        if (file, column) in DATES:  # an unreadable date may hide the order of two dates
            allowed |= {(file, other) for f, other in DATES if f == file}
        validated(folder, allowed)


@pytest.mark.parametrize("key", POLICY_KEYS)
@PROPERTY
@given(value=toml_value(), country=st.sampled_from(["DE", "EL", "NO", "xx", "P1"]))
def test_a_hostile_policy_value_is_refused_or_read_never_a_traceback(base, key, value, country):
    if key in ("lump_sums", "budgets"):
        text = f"[{key}]\n{country} = {value}\n"
    else:
        text = f"{key} = {value}\n"
    with tempfile.TemporaryDirectory() as work:
        folder = written(Path(work) / "campaign", {**base, "policy.toml": text})
        allowed = {
            ("policy.toml", key),
            ("policy.toml", None),
            ("policy.toml", f"{key}.{country}"),
            ("policy.toml", f"budgets.{country}"),
        }
        if key in ("min_days", "max_days"):  # the policy's stay range applies to profiles
            allowed |= {("profiles.csv", "min_days"), ("profiles.csv", "max_days")}
            allowed |= {("policy.toml", "min_days"), ("policy.toml", "max_days")}
        if key in ("earliest_date", "latest_date"):  # its dates apply to every date
            allowed |= DATES | {("policy.toml", "generation_start")}
            allowed |= {("policy.toml", "earliest_date"), ("policy.toml", "latest_date")}
        validated(folder, allowed)
