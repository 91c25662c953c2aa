"""The workbook a reviewer fills in: what comes first, frozen panes, a drop-down that refuses
anything else, coloured bands, decisions only on the proposals sheet, Excel's own row numbers,
and last night's holds and notes carried over."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.review.nightly import NightlyOptions, night_id, run_nightly
from tests.reviewing import FAST, answer, small_campaign

NIGHTS = [date(2027, 1, 4), date(2027, 1, 5)]
runner = CliRunner()


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> Path:
    """Night 1; both sides hold its first proposal with a note, the host side its second;
    night 2."""
    folder = small_campaign(tmp_path_factory.mktemp("workbook") / "campaign", 60, 15, seed=11)
    run_nightly(folder, NightlyOptions(run=FAST, night=NIGHTS[0]))
    first = pd.read_parquet(folder / "runs" / night_id(NIGHTS[0]) / "proposals.parquet")
    (folder / "inbox").mkdir()
    rows = answer(first.iloc[:1], "hold", note="ask HR")
    rows += answer(first.iloc[1:2], "hold", side="host")
    pd.DataFrame(rows).fillna("").to_csv(folder / "inbox" / "holds.csv", index=False)
    run_nightly(folder, NightlyOptions(run=FAST, night=NIGHTS[1]))
    return folder


def workbook(folder: Path, night: date):
    return load_workbook(folder / "runs" / night_id(night) / "proposals.xlsx")


def test_the_reviewers_sheet_puts_what_they_answer_first(nights):
    sheet = workbook(nights, NIGHTS[0])["proposals"]
    header = [cell.value for cell in sheet[1]]
    assert header[:9] == [
        "visitor_id", "host_id", "visitor_org", "host_org", "start", "end", "band",
        "decision", "note",
    ]  # fmt: skip
    assert sheet.freeze_panes == "C2"  # ids and header stay in view
    rules = sheet.data_validations.dataValidation
    decision = next(r for r in rules if "H2" in str(r.sqref))
    # refuses anything else ("stop" is the file format's default: a writer may leave it out)
    assert decision.showErrorMessage and decision.errorStyle in (None, "stop")
    assert "accepted,rejected,hold" in decision.formula1
    band = sheet.cell(row=2, column=7)
    assert band.value in ("red", "orange", "green") and band.fill.fgColor.rgb.endswith(
        {"red": "F4B6B6", "orange": "F9D39B", "green": "B9E3C6"}[band.value]
    )
    changes = workbook(nights, NIGHTS[0])["changes"]
    assert "decision" not in [cell.value for cell in changes[1]]
    assert not changes.data_validations.dataValidation  # no drop-down outside proposals


def test_last_nights_holds_and_notes_are_carried_over(nights):
    sheet = workbook(nights, NIGHTS[1])["proposals"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    header = [cell.value for cell in sheet[1]]
    side, status = header.index("side"), header.index("status")
    held = {row[status]: row for row in rows if row[7] == "hold"}
    assert set(held) == {"visitor side hold; host side hold", "host side hold"}
    both, host = held["visitor side hold; host side hold"], held["host side hold"]
    assert both[8] == "ask HR" and both[side] in (None, "")  # for both sides at once
    assert host[side] == "host"  # only the side that holds it: returned as it is, it says so


def test_excel_row_numbers_and_decisions_typed_on_other_sheets(nights, tmp_path):
    book = workbook(nights, NIGHTS[1])
    sheet = book["proposals"]
    sheet.cell(row=5, column=8, value="acepted")  # a typo in Excel row 5
    sheet.cell(row=3, column=8, value="rejected")
    book["changes"].cell(row=1, column=8, value="decision")  # answered on the wrong sheet
    book["changes"].cell(row=4, column=8, value="accepted")
    path = tmp_path / "answered.xlsx"
    book.save(path)
    run = nights / "runs" / night_id(NIGHTS[1])
    result = runner.invoke(app, ["decide", str(run), str(path), "--dry-run"])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "answered.xlsx row 5, column decision: 'acepted' is not a decision" in result.output
    said = result.output + (result.stderr or "")
    assert "sheet 'changes' has decisions typed in H4" in said
    assert "1 row would be recorded" in result.output  # the rejection; the hold is recorded
