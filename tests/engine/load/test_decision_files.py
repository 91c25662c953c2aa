"""Issue 16, decision files at the boundary: a decided_on the log could not read back is refused
(it poisoned the log: every later run of the campaign exited 1), a run_id names the run the
file answers, a column the reader uses is there once, workbook rows are Excel's rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from engine.domain.contract import Policy
from engine.load.decision_files import read_decision_file, run_id_problems


def csv_file(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def answer(**fields: str) -> dict[str, str]:
    return {"visitor_id": "V1", "host_id": "H1", "decision": "accepted", **fields}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0001-01-01", "is outside the campaign's plausible dates 2000-01-01..2099-12-31"),
        ("9999-12-31", "is outside the campaign's plausible dates 2000-01-01..2099-12-31"),
        ("2027-W18-4", "is not a date (YYYY-MM-DD)"),  # date.fromisoformat took these
        ("20270506", "is not a date (YYYY-MM-DD)"),
        ("2027-05-06T10:00", "is not a date (YYYY-MM-DD)"),
        ("2027-02-30", "is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_decided_on_the_log_cannot_hold_is_refused(tmp_path, text, message):
    path = csv_file(tmp_path / "d.csv", [answer(decided_on="2027-05-06"), answer(decided_on=text)])
    _, problems = read_decision_file(path)
    assert [(p.row, p.column, p.value, p.message) for p in problems] == [
        (2, "decided_on", text, message)
    ]


def test_the_plausible_dates_are_the_campaigns(tmp_path):
    path = csv_file(tmp_path / "d.csv", [answer(decided_on="2027-05-06")])
    policy = Policy(earliest_date="2028-01-01", latest_date="2029-12-31")
    _, problems = read_decision_file(path, policy)
    assert [p.message for p in problems] == [
        "is outside the campaign's plausible dates 2028-01-01..2029-12-31"
    ]


def test_a_run_id_of_another_run_is_refused(tmp_path):
    path = csv_file(tmp_path / "d.csv", [answer(run_id="r1"), answer(run_id="r0"), answer()])
    file, problems = read_decision_file(path)
    assert file is not None and problems == []
    assert [(p.row, p.column, p.value) for p in run_id_problems(file, "r1")] == [
        (2, "run_id", "r0")
    ]


def test_a_decision_column_twice_is_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("visitor_id,host_id,decision, Decision\nV1,H1,accepted,rejected\n")
    file, problems = read_decision_file(path)
    assert file is None
    assert [(p.column, p.message) for p in problems] == [
        ("decision", "is in the header 2 times; keep one")
    ]


def test_workbook_rows_are_excel_rows(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["visitor_id", "host_id", "decision", "decided_on"])
    sheet.append(["V1", "H1", "accepted", "2027-05-06"])
    sheet.append(["V2", "H1", "maybe", "2027-05-06"])
    workbook.save(tmp_path / "d.xlsx")
    _, problems = read_decision_file(tmp_path / "d.xlsx")
    assert [(p.row, p.column) for p in problems] == [(3, "decision")]  # Excel's row 3


def test_a_decision_file_that_is_a_folder_is_a_problem(tmp_path):
    (tmp_path / "d.csv").mkdir()
    file, problems = read_decision_file(tmp_path / "d.csv")
    assert file is None and [p.message for p in problems] == ["is a folder, not a file"]
