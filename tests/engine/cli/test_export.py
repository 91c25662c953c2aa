"""``cxmatch export RUN --format it-tool``: the accepted exchanges of a run in the IT tool's
words, one row per exchange, for re-entry in the tool."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.output.it_tool import IT_TOOL_COLUMNS
from tests.reviewing import answer, decisions_csv, run_campaign, small_campaign

runner = CliRunner()


@pytest.fixture(scope="module")
def decided(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("export")
    folder = small_campaign(base / "campaign", 60, 15, seed=11)
    run = run_campaign(folder, folder / "runs" / "r1", "r1")
    proposals = pd.read_parquet(run / "proposals.parquet")
    biggest = proposals["group_id"].value_counts().index[0]
    accepted = proposals[proposals["group_id"] == biggest]
    rejected = proposals[proposals["group_id"] != biggest].head(2)
    rows = answer(accepted, "accepted") + answer(rejected, "rejected")
    file = decisions_csv(base / "decisions.csv", rows)
    result = runner.invoke(app, ["decide", str(run), str(file)])
    assert result.exit_code == exitcodes.OK, result.output
    out = base / "exports" / "it-tool.csv"
    exported = runner.invoke(app, ["export", str(run), "--format", "it-tool", "--out", str(out)])
    assert exported.exit_code == exitcodes.OK, exported.output
    return {"run": run, "accepted": accepted, "out": out, "output": exported.output, "base": base}


def test_exports_every_accepted_exchange_once_in_the_it_tools_words(decided) -> None:
    out, accepted = decided["out"], decided["accepted"]
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # opens right in a spreadsheet
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == list(IT_TOOL_COLUMNS)
    assert sorted(
        zip(table["cxmatch visitor id"], table["cxmatch host id"], strict=True)
    ) == sorted(zip(accepted["visitor_id"], accepted["host_id"], strict=True))
    assert set(table["Physical or virtual"]) <= {"Physical", "Virtual"}
    assert table["Planned start date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    first = accepted.iloc[0]
    row = table[table["cxmatch visitor id"] == first["visitor_id"]].iloc[0]
    assert row["Planned start date"] == pd.Timestamp(first["start"]).strftime("%d/%m/%Y")
    assert int(row["Planned stay duration (working days)"]) == first["stay_days"]
    assert int(row["Visitors in the group"]) == len(accepted)
    assert row["Grouped exchange"] == ("Yes" if len(accepted) > 1 else "No")
    assert row["Host country"][:1].isupper() and len(row["Host country"]) > 2  # a name
    assert "_" not in row["Type of exchange"] and "_" not in row["Visiting organisation type"]
    assert f"{len(accepted)} accepted exchanges (1 group)" in decided["output"]


def test_an_existing_file_is_never_overwritten(decided) -> None:
    result = runner.invoke(app, ["export", str(decided["run"]), "--out", str(decided["out"])])
    assert result.exit_code == exitcodes.OUTPUT_EXISTS


def test_an_unknown_format_or_a_folder_that_is_no_run_exits_2(decided, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["export", str(decided["run"]), "--format", "xml"])
    assert unknown.exit_code == exitcodes.BAD_INPUT and "it-tool" in unknown.output
    not_a_run = runner.invoke(app, ["export", str(tmp_path), "--out", str(tmp_path / "x.csv")])
    assert not_a_run.exit_code == exitcodes.BAD_INPUT
    assert "Traceback" not in not_a_run.output and not (tmp_path / "x.csv").exists()


def test_an_export_is_never_written_into_a_run_folder(decided) -> None:
    """The failures audit: ``--out RUN/x.csv`` added a file to a run, which is never changed."""
    inside = decided["run"] / "exports" / "x.csv"
    result = runner.invoke(app, ["export", str(decided["run"]), "--out", str(inside)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "is inside the run folder" in " ".join(result.output.split())
    assert not inside.exists() and not inside.parent.exists()


@pytest.mark.parametrize(
    "name",
    ["quotas.parquet", "History.csv", "profiles.parquet", "vocabulary.toml", "access.sqlite"],
)
def test_an_export_is_never_named_like_a_campaign_file_in_its_folder(decided, name) -> None:
    """The hostile-input audit: ``--out quotas.csv`` in a campaign without quotas wrote a file
    every later command refused; another name in the folder is written."""
    campaign = decided["run"].parent.parent
    before = sorted(path.name for path in campaign.iterdir())
    target = campaign / name
    assert not target.exists()  # (one that exists is refused as such: exit 5)
    result = runner.invoke(app, ["export", str(decided["run"]), "--out", str(target)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "is named like the campaign's own" in " ".join(result.output.split())
    assert sorted(path.name for path in campaign.iterdir()) == before
    beside = campaign / "it-tool-export.csv"
    written = runner.invoke(app, ["export", str(decided["run"]), "--out", str(beside)])
    assert written.exit_code == exitcodes.OK, written.output
    beside.unlink()
