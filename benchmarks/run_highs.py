"""HiGHS' MIP solver on an assignment problem, in a process of its own.

Importing ``highspy`` and ``ortools`` into one process can fail (mismatched builds of shared
libraries), so the benchmark writes the problem's MIP to an NPZ file
(``benchmarks.problem_npz.save_mip``: the engine's own LP rows, with the slot layer when the
problem has one, every column integer) and runs this script:

    python benchmarks/run_highs.py MIP.npz RESULT.npz --time-limit 300

The model: ``max cost x`` subject to ``A x <= rhs``, ``0 <= x <= upper``, x integer; the
columns are the pairs, one shortfall per quota, then one per slot. The result NPZ holds
``x`` (the solution's columns), ``objective``, ``bound``, ``wall_time_s`` and ``status``
(HiGHS' model status text). This file imports no module of the engine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def solve(mip_path: Path, result_path: Path, time_limit: float, threads: int) -> None:
    import highspy

    data = np.load(mip_path)
    n_rows, n_columns = (int(v) for v in data["shape"])
    started = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", 0.0)
    lp = highspy.HighsLp()
    lp.num_col_ = n_columns
    lp.num_row_ = n_rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = data["cost"].astype(float)
    lp.col_lower_ = np.zeros(n_columns)
    lp.col_upper_ = data["upper"].astype(float)
    lp.row_lower_ = np.full(n_rows, -np.inf)
    lp.row_upper_ = data["rhs"].astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = data["indptr"]
    lp.a_matrix_.index_ = data["indices"]
    lp.a_matrix_.value_ = data["data"].astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_columns
    model = highspy.HighsModel()
    model.lp_ = lp
    h.passModel(model)
    h.run()
    wall = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    found = info.primal_solution_status > 0
    x = np.array(h.getSolution().col_value) if found else np.zeros(n_columns)
    np.savez(
        result_path,
        x=np.round(x).astype(np.int64),
        objective=np.array(info.objective_function_value if found else np.nan),
        bound=np.array(info.mip_dual_bound),
        wall_time_s=np.array(wall),
        status=np.array(status),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mip", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    solve(args.mip, args.result, args.time_limit, args.threads)


if __name__ == "__main__":
    main()
