"""Reviewers' decision files (CSV or Excel), read into plain text rows, each with its own row
number: the number a spreadsheet shows (the header is row 1, the first answer row 2), so a
problem cites the row a reviewer sees in Excel; in a CSV, the line number.

A decision file has one row per answer: ``visitor_id, host_id, decision`` (``accepted``,
``rejected``, ``hold``, ``cancelled`` or ``withdrawn``), optionally ``side`` (``visitor``,
``host`` or ``both``; empty: both, for the Support Office), ``partnership`` (answered on
behalf of it), ``note``, ``decided_by``, ``decided_on`` (``YYYY-MM-DD``, or as a campaign
file writes a date: ``DD/MM/YYYY``, ...) and ``run_id``. Other columns are ignored, so the
proposals workbook of a run (``proposals.xlsx``) comes back as it is once reviewers have
filled in its ``decision`` column. A row whose decision is left empty
is a proposal not answered yet: it is skipped. Whether each row's values make sense is checked
by :func:`engine.review.rules.check_requests`, the one validation every entry point shares;
here only the file's form (a file, readable, each column it reads once) and the workbook's
other sheets (a decision typed there is not read: a warning says where). The boundary's parts
of a row are here too, for that validation to call: ``decided_on`` is ``YYYY-MM-DD`` within the
plausible dates (:func:`decided_on_problem`), a ``run_id`` names a run of the campaign
(:func:`unknown_runs`).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.cells import restore
from engine.domain.contract import Policy
from engine.domain.decisions import decision_word, side_word
from engine.domain.problems import Problem
from engine.load.cells import campaign_day, iso_day
from engine.load.files import EmptyCsv, csv_records, header_below, not_a_file, plain_text

REQUIRED_COLUMNS = ("visitor_id", "host_id", "decision")
OPTIONAL_COLUMNS = ("side", "partnership", "note", "decided_by", "decided_on", "run_id")
SUFFIXES = (".csv", ".xlsx")
ROW_COLUMNS = ("row", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
FIRST_DATA_ROW = 2  # the header is row 1
DECISION_SHEET = "proposals"
DECISION_WORDS = ("accepted", "rejected", "hold", "cancelled", "withdrawn")
# columns of the workbook's other sheets the engine fills in itself
ENGINE_COLUMNS = ("recorded_decision", "change", "reason", "reasons", "status")


@dataclass(frozen=True)
class DecisionFile:
    """The answered rows of one file (text cells, ``decision`` and ``side`` lower-cased)."""

    name: str
    sha256: str
    rows: pd.DataFrame  # ROW_COLUMNS; ``row`` is the spreadsheet's own row number
    unanswered: int  # rows with an empty decision
    warnings: list[str] = field(default_factory=list)  # decisions typed on other sheets


def read_decision_file(path: Path) -> tuple[DecisionFile | None, list[Problem]]:
    """The file's rows, or every problem of its form (unreadable, columns missing)."""
    path = Path(path)
    name = path.name
    if path.suffix.lower() not in SUFFIXES:
        return None, [Problem(name, None, None, None, "is not a .csv or .xlsx file")]
    problem = not_a_file(path)
    if problem is not None:
        return None, [problem]
    warnings: list[str] = []
    lines: list[int] | None = None  # a CSV's own line numbers (a workbook's rows are its rows)
    try:
        content = path.read_bytes()
        if path.suffix.lower() == ".xlsx":
            header, cells, warnings = _read_xlsx(content, name)
        else:
            header, cells, lines = csv_records(content)
    except EmptyCsv as error:
        columns = ", ".join(REQUIRED_COLUMNS)
        return None, [Problem(name, None, None, None, f"{error}; its columns: {columns}, ...")]
    except Exception as error:  # any reader error is a problem of the file
        return None, [Problem(name, None, None, None, f"cannot be read: {error}")]
    below = header_below(header, cells, REQUIRED_COLUMNS)
    if below is not None:
        where = "row" if path.suffix.lower() == ".xlsx" else "line"
        message = (
            f"its first {where} names none of visitor_id, host_id, decision and {where} {below} "
            f"does: the header must be the first {where} (is there a title {where} above it?)"
        )
        return None, [Problem(name, None, None, None, message)]
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
    first = FIRST_DATA_ROW
    numbers = lines if lines is not None else range(first, len(table) + first)
    table = table.assign(row=list(numbers))[list(ROW_COLUMNS)]
    table = table[(table[list(REQUIRED_COLUMNS)] != "").any(axis=1)]  # blank lines
    table["decision"] = table["decision"].map(decision_word)
    table["side"] = table["side"].map(side_word)
    table["decided_on"] = table["decided_on"].map(_iso_text)
    answered = table[table["decision"] != ""]
    digest = hashlib.sha256(content).hexdigest()
    rows = answered.reset_index(drop=True)
    unanswered = len(table) - len(answered)
    return DecisionFile(name, digest, rows, unanswered, warnings), []


