"""The machine's pace: typed (--pace, CXMATCH_PACE) or measured once a boot and kept; the run's
work budget follows it and its manifest says it."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes, pace
from engine.cli.main import app
from engine.night.encode import solver_budget
from tests.factory import NIGHT
from tests.reviewing import small_campaign

runner = CliRunner()


@pytest.fixture
def measuring(tmp_path, monkeypatch):
    """No pace typed, a cache folder of the test's own, and a workload that reports the times
    queued in the returned list (one per measurement)."""
    monkeypatch.delenv(pace.PACE_ENV, raising=False)
    monkeypatch.setenv(pace.CACHE_ENV, str(tmp_path / "cache"))
    times: list[float] = []

    def workload_s() -> float:
        return times.pop(0)

    monkeypatch.setattr(pace, "workload_s", workload_s)
    return times


def test_a_measured_pace_is_rounded_to_its_step_and_kept_for_the_boot(measuring):
    measuring.extend([1.41 * pace.REFERENCE_S, 3.0 * pace.REFERENCE_S])
    first = pace.machine_pace()
    assert first.value == pytest.approx(math.sqrt(2), abs=1e-4)
    assert first.source == "measured now"
    again = pace.machine_pace()  # the second measurement is never taken
    assert (again.value, again.source) == (first.value, "measured earlier this boot")
    assert measuring == [3.0 * pace.REFERENCE_S]


def test_another_boot_or_machine_measures_again(measuring, monkeypatch):
    measuring.extend([1.0 * pace.REFERENCE_S, 2.0 * pace.REFERENCE_S])
    assert pace.machine_pace().value == 1.0
    monkeypatch.setattr(pace, "machine_key", lambda: "another boot")
    assert pace.machine_pace().value == 2.0
    kept = json.loads((pace.cache_folder() / "pace.json").read_text())
    assert (kept["key"], kept["pace"]) == ("another boot", 2.0)


def test_the_first_pace_kept_wins_over_a_run_measuring_at_the_same_time(measuring, monkeypatch):
    """Two runs measuring at once use the pace the first one kept (the same budget)."""
    measuring.append(2.0 * pace.REFERENCE_S)
    keep = pace._keep

    def kept_meanwhile(path: Path, key: str, value: float) -> float:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"key": key, "pace": 1.0}))
        return keep(path, key, value)

    monkeypatch.setattr(pace, "_keep", kept_meanwhile)
    assert pace.machine_pace().value == 1.0


@pytest.mark.parametrize("damage", ["{not json", '{"key": 1}', '{"pace": "fast"}', "[]"])
def test_a_damaged_cache_file_is_measured_again_and_replaced(measuring, damage):
    folder = pace.cache_folder()
    folder.mkdir(parents=True)
    (folder / "pace.json").write_text(damage)
    measuring.append(0.5 * pace.REFERENCE_S)
    assert pace.machine_pace().value == 0.5
    assert json.loads((folder / "pace.json").read_text())["pace"] == 0.5


def test_a_cache_folder_that_cannot_be_written_still_gives_the_pace(
    measuring, tmp_path, monkeypatch
):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv(pace.CACHE_ENV, str(blocker / "cache"))
    measuring.append(1.0 * pace.REFERENCE_S)
    assert pace.machine_pace() == pace.Pace(1.0, "measured now")


def test_the_cache_folder_follows_the_environment_and_survives_no_home(tmp_path, monkeypatch):
    monkeypatch.delenv(pace.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pace.cache_folder() == tmp_path / "cxmatch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert pace.cache_folder() == tmp_path / "home" / ".cache" / "cxmatch"

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert pace.cache_folder().name == "cxmatch-cache"


def test_a_pace_out_of_range_is_rounded_into_it():
    assert pace.rounded(100.0) == pace.MOST
    assert pace.rounded(0.0) == pace.LEAST
    assert pace.rounded(1.04) == 1.0
    assert pace.rounded(1.06) == pytest.approx(pace.STEP, abs=1e-4)


def test_a_typed_pace_wins_over_the_measured_one(measuring, monkeypatch):
    assert pace.machine_pace(1.5) == pace.Pace(1.5, "--pace")
    monkeypatch.setenv(pace.PACE_ENV, " 0.8 ")
    assert pace.machine_pace() == pace.Pace(0.8, pace.PACE_ENV)
    assert measuring == []  # nothing measured


@pytest.mark.parametrize("typed", ["fast", "0", "-1", "nan", "inf", "9", "0.1"])
def test_a_typed_pace_out_of_range_is_refused(typed, monkeypatch):
    with pytest.raises(pace.BadPace, match="--pace"):
        pace.machine_pace(float(typed) if typed != "fast" else typed)
    monkeypatch.setenv(pace.PACE_ENV, typed)
    with pytest.raises(pace.BadPace, match=pace.PACE_ENV):
        pace.machine_pace()


def test_the_workload_measures_this_machine(tmp_path, monkeypatch):
    """The real workload (about 2.5 s): a pace within the range, kept for the next run."""
    monkeypatch.delenv(pace.PACE_ENV, raising=False)
    monkeypatch.setenv(pace.CACHE_ENV, str(tmp_path))
    measured = pace.machine_pace()
    assert pace.LEAST <= measured.value <= pace.MOST
    assert measured.source == "measured now"
    assert pace.machine_pace() == pace.Pace(measured.value, "measured earlier this boot")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    return small_campaign(tmp_path_factory.mktemp("campaign") / "small", seed=5)


def test_a_run_plans_its_solver_budget_at_the_pace_and_its_manifest_says_so(campaign, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(campaign), "--out", str(out), "--time-limit", "40", "--pace", "2"]
    )
    assert result.exit_code == exitcodes.OK, result.output
    assert "pace 2.00 (--pace)" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["options"]["pace"] == 2.0
    pairs = manifest["counts"]["candidate_pairs"]
    budget = manifest["solver"]["work_budget_s"]
    assert budget == pytest.approx(solver_budget(pairs, 40.0, 2.0)[0], abs=1e-3)
    assert budget < solver_budget(pairs, 40.0, 1.0)[0]


@pytest.mark.parametrize("typed", ["0", "-1", "nan", "20"])
def test_run_refuses_a_pace_out_of_range_and_writes_nothing(campaign, tmp_path, typed):
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(campaign), "--out", str(out), "--pace", typed])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "--pace must be between" in result.output
    assert not out.exists()


def test_a_pace_typed_in_the_environment_out_of_range_is_refused(campaign, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(campaign), "--out", str(out)], env={pace.PACE_ENV: "fast"}
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert f"{pace.PACE_ENV} must be a number, not 'fast'" in result.output
    assert not out.exists()


def test_nightly_runs_at_the_pace_given_and_says_it(campaign, tmp_path):
    folder = tmp_path / "campaign"
    shutil.copytree(campaign, folder)
    args = ["nightly", str(folder), "--night", NIGHT.isoformat(), "--time-limit", "20"]
    result = runner.invoke(app, [*args, "--pace", "1.5"])
    assert result.exit_code == exitcodes.OK, result.output
    assert "this machine's pace 1.50 (--pace)" in result.output  # in the night's summary
    (manifest,) = (folder / "runs").glob("*/manifest.json")
    facts = json.loads(manifest.read_text())
    assert facts["options"]["pace"] == 1.5
    # the whole night's time, as `run`'s manifest says it (the audit: no load, no run_total)
    timings = facts["timings_s"]
    stages = ("load", "encode", "training", "candidates", "solve", "diagnosis", "check", "writing")
    assert set(timings) == {*stages, "run_total"}
    assert sum(timings[stage] for stage in stages) <= timings["run_total"]
    # a --runs that is a file is a bad option, not an internal error (the audit: exit 1)
    afile = tmp_path / "afile"
    afile.write_text("")
    refused = runner.invoke(app, [*args, "--runs", str(afile)])
    assert refused.exit_code == exitcodes.BAD_INPUT, refused.output
    assert "is a file, not a folder" in refused.output
