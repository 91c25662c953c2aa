"""Reviewers' decision files (CSV or Excel), read into plain text rows with every defect located.

A decision file has one row per answered proposal: ``visitor_id, host_id, decision``
(``accepted``, ``rejected`` or ``hold``), optionally ``note``, ``decided_by``, ``decided_on``
(``YYYY-MM-DD``) and ``run_id``. Other columns are ignored, so the proposals workbook of a run
(``proposals.xlsx``) comes back as it is once reviewers have filled in its ``decision``
column. A row whose decision is left empty is a proposal not answered yet: it is skipped.
Rows are numbered like the data rows of the file (the first row under the header is row 1).
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
from engine.domain.decisions import DECISIONS
from engine.domain.problems import Problem

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


def read_decision_file(path: Path) -> tuple[DecisionFile | None, list[Problem]]:
    """The file's rows and every problem of its form (columns, values, dates)."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() not in SUFFIXES:
        return None, [Problem(name, None, None, None, "is not a .csv or .xlsx file")]
    try:
        content = path.read_bytes()
        table = _read_xlsx(content) if path.suffix.lower() == ".xlsx" else _read_csv(content)
    except Exception as error:  # any reader error is a problem of the file
        return None, [Problem(name, None, None, None, f"cannot be read: {error}")]
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
    table = table.assign(row=range(1, len(table) + 1))[list(ROW_COLUMNS)]
    table = table[(table[list(REQUIRED_COLUMNS)] != "").any(axis=1)]  # blank lines
    table["decision"] = table["decision"].str.lower()
    answered = table[table["decision"] != ""]
    problems = _row_problems(name, answered)
    digest = hashlib.sha256(content).hexdigest()
    rows = answered.reset_index(drop=True)
    return DecisionFile(name, digest, rows, unanswered=len(table) - len(answered)), problems


def _row_problems(name: str, rows: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    for record in rows.to_dict("records"):
        row = int(record["row"])
        for column in ("visitor_id", "host_id"):
            if record[column] == "":
                problems.append(Problem(name, row, column, None, "is empty"))
        if record["decision"] not in DECISIONS:
            message = "is not a decision: use accepted, rejected or hold"
            problems.append(Problem(name, row, "decision", record["decision"], message))
        if record["decided_on"] and _iso_day(record["decided_on"]) is None:
            message = "is not a date (YYYY-MM-DD)"
            problems.append(Problem(name, row, "decided_on", record["decided_on"], message))
    return problems


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _read_csv(content: bytes) -> pd.DataFrame:
    table = pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return _clean(table)


def _read_xlsx(content: bytes) -> pd.DataFrame:
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
        return pd.DataFrame()
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    header = [cell or f"column {i + 1}" for i, cell in enumerate(rows[0])]
    return _clean(pd.DataFrame(rows[1:], columns=header, dtype=str))


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


def _clean(table: pd.DataFrame) -> pd.DataFrame:
    """Stripped text cells with our export's formula neutralisation undone; header lower-case."""
    cleaned: dict[str, pd.Series] = {}
    for i, column in enumerate(str(column).strip().lower() for column in table.columns):
        if column not in cleaned:  # a repeated header: the first column counts
            cleaned[column] = table.iloc[:, i].fillna("").astype(str).str.strip().map(restore)
    return pd.DataFrame(cleaned, index=table.index)
