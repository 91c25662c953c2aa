"""Safe tabular exports: CSV and Excel files that a spreadsheet opens without running anything.

Profile texts and names are untrusted input. A spreadsheet treats a cell starting with ``=``,
``+``, ``-`` or ``@`` (and, in some programs, a tab or carriage return) as a formula, so
``=HYPERLINK("http://evil", "click")`` in an organisation name would become a live link.
Every text cell that starts with such a character is written with a leading apostrophe
(``'=HYPERLINK(...)``): spreadsheets show it as text and the apostrophe tells a reader that
the value was neutralised. :func:`restore` undoes it when a reviewer's file comes back.

Numbers and dates are written as numbers and dates (ISO days in CSV, date cells in a workbook);
only text is touched. Contact data (names, e-mails, phones of participants) is dropped unless
the caller asks for it. CSV files are UTF-8 with a byte order mark: a spreadsheet then opens
names such as Łódź, Société or Ελλάδα right instead of guessing a legacy encoding.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from engine.domain.cells import neutralise
from engine.domain.contract import PROFILE_PERSONAL_COLUMNS


def without_contacts(table: pd.DataFrame, include_contacts: bool = False) -> pd.DataFrame:
    """The table without participant contact columns (unless explicitly asked for)."""
    if include_contacts:
        return table
    return table.drop(columns=[c for c in PROFILE_PERSONAL_COLUMNS if c in table.columns])


CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark, as spreadsheets expect
DATE_FORMAT = "yyyy-mm-dd"  # of date cells in a workbook


def safe_table(
    table: pd.DataFrame, include_contacts: bool = False, dates_as_text: bool = True
) -> pd.DataFrame:
    """Text cells neutralised, dates as ISO days (or ``date`` values), contact columns dropped."""
    out = without_contacts(table, include_contacts).copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            if dates_as_text:
                out[column] = values.dt.strftime("%Y-%m-%d")
            else:
                days = [None if pd.isna(day) else day.date() for day in values]
                out[column] = pd.Series(days, index=values.index, dtype=object)
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            out[column] = values.map(neutralise).map(_one_line_ending)
    out.columns = [str(neutralise(str(column))) for column in out.columns]
    return out


def _one_line_ending(value: Any) -> Any:
    """Line breaks inside a cell as ``\n`` (a bare CR would split a CSV row in some readers)."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def write_csv(table: pd.DataFrame, path: Path, include_contacts: bool = False) -> None:
    safe_table(table, include_contacts).to_csv(
        path, index=False, lineterminator="\n", encoding=CSV_ENCODING
    )


BAND_FILLS = {"red": "F4B6B6", "orange": "F9D39B", "green": "B9E3C6"}  # the IT tool's colours


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: Path,
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    include_contacts: bool = False,
    choices_sheet: str | None = None,
    freeze: Mapping[str, str] | None = None,
) -> None:
    """One sheet per table, a frozen header row, column widths and autofilters; ``band``
    cells coloured red / orange / green.

    ``choices`` maps a column name to its allowed values: a drop-down list on that column
    that refuses anything else (of ``choices_sheet`` only, when given: the reviewers'
    ``decision`` column). ``freeze`` maps a sheet to its top-left unfrozen cell (default
    ``A2``: the header row). Dates are date cells.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in sheets.items():
        safe = safe_table(table, include_contacts, dates_as_text=False)
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(list(safe.columns))
        for record in safe.itertuples(index=False, name=None):
            sheet.append([_cell(value) for value in record])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, date | datetime):
                    cell.number_format = DATE_FORMAT
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = (freeze or {}).get(name, "A2")
        if len(safe.columns):
            last = get_column_letter(len(safe.columns))
            sheet.auto_filter.ref = f"A1:{last}{max(1, len(safe) + 1)}"
        for position, column in enumerate(safe.columns, start=1):
            longest = max([len(str(column)), *(len(str(v)) for v in safe[column].head(200))])
            sheet.column_dimensions[get_column_letter(position)].width = min(60, longest + 2)
            letter = get_column_letter(position)
            if str(column) == "band":
                for cell in sheet[letter][1:]:
                    colour = BAND_FILLS.get(str(cell.value))
                    if colour:
                        cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
            allowed = (choices or {}).get(str(column))
            if allowed and len(safe) and choices_sheet in (None, name):
                rule = DataValidation(
                    type="list",
                    formula1='"' + ",".join(allowed) + '"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorStyle="stop",
                    errorTitle=f"{column}: not allowed",
                    error=f"Choose one of: {', '.join(allowed)} (or leave it empty).",
                    showInputMessage=True,
                    promptTitle=str(column),
                    prompt=", ".join(allowed),
                )
                rule.add(f"{letter}2:{letter}{len(safe) + 1}")
                sheet.add_data_validation(rule)
    workbook.save(path)


def _cell(value: Any) -> Any:
    """A value openpyxl stores as data: missing values as empty cells, numpy scalars as Python."""
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, str):
        return _ILLEGAL.sub("\ufffd", value)  # control characters a workbook cannot hold
    return value


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
