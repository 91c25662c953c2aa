"""Issue 16, decision files at the boundary: a decided_on the log could not read back is refused
(it poisoned the log: every later run of the campaign exited 1), a run_id names a run of the
campaign, a column the reader uses is there once, workbook rows are Excel's rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from engine.domain.contract import Policy
from engine.load.decision_files import decided_on_problem, read_decision_file, unknown_runs


def csv_file(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def answer(**fields: str) -> dict[str, str]:
    return {"visitor_id": "V1", "host_id": "H1", "decision": "accepted", **fields}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0001-01-01", "is outside the plausible dates 2000-01-01..2099-12-31"),
        ("9999-12-31", "is outside the plausible dates 2000-01-01..2099-12-31"),
        ("2027-W18-4", "is not a date (YYYY-MM-DD)"),  # date.fromisoformat took these
        ("20270506", "is not a date (YYYY-MM-DD)"),
        ("2027-05-06T10:00", "is not a date (YYYY-MM-DD)"),
        ("2027-02-30", "is not a date (YYYY-MM-DD)"),
        ("2027-05-06", None),
    ],
)
def test_a_decided_on_the_log_cannot_hold_is_refused(text, message):
    assert decided_on_problem(text) == message


def test_the_plausible_dates_are_the_campaigns():
    policy = Policy(earliest_date="2028-01-01", latest_date="2029-12-31")
    assert decided_on_problem("2027-05-06", policy) == (
        "is outside the plausible dates 2028-01-01..2029-12-31"
    )


def test_a_run_id_of_no_run_of_the_campaign_is_refused(tmp_path):
    path = csv_file(tmp_path / "d.csv", [answer(run_id="r1"), answer(run_id="r0"), answer()])
    file, problems = read_decision_file(path)
    assert file is not None and problems == []
    kept, unknown = unknown_runs(file, {"r1", "r2"})
    assert [(p.row, p.column, p.value) for p in unknown] == [(3, "run_id", "r0")]  # CSV line 3
    assert kept.rows["row"].tolist() == [2, 4]


def test_a_decision_column_twice_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("visitor_id,host_id,decision, Decision\nV1,H1,accepted,rejected\n")
    file, problems = read_decision_file(path)
    assert file is None
    assert [(p.column, p.message) for p in problems] == [
        ("decision", "is in the header 2 times; keep one")
    ]


def test_csv_rows_are_its_line_numbers(tmp_path):
    """Blank lines and a note spanning two lines count, as a spreadsheet shows them (the
    audit: an answer on line 5 after two blank lines was reported as row 3)."""
    path = tmp_path / "d.csv"
    path.write_text(
        "visitor_id,host_id,decision,note\nV1,H1,hold,\n\n\nV3,H1,maybe,\n"
        'V4,H1,accepted,"two\nlines"\nV5,H1,nope,\n'
    )
    file, problems = read_decision_file(path)
    assert file is not None and not problems
    assert file.rows.set_index("visitor_id")["row"].to_dict() == {
        "V1": 2, "V3": 5, "V4": 6, "V5": 8,
    }  # fmt: skip


def test_workbook_rows_are_excel_rows(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["visitor_id", "host_id", "decision", " Decided_On "])
    sheet.append(["V1", "H1", "accepted", "2027-05-06"])
    sheet.append(["V2", "H1", "maybe", "2027-05-06"])
    workbook.save(tmp_path / "d.xlsx")
    file, problems = read_decision_file(tmp_path / "d.xlsx")
    assert problems == [] and file is not None
    assert file.rows[["row", "visitor_id", "decided_on"]].values.tolist() == [
        [2, "V1", "2027-05-06"],  # Excel's row 2: the first under the header
        [3, "V2", "2027-05-06"],
    ]


def test_a_title_row_above_a_workbook_s_header_is_said_so(tmp_path):
    """The audit: three "column is missing" problems and no word of the title row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Decisions of 4 January"])
    sheet.append(["visitor_id", "host_id", "decision"])
    sheet.append(["V1", "H1", "accepted"])
    workbook.save(tmp_path / "d.xlsx")
    file, problems = read_decision_file(tmp_path / "d.xlsx")
    assert file is None and [p.message for p in problems] == [
        "its first row names none of visitor_id, host_id, decision and row 2 does: the header "
        "must be the first row (is there a title row above it?)"
    ]


def test_a_decision_file_that_is_a_folder_is_a_problem(tmp_path):
    (tmp_path / "d.csv").mkdir()
    file, problems = read_decision_file(tmp_path / "d.csv")
    assert file is None and [p.message for p in problems] == ["is a folder, not a file"]


@pytest.mark.parametrize(
    ("separator", "encoding"), [(";", "utf-8"), ("\t", "utf-8"), ("\t", "utf-16")]
)
def test_a_decision_file_excel_separated_otherwise_is_read_as_with_commas(
    tmp_path, separator, encoding
):
    """Excel's "CSV" where the decimal mark is a comma has semicolons (a note holding one
    is quoted); its "text" has tabs, its "Unicode text" tabs in UTF-16: the same rows, the
    same lines."""
    rows = [answer(note="ok; Łódź"), answer(visitor_id="V2", decision="rejected")]
    commas = csv_file(tmp_path / "commas.csv", rows)
    other = tmp_path / "other.csv"
    pd.DataFrame(rows).to_csv(other, index=False, sep=separator, encoding=encoding)
    assert separator in other.read_text(encoding=encoding).splitlines()[0]
    read = [read_decision_file(path) for path in (commas, other)]
    assert [problems for _, problems in read] == [[], []]
    first, second = (file.rows for file, _ in read if file is not None)
    pd.testing.assert_frame_equal(first, second)
    assert second["decision"].tolist() == ["accepted", "rejected"]
