"""A campaign's files read as text, at the boundary: a file must be a file (a folder or a
link to nothing is a problem, never "absent"), a table's column names are unique once trimmed
and compared without case, and every cell becomes the text it would have in CSV (Parquet
binary as UTF-8 text, timestamps at midnight as ``YYYY-MM-DD``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.cells import INVISIBLE
from engine.domain.contract import LIST_SEPARATOR
from engine.domain.problems import Problem

logger = logging.getLogger(__name__)

# A cell may hold any text a person pastes (an offer of 140,000 characters refused the whole
# campaign, naming no row, at Python's default 131,072): the largest limit every platform holds.
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class RawTable:
    """A table as read from its file: every cell is stripped text ('' when empty)."""

    file: str
    frame: pd.DataFrame


class NotText(ValueError):
    """A cell that is no text: bytes that are not UTF-8."""


def present(path: Path) -> bool:
    """Something is at ``path``: a file, a folder, or a link (even one to nothing)."""
    return path.exists() or path.is_symlink()


def not_a_file(path: Path) -> Problem | None:
    """Why what is at ``path`` is not a regular file to read, or None when it is one."""
    if path.is_symlink() and not path.exists():
        return Problem(
            path.name, None, None, None, "is a link to nothing (the file it names is missing)"
        )
    if path.is_dir():
        return Problem(path.name, None, None, None, "is a folder, not a file")
    if not path.exists():
        return Problem(path.name, None, None, None, "does not exist")
    if not path.is_file():
        return Problem(path.name, None, None, None, "is not a regular file")
    return None


def read_bytes(path: Path, hashes: dict[str, str]) -> tuple[bytes | None, list[Problem]]:
    """The content of the file at ``path`` (its hash recorded), or the problem of reading it."""
    problem = not_a_file(path)
    if problem is not None:
        return None, [problem]
    try:
        content = path.read_bytes()
    except OSError as error:
        return None, [Problem(path.name, None, None, None, f"cannot be read: {error.strerror}")]
    hashes[path.name] = hashlib.sha256(content).hexdigest()
    return content, []


def read_toml(path: Path, hashes: dict[str, str]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A TOML file's tables (None when absent), or its problems."""
    if not present(path):
        return None, []
    content, problems = read_bytes(path, hashes)
    if content is None:
        return None, problems
    try:
        return tomllib.loads(content.decode("utf-8-sig")), []
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return None, [Problem(path.name, None, None, None, f"is not valid TOML: {error}")]


def read_table(
    folder: Path, name: str, columns: Sequence[str], hashes: dict[str, str]
) -> tuple[RawTable | None, list[Problem]]:
    """``name.csv`` or ``name.parquet`` of ``folder`` as text (None when neither is there)."""
    paths = [path for path in (folder / f"{name}.csv", folder / f"{name}.parquet") if present(path)]
    if not paths:
        return None, []
    if len(paths) > 1:
        message = f"both {paths[0].name} and {paths[1].name} exist; keep only one"
        return None, [Problem(paths[0].name, None, None, None, message)]
    path = paths[0]
    content, problems = read_bytes(path, hashes)
    if content is None:
        return None, problems
    try:
        if path.suffix == ".csv":
            header, cells = csv_cells(content)
        else:
            header, cells, problems = _parquet_cells(content, path.name)
    except EmptyCsv as error:
        expected = ", ".join(columns)
        return None, [Problem(path.name, None, None, None, f"{error}; its columns: {expected}")]
    except Exception as error:  # any reader error is a problem of the file, reported with the rest
        return None, [Problem(path.name, None, None, None, f"cannot be read: {error}")]
    below = header_below(header, cells, columns)
    if below is not None:
        message = (
            f"line 1 names none of its columns ({', '.join(columns[:4])}, ...) and line {below} "
            "does: the header must be the first line (is there a title row above it?)"
        )
        return None, [Problem(path.name, None, None, None, message)]
    # a column written twice is a problem; the rest of the file is still read (its first
    # such column with it), so that every other problem is listed at once too
    names, header_problems = _header(header, columns, path.name)
    problems = header_problems + problems
    frame = pd.DataFrame(
        {name: cells[i].astype(str) for i, name in enumerate(names)},
        index=pd.RangeIndex(len(cells[0]) if cells else 0),
    )
    frame, controlled = _without_control_characters(frame)
    if controlled:
        logger.warning(
            "%s: %d cell%s held control characters (a NUL, a vertical tab, ...): read as spaces",
            path.name, controlled, "s" if controlled != 1 else "",
        )  # fmt: skip
    frame = plain_text(frame, path.name)
    for name in frame.columns:
        frame[name] = frame[name].str.strip()
    # a row of empty cells only (",,,": what a spreadsheet writes for formatted rows left
    # empty) is no data row, as a blank line is not: skipped, not counted
    frame = frame[(frame != "").any(axis=1)].reset_index(drop=True) if len(frame.columns) else frame
    unknown = sorted(  # a known column's second copy is a problem above, not unknown
        name for name in set(frame.columns) - set(columns) if name.split(" (")[0] not in columns
    )
    if unknown:
        logger.warning("%s: ignoring unknown columns %s", path.name, ", ".join(unknown))
    return RawTable(path.name, frame), problems


