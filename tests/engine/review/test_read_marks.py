"""A run marks the decision log's answers read (no longer withdrawn) only once it is written,
and a profile gone from the campaign leaves its exchanges out of the night with a warning
(the audit: a run refused for a bad --previous, or a night killed, marked them read; a visitor
with an exchange removed from profiles.csv made every later run exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.load.campaign import load_campaign
from engine.review.inbox import record_answers
from engine.review.log import last_read, log_path
from engine.review.parties import Reviewer
from engine.review.rules import Request
from tests.factory import NIGHT
from tests.reviewing import campaign_with_a_run, working_copy

runner = CliRunner()


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return campaign_with_a_run(tmp_path_factory.mktemp("reads") / "campaign", seed=5)


@pytest.fixture
def campaign(original, tmp_path) -> Path:
    return working_copy(original, tmp_path)


def first_proposal(folder: Path) -> pd.Series:
    return pd.read_parquet(folder / "runs" / "r1" / "proposals.parquet").iloc[0]


def run(folder: Path, *extra: str):
    args = ["run", str(folder), "--as-of", str(NIGHT), "--time-limit", "3", *extra]
    return runner.invoke(app, args)


def test_a_refused_run_leaves_answers_withdrawable(campaign, tmp_path):
    row = first_proposal(campaign)
    reviewer = Reviewer(str(row["visitor_partnership"]))  # its own side (the Support Office
    # withdraws any answer at any time: test_lifecycle)
    pair = (row["visitor_id"], row["host_id"])
    recorded = record_answers(
        campaign, load_campaign(campaign), [Request(*pair, "accepted", "visitor")], reviewer
    )
    assert recorded.recorded == 1
    refused = run(campaign, "--previous", str(tmp_path / "nowhere"))
    assert refused.exit_code == exitcodes.BAD_INPUT, refused.output
    assert last_read(log_path(campaign)) == 0
    undo = record_answers(
        campaign, load_campaign(campaign), [Request(*pair, "withdrawn", "visitor")], reviewer
    )
    assert undo.recorded == 1, undo.problems
    # a written run marks what it read: then the answer stays
    record_answers(campaign, load_campaign(campaign), [Request(*pair, "hold", "visitor")], reviewer)
    assert run(campaign).exit_code == exitcodes.OK
    assert last_read(log_path(campaign)) > 0
    late = record_answers(
        campaign, load_campaign(campaign), [Request(*pair, "withdrawn", "visitor")], reviewer
    )
    assert late.recorded == 0 and "was read by a run already" in late.problems[0].message


def test_an_exchange_whose_visitor_left_the_profiles_is_left_out_with_a_warning(campaign):
    row = first_proposal(campaign)
    office = Reviewer()
    pair = (row["visitor_id"], row["host_id"])
    record_answers(campaign, load_campaign(campaign), [Request(*pair, "accepted", "both")], office)
    profiles = pd.read_csv(campaign / "profiles.csv", dtype=str, keep_default_na=False)
    profiles[profiles["profile_id"] != pair[0]].to_csv(campaign / "profiles.csv", index=False)
    result = run(campaign, "--out", str(campaign / "runs" / "r2"))
    assert result.exit_code == exitcodes.OK, result.output
    assert f"exchange {pair[0]} -> {pair[1]} is left out" in result.output
    manifest = json.loads((campaign / "runs" / "r2" / "manifest.json").read_text())
    assert any(pair[0] in warning for warning in manifest["warnings"])
    proposals = pd.read_parquet(campaign / "runs" / "r2" / "proposals.parquet")
    assert pair[0] not in set(proposals["visitor_id"])
