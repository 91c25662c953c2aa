"""Reviewers' decision files (CSV or Excel), read into plain text rows with every defect located.

A decision file has one row per answered proposal: ``visitor_id, host_id, decision``
(``accepted``, ``rejected`` or ``hold``), optionally ``note``, ``decided_by``, ``decided_on``
(``YYYY-MM-DD``) and ``run_id``. Other columns are ignored, so the proposals workbook of a run
(``proposals.xlsx``) comes back as it is once reviewers have filled in its ``decision``
column. A row whose decision is left empty is a proposal not answered yet: it is skipped.
Rows of a CSV file are numbered like its data rows (the first row under the header is row 1);
rows of a workbook as Excel numbers them (the header is row 1, the first answer row 2).
Dates are ``YYYY-MM-DD`` within the campaign's plausible dates (the policy's
``earliest_date..latest_date``); a ``run_id`` must name the run the file answers.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.cells import restore
from engine.domain.contract import Policy
from engine.domain.decisions import DECISIONS
from engine.domain.problems import Problem
from engine.load.cells import iso_day
from engine.load.files import csv_cells, not_a_file

REQUIRED_COLUMNS = ("visitor_id", "host_id", "decision")
OPTIONAL_COLUMNS = ("note", "decided_by", "decided_on", "run_id")
SUFFIXES = (".csv", ".xlsx")
ROW_COLUMNS = ("row", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class DecisionFile:
    """The answered rows of one file (text cells, ``decision`` lower-cased)."""

    name: str
    sha256: str
    rows: pd.DataFrame  # ROW_COLUMNS; ``row`` is the file's 1-based data row
    unanswered: int  # rows with an empty decision


def read_decision_file(
    path: Path, policy: Policy | None = None
) -> tuple[DecisionFile | None, list[Problem]]:
    """The file's rows and every problem of its form (columns, values, dates in ``policy``'s
    plausible range, by default 2000-01-01..2099-12-31)."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() not in SUFFIXES:
        return None, [Problem(name, None, None, None, "is not a .csv or .xlsx file")]
    problem = not_a_file(path)
    if problem is not None:
        return None, [problem]
    try:
        content = path.read_bytes()
        if path.suffix.lower() == ".xlsx":
            header, cells, first_row = _read_xlsx(content)
        else:
            (header, cells), first_row = csv_cells(content), 1
    except Exception as error:  # any reader error is a problem of the file
        return None, [Problem(name, None, None, None, f"cannot be read: {error}")]
    table, repeated = _clean(header, cells, name)
    if repeated:
        return None, repeated
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        return None, [
            Problem(
                name, None, column, None, "column is missing (needs visitor_id, host_id, decision)"
            )
            for column in missing
        ]
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table = table.assign(row=range(first_row, first_row + len(table)))[list(ROW_COLUMNS)]
    table = table[(table[list(REQUIRED_COLUMNS)] != "").any(axis=1)]  # blank lines
    table["decision"] = table["decision"].str.lower()
    answered = table[table["decision"] != ""]
    problems = _row_problems(name, answered, policy or Policy())
    digest = hashlib.sha256(content).hexdigest()
    rows = answered.reset_index(drop=True)
    return DecisionFile(name, digest, rows, unanswered=len(table) - len(answered)), problems


def _row_problems(name: str, rows: pd.DataFrame, policy: Policy) -> list[Problem]:
    problems: list[Problem] = []
    for record in rows.to_dict("records"):
        row = int(record["row"])
        for column in ("visitor_id", "host_id"):
            if record[column] == "":
                problems.append(Problem(name, row, column, None, "is empty"))
        if record["decision"] not in DECISIONS:
            message = "is not a decision: use accepted, rejected or hold"
            problems.append(Problem(name, row, "decision", record["decision"], message))
        if record["decided_on"]:
            day = iso_day(record["decided_on"])
            if day is None:
                message = "is not a date (YYYY-MM-DD)"
            elif not policy.plausible(day):
                message = (
                    f"is outside the campaign's plausible dates {policy.earliest_date}.."
                    f"{policy.latest_date}"
                )
            else:
                continue
            problems.append(Problem(name, row, "decided_on", record["decided_on"], message))
    return problems


def run_id_problems(file: DecisionFile, run_id: str) -> list[Problem]:
    """Rows whose ``run_id`` names another run than the one the file is recorded for."""
    return [
        Problem(
            file.name,
            int(record["row"]),
            "run_id",
            record["run_id"],
            f"names another run than {run_id}, the run these decisions are recorded for",
        )
        for record in file.rows.to_dict("records")
        if record["run_id"] not in ("", run_id)
    ]


def _read_xlsx(content: bytes) -> tuple[list[str], list[pd.Series], int]:
    """The sheet's header (Excel row 1), its columns' cells, and the Excel row of its first
    data row."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        sheet = (
            workbook["proposals"] if "proposals" in workbook.sheetnames else workbook.worksheets[0]
        )
        rows = [[_xlsx_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        return [], [], 2
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    header = [cell or f"column {i + 1}" for i, cell in enumerate(rows[0])]
    cells = [pd.Series([row[i] for row in rows[1:]], dtype=object) for i in range(width)]
    return header, cells, 2


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean(
    header: list[str], cells: list[pd.Series], file: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Stripped text cells with our export's formula neutralisation undone, the header trimmed
    and lower-case; a column the file is read by that is there twice is a problem (which one
    would count?), other repeated columns are ignored."""
    names = [str(name).strip().lower() for name in header]
    cleaned: dict[str, pd.Series] = {}
    for name, column in zip(names, cells, strict=True):
        if name not in cleaned:
            cleaned[name] = column.fillna("").astype(str).str.strip().map(restore)
    problems = [
        Problem(
            file,
            None,
            name,
            None,
            f"is in the header {names.count(name)} times; keep one",
        )
        for name in dict.fromkeys(names)
        if names.count(name) > 1 and name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    ]
    rows = len(cells[0]) if cells else 0
    return pd.DataFrame(cleaned, index=pd.RangeIndex(rows)), problems
