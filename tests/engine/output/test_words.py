"""Outputs in the words a person reads: labels in the CSVs, the workbook and the report (codes
stay in the Parquet files), CSVs that a spreadsheet opens right (UTF-8 with BOM), dates as
dates in the workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from engine.output.exports import write_csv, write_xlsx
from engine.output.words import in_words
from tests.reviewing import run_campaign, small_campaign

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = small_campaign(tmp_path_factory.mktemp("words") / "campaign", 60, 15, seed=5)
    return run_campaign(folder, folder / "runs" / "r1", "r1")


def test_codes_become_the_words_a_person_reads() -> None:
    table = pd.DataFrame(
        {
            "mode": ["physical", "virtual"],
            "category": ["sme", "technology_centre"],
            "visitor_country": ["GR", "XK"],
            "host_country": ["DE", "TR"],
            "group_language": ["el", "de"],
            "visitor_id": ["V1", "V2"],
        }
    )
    assert in_words(table).to_dict("list") == {
        "mode": ["Physical", "Virtual"],
        "category": ["SME", "Technology centre"],
        "visitor_country": ["Greece", "Kosovo"],
        "host_country": ["Germany", "Turkey"],
        "group_language": ["Greek", "German"],
        "visitor_id": ["V1", "V2"],
    }


def test_the_run_csvs_show_labels_and_open_right_in_a_spreadsheet(run: Path) -> None:
    for name in ("proposals.csv", "kpis.csv", "alternatives.csv", "changes.csv"):
        assert (run / name).read_bytes().startswith(BOM), name
    proposals = pd.read_csv(run / "proposals.csv", dtype=str, keep_default_na=False)
    codes = pd.read_parquet(run / "proposals.parquet")
    assert len(proposals) == len(codes) > 0
    assert set(proposals["mode"]) <= {"Physical", "Virtual"}
    assert set(codes["mode"]) <= {"physical", "virtual"}  # Parquet is for programs: codes
    assert "SME" in set(proposals["category"])
    assert proposals["host_country"].str.len().min() > 2  # names, not ISO codes
    assert proposals["start"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    kpis = pd.read_csv(run / "kpis.csv")
    assert "All exchanges" in set(kpis["category"]) and "total" not in set(kpis["category"])
    said = " ".join(kpis["diagnosis"].dropna())  # the audit read "its sme target"
    assert " sme " not in said and "technology_centre" not in said
    alternatives = pd.read_csv(run / "alternatives.csv")
    # an alternative whose visitor and host both take either mode may go either way
    assert set(alternatives["mode"]) <= {"Physical", "Virtual", "Physical or virtual"}


def test_the_workbook_shows_labels_and_real_dates(run: Path) -> None:
    sheet = load_workbook(run / "proposals.xlsx")["proposals"]
    header = [cell.value for cell in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert isinstance(row["start"].value, dt.datetime)  # a date cell, not text
    assert row["start"].number_format == "yyyy-mm-dd"
    assert row["mode"].value in ("Physical", "Virtual")
    kpis = load_workbook(run / "proposals.xlsx")["kpis"]
    assert "All exchanges" in {cell.value for cell in kpis["B"]}


def test_the_report_shows_labels_and_filters_on_codes(run: Path) -> None:
    html = (run / "report.html").read_text(encoding="utf-8")
    proposals = pd.read_parquet(run / "proposals.parquet")
    mode = proposals["mode"].iloc[0]
    assert f'data-mode="{mode}"' in html  # the filters compare codes
    assert f'<option value="{mode}">{mode.capitalize()}</option>' in html
    assert "→" in html and "All exchanges" in html


def test_csv_has_a_bom_and_workbook_dates_are_dates(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {"org_name": ["Łódź Klaster", "Société Mobility", "Mobility Cluster Ελλάδα"],
         "start": pd.to_datetime(["2027-01-04", "2027-02-01", None])}
    )  # fmt: skip
    write_csv(table, tmp_path / "t.csv")
    content = (tmp_path / "t.csv").read_bytes()
    assert content.startswith(BOM)
    assert "Łódź Klaster" in content.decode("utf-8-sig")
    write_xlsx({"t": table}, tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["t"]
    assert sheet["B2"].value == dt.datetime(2027, 1, 4) and sheet["B2"].is_date
    assert sheet["B4"].value is None
    assert sheet["A2"].value == "Łódź Klaster"


def test_a_diagnosis_reads_in_words():
    from engine.output.words import diagnosis_in_words

    engine_says = (
        "partnership BLUES cannot reach its technology_centre target: 2 more needed, but only 0 "
        "eligible technology_centre visitors can be placed with an eligible host with free "
        "capacity (6 technology_centre in the campaign, 0 with a candidate host)"
    )
    assert diagnosis_in_words(engine_says, "BLUES") == (
        "Cannot reach its technology centre target: 2 more needed, but only 0 eligible "
        "technology centre visitors can be placed with an eligible host with free capacity "
        "(6 of them in the campaign, 0 with a candidate host)"
    )
    assert diagnosis_in_words("partnership X cannot reach its total target").startswith(
        "Partnership X cannot reach its overall target"
    )
