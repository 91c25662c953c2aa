"""The dated path users run: ``cxmatch run`` against HiGHS on the same dated model.

For each campaign (``cxmatch generate`` at 800, 1,500, 5,000 and 20,000 visitors, hosts =
visitors / 4, the seeds in ``SEEDS``; the accepted exchanges of their history given dates, so
that hosts have rooms and accepted groups to join; variants *generated* and *tight*) and each
time limit, in one run, side by side:

* the engine: ``cxmatch run CAMPAIGN --time-limit L`` in a process of its own
  (``benchmarks.dated_run``): objective, bound, gap, status, the process' wall time (Python's
  start-up included, the problem's save taken off) and peak RSS, the manifest's stage timings,
  the machine's pace and the solver's work budget it gave, greedy's objective and the
  slot-free bound it reports;
* HiGHS' MIP solver on the *same* dated model (the problem that night built, exported by
  ``benchmarks.problem_npz.save_mip``, in a process of its own: ``run_highs.py``), once per
  campaign: objective, bound, status, time; its solution is checked against every rule of
  the problem and its objective recomputed.

    python -m benchmarks.bench_dated                          # the README table (long)
    CXMATCH_DATED=800:1:tight:30,60 python -m benchmarks.bench_dated   # size:seed:variant:limits

Environment: ``CXMATCH_DATED`` (runs, ``;``-separated), ``CXMATCH_DATED_HIGHS`` (HiGHS' time
limit, s; 0 skips it), ``CXMATCH_DATED_HIGHS_EQUAL`` (``1``, the default: HiGHS once more
per row with the engine's wall time as its limit, the comparison at equal wall time; ``0``
skips it), ``CXMATCH_DATED_RERUN`` (``size:seed:variant:limit`` run twice: the
proposals must be the same).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.instances import CACHE, tight_folder
from benchmarks.markdown import print_table
from benchmarks.problem_npz import load_problem, save_mip
from engine.synthetic.generator import generate_campaign, write_campaign

ROOT = CACHE / "dated"
# size: seeds; none of them was used to tune the solver (tuning used seeds 1 and 2 at 800 and
# 5,000 visitors: /tmp campaigns of the same generator)
SEEDS = {800: (11, 12), 1_500: (11,), 5_000: (11, 12), 20_000: (11,)}
DEFAULT_RUNS = (
    "800:11:generated:30,60,120;800:11:tight:30,60,120;800:12:tight:60;"
    "1500:11:tight:30,60,120;1500:11:generated:60;"
    "5000:11:tight:30,60,120;5000:12:tight:60;5000:11:generated:60;"
    "20000:11:tight:120"
)
WEEK = np.timedelta64(7, "D")


def campaign(size: int, seed: int, variant: str) -> Path:
    """The campaign folder (generated once, cached), its accepted exchanges dated."""
    base = ROOT / f"g{size}_{seed}"
    if not (base / "profiles.csv").exists():
        write_campaign(generate_campaign(size, size // 4, seed), base, "csv")
        _date_accepted(base)
    return base if variant == "generated" else tight_folder(base, ROOT / f"t{size}_{seed}")


def _date_accepted(folder: Path) -> None:
    """Give every accepted (not completed) exchange of the history dates in the campaign's
    first ten weeks (a Monday, 3 to 10 working days), so that it occupies its host: rooms
    below capacity, and accepted groups tonight's visitors may join."""
    history = pd.read_csv(folder / "history.csv")
    accepted = (history["outcome"] == "accepted").to_numpy()
    order = np.cumsum(accepted) - 1
    monday = np.datetime64("2027-01-11") + (order % 10) * WEEK
    days = 3 + (order * 7) % 8
    start = np.where(accepted, monday, np.datetime64("NaT"))
    end = np.busday_offset(monday, days - 1, roll="forward")
    history["start"] = pd.to_datetime(start)
    history["end"] = pd.to_datetime(np.where(accepted, end, np.datetime64("NaT")))
    history.to_csv(folder / "history.csv", index=False, date_format="%Y-%m-%d")