def _iso_text(text: str) -> str:
    """A ``decided_on`` cell as ``YYYY-MM-DD`` where it is a date in a campaign file's formats
    (a reviewer in Europe types ``20/03/2027``); else as it is, for the problem to cite."""
    day = campaign_day(text) if text else None
    return text if day is None else day.isoformat()


NOT_ISO = "is not a date (YYYY-MM-DD)"


def decided_on_problem(text: str, policy: Policy | None = None) -> str | None:
    """Why a typed ``decided_on`` cannot be recorded (None: it can): ``YYYY-MM-DD`` only, and
    within the plausible dates (the policy's, by default 2000-01-01..2099-12-31). A date the
    log's readers cannot read back would poison every later run of the campaign."""
    policy = policy or Policy()
    day = iso_day(text)
    if day is None:
        return NOT_ISO
    if not policy.plausible(day):
        return f"is outside the plausible dates {policy.earliest_date}..{policy.latest_date}"
    return None


def unknown_runs(file: DecisionFile, run_ids: set[str]) -> tuple[DecisionFile, list[Problem]]:
    """The file without its rows whose ``run_id`` names no run of the campaign, and a
    problem for each of them (a row without ``run_id`` answers whichever run proposed it)."""
    rows = file.rows
    unknown = (rows["run_id"] != "") & ~rows["run_id"].isin(sorted(run_ids))
    problems = [
        Problem(
            file.name,
            int(record["row"]),
            "run_id",
            record["run_id"],
            "names no run of this campaign (the run these decisions answer)",
        )
        for record in rows[unknown].to_dict("records")
    ]
    kept = rows[~unknown].reset_index(drop=True)
    return DecisionFile(file.name, file.sha256, kept, file.unanswered, file.warnings), problems


def _read_xlsx(content: bytes, name: str) -> tuple[list[str], list[pd.Series], list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        chosen = DECISION_SHEET if DECISION_SHEET in workbook.sheetnames else None
        sheet = workbook[chosen] if chosen else workbook.worksheets[0]
        rows = _sheet_rows(sheet)
        warnings = [
            warning
            for other in workbook.worksheets
            if other.title != sheet.title
            for warning in _typed_decisions(name, other.title, _sheet_rows(other))
        ]
    finally:
        workbook.close()
    if not rows:
        return [], [], warnings
    header = [cell or f"column {i + 1}" for i, cell in enumerate(rows[0])]
    cells = [pd.Series([row[i] for row in rows[1:]], dtype=object) for i in range(len(header))]
    return header, cells, warnings


def _sheet_rows(sheet: Any) -> list[list[str]]:
    rows = [[_xlsx_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def _typed_decisions(name: str, title: str, rows: list[list[str]]) -> list[str]:
    """A warning per cell of another sheet holding a decision word (it is not read)."""
    from openpyxl.utils import get_column_letter

    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    cells = [
        f"{get_column_letter(column + 1)}{number}"
        for number, row in enumerate(rows[1:], start=FIRST_DATA_ROW)
        for column, value in enumerate(row)
        if value.strip().lower() in DECISION_WORDS and header[column] not in ENGINE_COLUMNS
    ]
    if not cells:
        return []
    shown = ", ".join(cells[:10]) + (f" and {len(cells) - 10} more" if len(cells) > 10 else "")
    return [
        f"{name}: sheet {title!r} has decisions typed in {shown}; only the "
        f"{DECISION_SHEET!r} sheet is read: answer there"
    ]


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
    cleaned = {
        str(name): column for name, column in plain_text(pd.DataFrame(cleaned), file).items()
    }
    problems = [
        Problem(file, None, name, None, f"is in the header {names.count(name)} times; keep one")
        for name in dict.fromkeys(names)
        if names.count(name) > 1 and name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    ]
    rows = len(cells[0]) if cells else 0
    return pd.DataFrame(cleaned, index=pd.RangeIndex(rows)), problems