def header_below(
    header: Sequence[str], cells: Sequence[pd.Series], columns: Sequence[str], rows: int = 5
) -> int | None:
    """Where the first line names none of ``columns`` and one of the next ``rows`` lines
    does (a title row above the header), that line's number (1: the first line)."""
    wanted = {column.casefold() for column in columns}
    if {str(cell).strip().casefold() for cell in header} & wanted:
        return None
    for row in range(min(rows, len(cells[0]) if len(cells) else 0)):
        if {str(column.iloc[row]).strip().casefold() for column in cells} & wanted:
            return row + 2
    return None


# column separators a CSV file may use: the comma, and what Excel writes as "CSV" where the
# decimal mark is a comma (most of the EU: the semicolon) or as "text" (the tab)
SEPARATORS = (",", ";", "\t")


def separator(text: str) -> str:
    """The column separator of a CSV file: the one its header line holds most of outside
    quotes (the comma unless another has more; the header's names hold none of them)."""
    unquoted = "".join(text.split("\n", 1)[0].split('"')[::2])
    counts = [unquoted.count(mark) for mark in SEPARATORS]
    return SEPARATORS[counts.index(max(counts))]


class NotUtf8(ValueError):
    """A CSV file that is not UTF-8 text: where, and how to save it right."""


class EmptyCsv(ValueError):
    """A CSV file with nothing in it, not even its header line."""


class RaggedCsv(ValueError):
    """A CSV file with a line of more cells than its first line (a title row above the
    header, say), in words."""

    def __init__(self, parser_message: str):
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", parser_message)
        if found is None:
            super().__init__(parser_message)
            return
        first, line, cells = found.groups()
        super().__init__(
            f"line {line} has {cells} cells where line 1 has {first}: the header must be the "
            "first line (is there a title row above it?), and a cell holding the separator "
            "goes in quotes"
        )


def csv_cells(content: bytes) -> tuple[list[str], list[pd.Series]]:
    """The header as written (repeated names kept) and each column's cells, whichever of
    SEPARATORS the file uses. UTF-16 with its byte order mark (Excel's "Unicode text", tabs
    between cells) is read as such; any other file that is not UTF-8 (Excel's plain "CSV" is
    Windows-1252 in western Europe) raises NotUtf8 naming its first such line."""
    header, cells, _ = csv_records(content)
    return header, cells


def csv_records(content: bytes) -> tuple[list[str], list[pd.Series], list[int] | None]:
    """:func:`csv_cells`, and the line each data row starts on (a spreadsheet's row number:
    blank lines and cells spanning lines counted), None where they cannot be told apart."""
    utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    raw = content if utf16 else content.removeprefix(b"\xef\xbb\xbf")  # the byte order mark
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8")
    except UnicodeDecodeError as error:
        if utf16:
            raise NotUtf8("is not UTF-16 text, as its byte order mark says") from None
        line = raw[: error.start].count(b"\n") + 1
        raise NotUtf8(
            f"line {line} is not UTF-8 text (byte 0x{raw[error.start]:02X}): save the "
            'file as "CSV UTF-8" (a spreadsheet\'s plain "CSV" is often Windows-1252)'
        ) from None
    if not text.strip():
        raise EmptyCsv("is empty: not even a header line (a file of no rows keeps its header)")
    sep = separator(text)
    try:
        table = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, header=None, sep=sep
        )
    except pd.errors.ParserError as error:
        raise RaggedCsv(str(error)) from None
    header = [str(cell) for cell in table.iloc[0]] if len(table) else []
    body = table.iloc[1:].reset_index(drop=True)
    lines = _record_lines(text, sep)
    return (
        header,
        [body.iloc[:, i] for i in range(len(header))],
        lines[1:] if len(lines) == len(table) else None,
    )