def engine_run(folder: Path, limit: float, work: Path, problem: Path | None) -> dict[str, Any]:
    out = work / f"run-{limit:g}"
    shutil.rmtree(out, ignore_errors=True)
    facts_path = work / f"facts-{limit:g}.json"
    command = [sys.executable, "-m", "benchmarks.dated_run", str(folder), str(out)]
    command += ["--time-limit", str(limit), "--facts", str(facts_path)]
    if problem is not None:
        command += ["--problem", str(problem)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    facts = json.loads(facts_path.read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    solver = manifest["solver"]
    return {
        "limit_s": limit,
        "wall_s": round(wall - facts["save_s"], 1),
        "run_total_s": manifest["timings_s"].get("run_total"),
        "load_avg": round(load, 2),
        "peak_rss_mib": round(facts["peak_rss_mib"]),
        "objective": solver["objective"],
        "bound": solver["best_bound"],
        "gap": solver["gap"],
        "status": solver["status"],
        "reproducible": solver.get("reproducible"),
        # this machine's pace (engine/cli/pace.py) and the solver's work budget it gave
        "pace": manifest["options"].get("pace"),
        "work_budget_s": solver.get("work_budget_s"),
        "greedy": solver.get("greedy_objective"),
        "slot_free_bound": solver.get("slot_free_bound"),
        "timings": manifest["timings_s"],
        "proposals": str(out / "proposals.parquet"),
    }


def highs(problem_path: Path, limit: float) -> dict[str, Any]:
    """HiGHS on the dated MIP of the saved problem; its solution checked on the problem.
    Kept beside the problem (``highs-LIMIT.json``): a second call reads it."""
    kept = problem_path.with_name(f"highs-{limit:g}.json")
    if kept.exists():
        return dict(json.loads(kept.read_text()))
    row = _highs(problem_path, limit)
    kept.write_text(json.dumps(row))
    print(json.dumps({"highs": str(problem_path), **row}), flush=True)
    return row


def _highs(problem_path: Path, limit: float) -> dict[str, Any]:
    problem = load_problem(problem_path)
    mip, result = problem_path.with_suffix(".mip.npz"), problem_path.with_suffix(".highs.npz")
    save_mip(mip, problem)
    script = Path(__file__).with_name("run_highs.py")
    started = time.perf_counter()
    try:  # HiGHS checks its limit between phases only: a hard stop at 1.5 x + 60 s
        subprocess.run(
            [sys.executable, str(script), str(mip), str(result), "--time-limit", str(limit)],
            check=True,
            timeout=1.5 * limit + 60,
            stdout=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return {"highs_status": "killed", "highs_time_s": round(time.perf_counter() - started)}
    with np.load(result) as found:
        x, objective, bound = found["x"], float(found["objective"]), float(found["bound"])
        row = {
            "highs_objective": round(objective) if np.isfinite(objective) else None,
            "highs_bound": round(bound) if np.isfinite(bound) else None,
            "highs_time_s": round(float(found["wall_time_s"]), 1),
            "highs_status": str(found["status"]),
        }
    n, q = problem.n_pairs, len(problem.quotas)
    selected, open_slots = x[:n] > 0, x[n + q :] > 0
    if row["highs_objective"] is not None:
        assert problem.slots_ok(selected, open_slots) and problem.sme_share_ok(selected)
        assert problem.sets_ok(selected)
        # its assignment's value (a solution HiGHS stopped on may keep a shortfall column
        # above what its pairs leave: the same pairs are then worth a little more)
        value = problem.objective(selected, open_slots)
        assert value >= row["highs_objective"]
        row["highs_objective"] = value
    return row


def measure(spec: str, highs_limit: float, equal_wall: bool = False) -> list[dict[str, Any]]:
    size, seed, variant, limits = spec.split(":")
    folder = campaign(int(size), int(seed), variant)
    work = ROOT / f"work-{variant}-{size}-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    problem = work / "problem.npz"
    if not os.environ.get("CXMATCH_DATED_KEEP"):  # the night's problem afresh
        problem.unlink(missing_ok=True)
        for kept in work.glob("highs-*.json"):
            kept.unlink()
    rows = []
    for limit in [float(v) for v in limits.split(",")]:
        row = {"instance": f"{size} {variant} (seed {seed})"}
        row.update(engine_run(folder, limit, work, problem))
        rows.append(row)
        print(json.dumps(row), flush=True)
    reference = highs(problem, highs_limit) if highs_limit > 0 else {}
    loaded = load_problem(problem)
    for row in rows:
        row.update(reference, pairs=loaded.n_pairs, slots=loaded.n_slots)
        if equal_wall:  # HiGHS again, with the engine's whole wall time as its limit
            same = highs(problem, row["wall_s"])
            row.update({f"highs_equal_{key[6:]}": value for key, value in same.items()})
        assert row["objective"] >= row["greedy"], "the engine is below greedy"
    return rows


def rerun(spec: str) -> dict[str, Any]:
    """The same run twice: the same proposals (the second under whatever load there is)."""
    size, seed, variant, limit = spec.split(":")
    folder = campaign(int(size), int(seed), variant)
    work = ROOT / f"rerun-{variant}-{size}-{seed}"
    work.mkdir(parents=True, exist_ok=True)
    runs = []
    for name in ("first", "second"):
        (work / name).mkdir(parents=True, exist_ok=True)
        runs.append(engine_run(folder, float(limit), work / name, None))
    first, second = runs
    columns = ["visitor_id", "host_id", "group_id", "start", "end"]
    same = pd.read_parquet(first["proposals"])[columns].equals(
        pd.read_parquet(second["proposals"])[columns]
    )
    return {"rerun": spec, "same_proposals": same, "runs": [first, second]}


def main() -> None:
    highs_limit = float(os.environ.get("CXMATCH_DATED_HIGHS", "300"))
    equal_wall = os.environ.get("CXMATCH_DATED_HIGHS_EQUAL", "1") == "1"
    rows = []
    for spec in os.environ.get("CXMATCH_DATED", DEFAULT_RUNS).split(";"):
        if spec:  # CXMATCH_DATED= runs only the rerun
            rows += measure(spec, highs_limit, equal_wall)
    columns = [
        "instance", "pairs", "slots", "limit_s", "pace", "work_budget_s", "wall_s", "load_avg",
        "peak_rss_mib", "objective", "bound", "gap", "status", "reproducible", "greedy", "slot_free_bound",
        "highs_objective", "highs_bound", "highs_time_s", "highs_status",
        "highs_equal_objective", "highs_equal_bound", "highs_equal_time_s",
    ]  # fmt: skip
    print_table(rows, columns, shares=("gap",))
    again = os.environ.get("CXMATCH_DATED_RERUN", "5000:11:tight:60")
    if again:
        print(json.dumps(rerun(again), default=str))


if __name__ == "__main__":
    main()
