"""Files of sweeps and comparisons are written as a run's are: atomically, with the user's
umask (``mkstemp`` alone makes them 0600, unreadable to the colleagues a run's files reach),
and text a spreadsheet would run as a formula written as text."""

from __future__ import annotations

import os
import stat

import pandas as pd

from scenarios.store import read_csv, replace_file, text_writer, write_csv


def test_replaced_files_get_the_user_s_umask(tmp_path):
    old = os.umask(0o022)
    try:
        replace_file(tmp_path / "report.html", text_writer("<p>sweep</p>"))
        replace_file(tmp_path / "runs.parquet", lambda p: pd.DataFrame({"a": [1]}).to_parquet(p))
    finally:
        os.umask(old)
    for name in ("report.html", "runs.parquet"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    assert (tmp_path / "report.html").read_text() == "<p>sweep</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "runs.parquet"]


def test_a_scenario_table_s_formula_like_text_is_written_as_text_and_read_back(tmp_path):
    """The hostile-input audit's neighbour: a run's CSVs put an apostrophe before a partnership
    named ``=cmd|...``; a sweep's tables wrote it bare, a formula where a spreadsheet opens them."""
    table = pd.DataFrame(
        {"partnership": ["=cmd|' /C calc'!A0", "-P2", "P3"], "category": ["sme"] * 3,
         "target": [3, -1, 2], "date": pd.to_datetime(["2027-01-04"] * 3)}
    )  # fmt: skip
    write_csv(table, tmp_path / "kpis.csv")
    lines = (tmp_path / "kpis.csv").read_text().splitlines()
    assert lines[1].startswith("'=cmd|") and lines[2].startswith("'-P2,")
    assert lines[2].split(",")[2] == "-1"  # numbers stay numbers
    assert read_csv(tmp_path / "kpis.csv").equals(table)
