"""The global assignment at scale: the engine's solve against greedy, min-cost flow and HiGHS.

For each instance (``benchmarks/instances.py``), in one run on the *same* candidate pairs:
the engine's solve (``solvers.solve.solve``), the greedy baseline, the min-cost-flow optimum
without side rules, and HiGHS' MIP solver (in a process of its own, ``benchmarks/run_highs.py``).
Every rule-respecting solution is checked by the independent checker, and the engine is
never worse than greedy.

    pytest benchmarks/bench_solve.py --benchmark-only            # 1,000 and 5,000 visitors
    CXMATCH_BENCH_SIZES=1000,5000,20000,50000 python -m benchmarks.bench_solve   # the table

Environment: ``CXMATCH_BENCH_SIZES`` (visitors, comma-separated), ``CXMATCH_BENCH_VARIANTS``
(``generated,tight``), ``CXMATCH_BENCH_TIME_LIMIT`` (engine, s), ``CXMATCH_BENCH_HIGHS_LIMIT``
(HiGHS, s; 0 skips HiGHS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from benchmarks.instances import BenchInstance, instance
from benchmarks.markdown import print_table
from benchmarks.problem_npz import save_mip
from engine.check.rules import check_proposals
from solvers.flow import max_weight_assignment
from solvers.greedy import solve_greedy
from solvers.options import SolverOptions
from solvers.relaxation import solve_relaxation
from solvers.solve import solve

SIZES = [int(n) for n in os.environ.get("CXMATCH_BENCH_SIZES", "1000,5000").split(",")]
VARIANTS = os.environ.get("CXMATCH_BENCH_VARIANTS", "generated,tight").split(",")
TIME_LIMIT = float(os.environ.get("CXMATCH_BENCH_TIME_LIMIT", "60"))
HIGHS_LIMIT = float(os.environ.get("CXMATCH_BENCH_HIGHS_LIMIT", "300"))
# engine time limits; 100 s at 50,000 because CP-SAT overshoots its deterministic budget: at
# a 120 s limit the 50,000 tight solve took 122 s of wall time (the target is 120 s)
TIME_LIMITS = {1_000: 60.0, 5_000: 60.0, 20_000: 60.0, 50_000: 100.0}


def run_highs(problem_instance: BenchInstance, time_limit: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        problem_path, result_path = Path(folder, "problem.npz"), Path(folder, "result.npz")
        save_mip(problem_path, problem_instance.problem)
        started = time.perf_counter()
        try:  # HiGHS checks its time limit only between phases: a hard stop at 1.5 x + 60 s
            subprocess.run(
                [
                    sys.executable,
                    str(Path(__file__).with_name("run_highs.py")),
                    str(problem_path),
                    str(result_path),
                    "--time-limit",
                    str(time_limit),
                ],
                check=True,
                timeout=1.5 * time_limit + 60,
            )
        except subprocess.TimeoutExpired:
            return {
                "selected": np.zeros(problem_instance.problem.n_pairs, dtype=bool),
                "objective": float("nan"),
                "bound": float("nan"),
                "time_s": time.perf_counter() - started,
                "status": "killed: no answer within 1.5 x its time limit + 60 s",
            }
        process_wall = time.perf_counter() - started
        with np.load(result_path) as result:
            return {
                "selected": result["x"][: problem_instance.problem.n_pairs] > 0,
                "objective": float(result["objective"]),
                "bound": float(result["bound"]),
                "time_s": float(result["wall_time_s"]),
                "process_s": process_wall,
                "status": str(result["status"]),
            }


def violations(problem_instance: BenchInstance, selected: np.ndarray) -> list[Any]:
    return check_proposals(problem_instance.campaign, problem_instance.proposals(selected))


def measure(n_visitors: int, variant: str, highs_limit: float = HIGHS_LIMIT) -> dict[str, Any]:
    """Every solver on one instance; asserts the checker and 'never worse than greedy'."""
    bench = instance(n_visitors, variant)
    problem = bench.problem
    row: dict[str, Any] = {
        "instance": bench.name,
        "pairs": problem.n_pairs,
        "eligible": bench.eligible_pairs,
        "pruned": bench.eligible_pairs - problem.n_pairs,
    }
    limit = TIME_LIMITS.get(n_visitors, TIME_LIMIT)
    engine = solve(problem, SolverOptions(time_limit_s=limit, workers=2, seed=0))
    greedy = solve_greedy(problem)
    clock = time.perf_counter()
    flow = max_weight_assignment(problem, problem.pair_value)
    flow_time = time.perf_counter() - clock
    assert engine.objective is not None and greedy.objective is not None
    assert engine.objective >= greedy.objective, "the engine is worse than greedy"
    assert violations(bench, engine.selected) == [], "the engine's proposals break a rule"
    assert violations(bench, greedy.selected) == [], "greedy's proposals break a rule"
    row.update(
        engine_objective=engine.objective,
        engine_bound=engine.best_bound,
        engine_gap=engine.gap,
        engine_time_s=round(engine.wall_time_s, 2),
        engine_status=engine.status.value,
        engine_start=engine.stats.get("start", "mcf"),
        greedy_objective=greedy.objective,
        greedy_time_s=round(greedy.wall_time_s, 2),
        mcf_value=int(problem.pair_value[flow].sum()),
        mcf_time_s=round(flow_time, 2),
        mcf_keeps_rules=engine.stats.get("mcf_keeps_rules"),
    )
    if highs_limit > 0:
        highs = run_highs(bench, highs_limit)
        if highs["selected"].any():
            assert violations(bench, highs["selected"]) == [], "HiGHS' proposals break a rule"
            assert problem.objective(highs["selected"]) == round(highs["objective"])
        row.update(
            highs_objective=highs["objective"],
            highs_bound=highs["bound"],
            highs_time_s=round(highs["time_s"], 2),
            highs_status=highs["status"],
        )
    return row


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n_visitors", SIZES)
def test_solve(benchmark, n_visitors: int, variant: str) -> None:
    row = benchmark.pedantic(measure, args=(n_visitors, variant), rounds=1, iterations=1)
    benchmark.extra_info.update({k: v for k, v in row.items() if not isinstance(v, np.ndarray)})
    if "highs_objective" in row and row["highs_status"] == "Optimal":
        # the engine is within 0.1% of HiGHS' proven optimum on the same candidates
        assert row["engine_objective"] >= row["highs_objective"] - 1e-3 * abs(
            row["highs_objective"]
        )


def pruning_loss(n_visitors: int, variant: str) -> dict[str, Any]:
    """What pruning loses: the engine and the exact LP bound on every eligible pair vs on the
    pruned candidates (feasible only where the full model fits: 1,000 and 5,000 visitors)."""
    row: dict[str, Any] = {"instance": f"{n_visitors}-{variant}"}
    for tag, full in (("pruned", False), ("full", True)):
        bench = instance(n_visitors, variant, full=full)
        relaxation = solve_relaxation(bench.problem, tolerance=0.0)
        result = solve(bench.problem, SolverOptions(time_limit_s=60, workers=2))
        assert violations(bench, result.selected) == []
        row.update(
            {
                f"{tag}_pairs": bench.problem.n_pairs,
                f"{tag}_lp_bound": None if relaxation is None else round(relaxation.bound, 1),
                f"{tag}_objective": result.objective,
                f"{tag}_time_s": round(result.wall_time_s, 2),
            }
        )
    row["objective_lost"] = row["full_objective"] - row["pruned_objective"]
    row["lp_bound_lost"] = round(row["full_lp_bound"] - row["pruned_lp_bound"], 1)
    return row


def main() -> None:
    rows = []
    for n in SIZES:
        for variant in VARIANTS:
            rows.append(measure(n, variant))
            print(json.dumps(rows[-1], default=str), flush=True)
    print_table(rows, shares=("engine_gap",))
    if os.environ.get("CXMATCH_BENCH_PRUNING", "1") == "1":
        losses = []
        for n in [size for size in SIZES if size <= 5_000]:
            for variant in VARIANTS:
                losses.append(pruning_loss(n, variant))
                print(json.dumps(losses[-1], default=str), flush=True)
        print_table(losses)


if __name__ == "__main__":
    main()
