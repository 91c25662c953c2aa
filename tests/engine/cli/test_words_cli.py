"""The command line and the IT tool's words: validate says what it read as codes, an unknown
word exits 2 with its did-you-mean, generate writes words or codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.synthetic.generator import demo_campaign_path

runner = CliRunner()


def test_validate_says_how_many_values_it_read_as_codes_per_field() -> None:
    result = runner.invoke(app, ["validate", str(demo_campaign_path())])
    assert result.exit_code == exitcodes.OK, result.output
    assert "normalised" in result.output and "values to codes:" in result.output
    assert "profiles.csv, column org_type: 1,000 values" in result.output
    assert "'Networking and events' -> networking_events" in result.output


def test_an_unknown_word_exits_2_with_a_did_you_mean(tmp_path: Path) -> None:
    folder = tmp_path / "campaign"
    assert runner.invoke(app, ["generate", "--out", str(folder), "--visitors", "30",
                               "--hosts", "8"]).exit_code == exitcodes.OK  # fmt: skip
    profiles = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    assert "Visiting organisation" in set(profiles["role"])  # words by default
    profiles.loc[0, "org_type"] = "Technologie centre"
    profiles.to_csv(folder / "profiles.csv", index=False)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert (
        "profiles.csv row 1, column org_type: 'Technologie centre' is not a known organisation"
        " type; did you mean 'Technology centre'?"
    ) in result.output
    assert "Traceback" not in result.output


def test_generate_writes_codes_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "codes"
    args = ["generate", "--out", str(folder), "--visitors", "30", "--hosts", "8"]
    assert runner.invoke(app, [*args, "--words", "codes"]).exit_code == exitcodes.OK
    profiles = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    assert set(profiles["role"]) == {"visitor", "host"}
    refused = runner.invoke(app, [*args[:2], str(tmp_path / "x"), *args[3:], "--words", "xml"])
    assert refused.exit_code == exitcodes.BAD_INPUT