def _record_lines(text: str, sep: str) -> list[int]:
    """The line each non-blank record of the text starts on (1: the first line)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    starts, last = [], 0
    for record in reader:
        if record:
            starts.append(last + 1)
        last = reader.line_num
    return starts


def _parquet_cells(content: bytes, file: str) -> tuple[list[str], list[pd.Series], list[Problem]]:
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(content))
    header, cells, problems = [], [], []
    for i, name in enumerate(table.column_names):
        header.append(str(name))
        values = table.column(i).to_pylist()
        texts = []
        for row, value in enumerate(values, start=1):
            try:
                texts.append(cell_text(value))
            except NotText:
                message = "is not UTF-8 text"
                problems.append(Problem(file, row, str(name).strip(), repr(value)[:40], message))
                texts.append(bytes(value).decode("utf-8", "replace"))
        cells.append(pd.Series(texts, dtype=object))
    return header, cells, problems


def _header(
    header: list[str], columns: Sequence[str], file: str
) -> tuple[list[str], list[Problem]]:
    """Column names trimmed, a known column's name in any case read as it; a name that is
    there twice once trimmed is a problem (which one would count?)."""
    known = {column.casefold(): column for column in columns}
    names = []
    for written in header:
        name = written.strip()
        names.append(known.get(name.casefold(), name))
    places: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        places.setdefault(name, []).append(position)
    problems = [
        Problem(
            file,
            None,
            name,
            None,
            "is in the header "
            f"{len(positions)} times (columns {', '.join(map(str, positions))}, as "
            f"{', '.join(repr(header[p - 1]) for p in positions)}); keep one",
        )
        for name, positions in places.items()
        if len(positions) > 1 and name in columns
    ]
    # unknown names may repeat (they are ignored), but the frame needs unique labels
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return unique, problems


# control characters but tab, line feed and carriage return: no name holds them, and written
# raw they made the report a binary file to grep and the workbook show U+FFFD (the failures
# audit: 'Ctl\x01\x0b Org \x00' was valid and went into every output as it was)
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _without_control_characters(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The table with each control character of a cell read as a space, and how many cells
    held one."""
    held = frame.apply(lambda column: column.str.contains(CONTROL_CHARACTERS, regex=True))
    count = int(held.to_numpy().sum()) if len(frame.columns) else 0
    if not count:
        return frame, 0
    return frame.replace(CONTROL_CHARACTERS, " ", regex=True), count


# what names a profile, an organisation or a partnership is read exactly as written (the
# decision log, earlier runs, access tokens and policy.toml hold it so); two such names that
# look alike are refused instead (engine.load.consistency, engine.load.words)
KEY_COLUMNS = frozenset({"profile_id", "org_id", "partnership", "visitor_id", "host_id"})


def plain_text(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """Every text cell but names (``KEY_COLUMNS``) in Unicode's canonical form ('é' one way,
    whichever way it was typed) and without invisible characters (``INVISIBLE``: a direction
    override never closed turned the review page's ids and arrow round), saying how many
    cells held one."""
    held = 0
    for name in frame.columns:
        if name in KEY_COLUMNS:
            continue
        cells = frame[name].astype(str)
        if cells.str.isascii().all():
            continue
        invisible = cells.str.contains(INVISIBLE, regex=True)
        held += int(invisible.sum())
        frame[name] = cells.str.replace(INVISIBLE, "", regex=True).str.normalize("NFC").str.strip()
    if held:
        logger.warning(
            "%s: %d cell%s held invisible characters (a zero-width space, a direction "
            "override, ...): left out", file, held, "s" if held != 1 else "",
        )  # fmt: skip
    return frame


def cell_text(value: Any) -> str:
    """A Parquet cell as the text it would have in CSV (lists ';'-joined, '' for null,
    binary as UTF-8 text, a timestamp at midnight as its date)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise NotText(value) from None
    if isinstance(value, list | tuple | np.ndarray):
        return LIST_SEPARATOR.join(cell_text(element) for element in value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, datetime):  # also pd.Timestamp
        midnight = value.tzinfo is None and value == datetime.combine(
            value.date(), datetime.min.time()
        )
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
