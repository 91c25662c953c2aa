"""The nightly drift report: last night's expected acceptances against the decisions that came
back, overall, per band and per partnership, with a warning beyond the noise."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from engine.review.drift import drift_report
from engine.review.nightly import NightlyOptions, night_id, run_nightly
from tests.reviewing import FAST, answer, decisions_csv, small_campaign


def proposals(p: list[float], bands: list[str], partnerships: list[str]) -> pd.DataFrame:
    n = len(p)
    return pd.DataFrame(
        {
            "visitor_id": [f"V{i}" for i in range(n)],
            "host_id": [f"H{i}" for i in range(n)],
            "p_accept": p,
            "band": bands,
            "visitor_partnership": partnerships,
        }
    )


def records(pairs: list[tuple[str, str, str]], run_id: str = "night-1") -> pd.DataFrame:
    """Decision-log records in the one-decision-per-pair form (both sides at once)."""
    return pd.DataFrame(
        {
            "seq": np.arange(1, len(pairs) + 1),
            "visitor_id": [v for v, _, _ in pairs],
            "host_id": [h for _, h, _ in pairs],
            "decision": [d for _, _, d in pairs],
            "decided_on": "2027-01-05",
            "decided_by": "",
            "note": "",
            "mode": "physical",
            "start_day": "2027-01-18",
            "end_day": "2027-01-20",
            "score": 50.0,
            "run_id": run_id,
        }
    )


def test_a_hand_checked_night():
    last = proposals([0.5, 0.5, 0.2, 0.8], ["green", "green", "red", "green"], ["P1"] * 4)
    came_back = records(
        [
            ("V0", "H0", "accepted"),
            ("V1", "H1", "rejected"),
            ("V2", "H2", "accepted"),
            ("V3", "H3", "hold"),
        ]  # fmt: skip
    )
    report = drift_report(last, "night-1", came_back)
    overall = report["overall"]
    # decided: V0 (0.5, yes), V1 (0.5, no), V2 (0.2, yes); V3 is on hold
    assert overall["decided"] == 3 and overall["accepted"] == 2
    assert overall["expected"] == pytest.approx(1.2)
    assert overall["sd"] == pytest.approx(np.sqrt(0.25 + 0.25 + 0.16), abs=0.01)
    assert overall["z"] == pytest.approx(0.8 / np.sqrt(0.66), abs=0.01)
    assert not overall["warning"] and report["warnings"] == []
    bands = {row["band"]: row for row in report["by_band"]}
    assert bands["red"]["accepted"] == 1 and bands["red"]["expected"] == pytest.approx(0.2)
    assert report["by_partnership"][0]["visitor_partnership"] == "P1"


def test_a_shift_beyond_the_noise_warns_and_names_where():
    rng = np.random.default_rng(0)
    n = 400
    last = proposals(
        list(np.full(n, 0.4)),
        list(rng.choice(["green", "orange"], n)),
        ["P1"] * 200 + ["P2"] * 200,
    )
    # P1 accepts as expected (80 of 200), P2 far more (160 of 200 where 80 are expected)
    decisions = ["accepted"] * 80 + ["rejected"] * 120 + ["accepted"] * 160 + ["rejected"] * 40
    came_back = records(list(zip(last["visitor_id"], last["host_id"], decisions, strict=True)))
    report = drift_report(last, "night-1", came_back)
    assert report["overall"]["warning"] and report["overall"]["z"] > 2
    by_partnership = {row["visitor_partnership"]: row for row in report["by_partnership"]}
    assert not by_partnership["P1"]["warning"] and by_partnership["P2"]["warning"]
    assert any("partnership P2" in warning for warning in report["warnings"])
    assert not any("partnership P1" in warning for warning in report["warnings"])


def test_only_decisions_on_that_run_count_and_none_yet_says_so():
    last = proposals([0.5, 0.5], ["green", "red"], ["P1", "P1"])
    other_run = records([("V0", "H0", "accepted")], run_id="night-0")
    report = drift_report(last, "night-1", other_run)
    assert report["overall"]["decided"] == 0 and "no decision" in report["note"]
    old = drift_report(last.drop(columns=["p_accept"]), "night-1", other_run)
    assert "p_accept" in old["note"]


def test_the_nightly_writes_the_drift_of_last_night_into_its_manifest(tmp_path):
    folder = small_campaign(tmp_path / "campaign", 60, 15, seed=12)
    nights = [date(2027, 1, 4), date(2027, 1, 5)]
    run_nightly(folder, NightlyOptions(run=FAST, night=nights[0]))
    first = pd.read_parquet(folder / "runs" / night_id(nights[0]) / "proposals.parquet")
    (folder / "inbox").mkdir()
    decisions_csv(folder / "inbox" / "all-accepted.csv", answer(first, "accepted"))
    run_nightly(folder, NightlyOptions(run=FAST, night=nights[1]))
    manifest = json.loads((folder / "runs" / night_id(nights[1]) / "manifest.json").read_text())
    drift = manifest["drift"]
    assert drift["previous_run"] == night_id(nights[0])
    assert first["visitor_id"].is_unique  # one host per visitor: every answer is recorded
    assert drift["overall"]["decided"] == drift["overall"]["accepted"] == len(first)
    assert drift["overall"]["expected"] == pytest.approx(first["p_accept"].sum(), abs=0.01)
    assert drift["overall"]["warning"]  # everything accepted: far beyond the noise
