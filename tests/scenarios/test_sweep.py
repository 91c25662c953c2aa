"""Sweeps: a local Dask cluster gives the same results as a serial run; resume; failures."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from scenarios import tasks as sweep_module
from scenarios.spec import load_scenario
from scenarios.sweep import run_sweep
from tests.scenarios.conftest import TINY, tiny_scenarios

runner = CliRunner()

SCENARIO = TINY  # a 50 x 16 generated campaign, two nights
DETERMINISTIC_FILES = ("summary.json", "nights.csv", "accepted.csv", "kpis.csv", "kpi_progress.csv")


scenarios = tiny_scenarios


def result_files(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted((out / "results").glob("*/seed-*/*"))
        if path.name in DETERMINISTIC_FILES
    }


@pytest.mark.slow
def test_local_dask_cluster_gives_the_serial_results(tmp_path):
    loaded = [load_scenario(path) for path in scenarios(tmp_path / "in")]
    serial = run_sweep(loaded, [0, 1], tmp_path / "serial", serial=True)
    dask = run_sweep(loaded, [0, 1], tmp_path / "dask", workers=2, timeout_s=240)
    assert not serial.failed and not dask.failed
    assert len(dask.ran) == len(serial.ran) == 4
    statuses = pd.concat(
        pd.read_csv(path)["solver_status"]
        for path in (tmp_path / "serial").glob("results/*/*/nights.csv")
    )
    assert set(statuses) == {"optimal"}  # so results cannot depend on the machine's load
    files = result_files(tmp_path / "serial")
    assert len(files) == 4 * len(DETERMINISTIC_FILES)
    assert result_files(tmp_path / "dask") == files
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "serial" / "runs.parquet"),
        pd.read_parquet(tmp_path / "dask" / "runs.parquet"),
    )
    for name in ("scenarios.csv", "kpis.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()


def test_sweep_resumes_and_reports_a_failed_scenario(tmp_path, monkeypatch):
    paths = scenarios(tmp_path / "in")
    out = tmp_path / "out"
    first = runner.invoke(
        app, ["sweep", *map(str, paths[:1]), "--seeds", "1", "--serial", "--out", str(out)]
    )
    assert first.exit_code == 0, first.output
    kept = next((out / "results").glob("plain-*/seed-0"))
    stamp = kept.stat().st_mtime_ns

    real = sweep_module.simulate

    def failing(prepared, progress=None):
        if prepared.scenario.name == "wide":
            raise RuntimeError("boom")
        return real(prepared, progress)

    monkeypatch.setattr(sweep_module, "simulate", failing)
    second = runner.invoke(
        app, ["sweep", *map(str, paths), "--seeds", "1", "--serial", "--out", str(out)]
    )
    assert second.exit_code == exitcodes.INTERNAL_ERROR
    assert "ran 0, reused 1, failed 1" in second.output
    assert "wide seed 0: RuntimeError: boom" in second.output
    assert kept.stat().st_mtime_ns == stamp  # the finished result was skipped, not redone
    runs = pd.read_csv(out / "runs.csv")
    assert runs.set_index("scenario")["status"].to_dict() == {"plain": "ok", "wide": "failed"}
    assert json.loads((out / "sweep.json").read_text())["failed"] == 1

    monkeypatch.setattr(sweep_module, "simulate", real)
    third = runner.invoke(
        app, ["sweep", *map(str, paths), "--seeds", "1", "--serial", "--out", str(out)]
    )
    assert third.exit_code == 0, third.output
    assert "ran 1, reused 1, failed 0" in third.output
    assert set(pd.read_csv(out / "runs.csv")["status"]) == {"ok"}
    report = (out / "report.html").read_text()
    assert "plain" in report and "wide" in report and "<svg" in report

    other = tmp_path / "other"
    runner.invoke(app, ["sweep", *map(str, paths), "--seeds", "1", "--serial", "--out", str(other)])
    compared = runner.invoke(app, ["compare", str(out), str(other)])
    assert compared.exit_code == 0, compared.output
    assert "only in A: 0; only in B: 0" in compared.output


def test_sweep_with_a_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    paths = scenarios(tmp_path / "in")
    bad = tmp_path / "in" / "bad.toml"
    bad.write_text(
        SCENARIO.format(
            name="bad",
            extra="[[changes]]\naction = 'remove'\nrole = 'host'\nwhere = { country = 'XX' }\n",
        )
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["sweep", *map(str, paths), str(bad), "--serial", "--out", str(out)]
    )
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "bad.toml" in result.output
    assert "changes[1].where.country: 'XX' is not a COSME country" in result.output
    assert not out.exists()


def test_sweep_into_a_file_exits_2_before_any_run(tmp_path):
    """The audit: ``--out`` naming a regular file ran the whole sweep, then failed as an
    internal error (NotADirectoryError)."""
    paths = scenarios(tmp_path / "in")
    out = tmp_path / "results.csv"
    out.write_text("kept\n")
    result = runner.invoke(app, ["sweep", *map(str, paths), "--serial", "--out", str(out)])
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "is a file, not a folder" in result.output and "internal error" not in result.output
    assert out.read_text() == "kept\n"


def test_sweep_into_another_command_s_folder_exits_5_and_keeps_it(tmp_path):
    """The audit: ``sweep --out`` a simulation's folder overwrote its kpis.csv and report,
    exit 0. A sweep resumes in its own folder only."""
    paths = scenarios(tmp_path / "in")
    out = tmp_path / "simulation"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    result = runner.invoke(app, ["sweep", *map(str, paths), "--serial", "--out", str(out)])
    assert result.exit_code == exitcodes.OUTPUT_EXISTS, result.output
    assert "is not a sweep's folder" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["summary.json"]


@pytest.mark.slow
def test_sweep_on_an_existing_scheduler(tmp_path):
    from distributed import LocalCluster

    loaded = [load_scenario(scenarios(tmp_path / "in")[0])]
    serial = run_sweep(loaded, [3], tmp_path / "serial", serial=True)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_sweep(
            loaded, [3], tmp_path / "remote", scheduler=cluster.scheduler_address, timeout_s=180
        )
        assert len(cluster.scheduler.workers) == 1  # the sweep left the cluster running
    assert remote.ran == serial.ran == [("plain", 3)]
    assert result_files(tmp_path / "remote") == result_files(tmp_path / "serial")
    manifest = json.loads((tmp_path / "remote" / "sweep.json").read_text())
    assert manifest["executor"] == f"dask scheduler {cluster.scheduler_address}"


@pytest.mark.slow
def test_a_sweep_on_a_cluster_started_by_hand_gives_the_serial_results(tmp_path):
    """``dask scheduler`` and ``dask worker`` started as separate processes (as an operator
    would), then ``cxmatch sweep --scheduler``: the same result files, byte for byte."""
    dask = Path(sys.executable).parent / "dask"
    address_file = tmp_path / "scheduler.json"
    flags = ["--no-dashboard", "--scheduler-file", str(address_file)]
    started = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", *flags],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        for _ in range(600):  # wait for the scheduler's address (bounded)
            if address_file.is_file() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        started.append(
            subprocess.Popen(
                [str(dask), "worker", "--nworkers", "1", "--nthreads", "1", *flags],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        )  # fmt: skip
        paths = [str(path) for path in scenarios(tmp_path / "in")]
        serial = runner.invoke(app, ["sweep", *paths, "--seeds", "1", "--serial",
                                     "--out", str(tmp_path / "serial")])  # fmt: skip
        assert serial.exit_code == 0, serial.output
        remote = runner.invoke(app, ["sweep", *paths, "--seeds", "1", "--scheduler", address,
                                     "--out", str(tmp_path / "remote")])  # fmt: skip
        assert remote.exit_code == 0, remote.output
        assert "ran 2, reused 0, failed 0" in remote.output
        assert "Traceback" not in remote.output and "INFO" not in remote.output
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=60)
    files = result_files(tmp_path / "serial")
    assert len(files) == 2 * len(DETERMINISTIC_FILES)
    assert result_files(tmp_path / "remote") == files
    manifest = json.loads((tmp_path / "remote" / "sweep.json").read_text())
    assert manifest["executor"] == f"dask scheduler {address}"


def test_a_scenario_accepting_nothing_sweeps_and_never_meets_every_target(tmp_path):
    """The audit: a scenario removing every host (no proposal, no exchange) crashed the sweep
    (exit 1, NotImplementedError in the forecast's cumulative sums, half its tables written)
    and its simulation said 'every KPI target met by night 0' with 6 of 50 met."""
    extra = "[[changes]]\naction = 'remove'\nrole = 'host'\nwhere = {}\nshare = 1.0\n"
    path = tmp_path / "nohosts.toml"
    path.write_text(TINY.format(name="nohosts", extra=extra), encoding="utf-8")
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(path), "--seeds", "1", "--serial", "--out", str(out)])
    assert result.exit_code == exitcodes.OK, result.output
    assert (out / "report.html").is_file()
    written = next((out / "results").glob("nohosts-*/seed-0/summary.json")).read_text()
    summary = json.loads(written)["summary"]
    assert summary["accepted"] == 0 and summary["kpis_met"] < summary["kpis"]
    assert summary["nights_to_target"] is None


def test_an_unreachable_scheduler_is_said_and_exits_2(tmp_path, monkeypatch):
    """The audit: --scheduler naming nobody was 'internal error (a bug, please report it):
    OSError: Timed out...', exit 1. (Dask's own 30 s wait is stood in for here.)"""
    import distributed

    def nobody(*_args, **_kwargs):
        raise OSError("Timed out trying to connect to tcp://127.0.0.1:1 after 30 s")

    monkeypatch.setattr(distributed, "Client", nobody)
    paths = scenarios(tmp_path / "in")
    out = tmp_path / "sweep"
    result = runner.invoke(
        app, ["sweep", *map(str, paths), "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)]
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "no Dask scheduler answered" in result.output and "internal error" not in result.output


def test_two_sweeps_compare_on_the_seeds_both_hold(small_sweep, tmp_path):
    """The audit: A with seeds 0-1 and B with 0-2, byte-identical on 0-1, showed differences
    (accepted 13.5 against 15.3): B's mean took in a seed A does not have. Paired by seed."""
    from scenarios.compare import compare

    paths = [load_scenario(p) for p in tiny_scenarios(tmp_path / "in")]
    one = tmp_path / "one-seed"
    assert not run_sweep(paths, [0], one, serial=True).failed
    comparison = compare(small_sweep.folder, one)
    assert "plain: seed 1 in one sweep only, left out" in comparison.notes
    numbers = comparison.headlines.dropna(subset=["delta"])
    assert len(numbers) and (numbers["delta"] == 0).all()  # seed 0 is the same on both sides
