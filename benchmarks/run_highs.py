"""HiGHS' MIP solver on an assignment problem, in a process of its own.

Importing ``highspy`` and ``ortools`` into one process can fail (mismatched builds of shared
libraries), so the benchmark writes the problem to an NPZ file and runs this script:

    python benchmarks/run_highs.py PROBLEM.npz RESULT.npz --time-limit 300

The model is the engine's, row for row: a binary per pair, an integer shortfall per quota;
visitor at most once, host at most its capacity, ``den * smes - num * total + fixed >= 0``,
``members chosen + shortfall >= need``; maximise total value minus penalties. The result
NPZ holds ``selected`` (bool per pair), ``objective``, ``bound``, ``wall_time_s`` and
``status`` (HiGHS' model status text). This file imports no module of the engine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np


def save_problem(path: Path, problem: object) -> None:
    """Write an AssignmentProblem's arrays (called from the engine's side)."""
    quotas = problem.quotas  # type: ignore[attr-defined]
    n_visitors = len(problem.visitor_is_sme)  # type: ignore[attr-defined]
    np.savez(
        path,
        pair_visitor=problem.pair_visitor,  # type: ignore[attr-defined]
        pair_host=problem.pair_host,  # type: ignore[attr-defined]
        pair_value=problem.pair_value,  # type: ignore[attr-defined]
        host_capacity=problem.host_capacity,  # type: ignore[attr-defined]
        visitor_is_sme=problem.visitor_is_sme,  # type: ignore[attr-defined]
        share=np.array(
            [problem.min_sme_share.numerator, problem.min_sme_share.denominator]  # type: ignore[attr-defined]
        ),
        fixed=np.array([problem.fixed_smes, problem.fixed_total]),  # type: ignore[attr-defined]
        quota_members=np.array([q.members for q in quotas], dtype=bool).reshape(
            len(quotas), n_visitors
        ),
        quota_need=np.array([q.need for q in quotas], dtype=np.int64),
        quota_penalty=np.array([q.penalty for q in quotas], dtype=np.int64),
    )


def solve(problem_path: Path, result_path: Path, time_limit: float, threads: int) -> None:
    import highspy
    from scipy import sparse

    data = np.load(problem_path)
    visitor, host = data["pair_visitor"], data["pair_host"]
    value = data["pair_value"].astype(float)
    capacity = data["host_capacity"].astype(float)
    is_sme = data["visitor_is_sme"]
    num, den = (int(x) for x in data["share"])
    fixed_smes, fixed_total = (int(x) for x in data["fixed"])
    members, need, penalty = data["quota_members"], data["quota_need"], data["quota_penalty"]
    n, n_visitors, n_hosts, q = len(visitor), len(is_sme), len(capacity), len(need)
    started = time.perf_counter()

    columns = np.arange(n)
    ones = np.ones(n)
    rows = [
        sparse.csr_matrix((ones, (visitor, columns)), shape=(n_visitors, n + q)),
        sparse.csr_matrix((ones, (host, columns)), shape=(n_hosts, n + q)),
        sparse.csr_matrix(
            np.concatenate([np.where(is_sme[visitor], den - num, -num), np.zeros(q)])[None, :]
        ),
    ]
    lower = [
        np.full(n_visitors, -np.inf),
        np.full(n_hosts, -np.inf),
        [num * fixed_total - den * fixed_smes],
    ]
    upper = [np.ones(n_visitors), capacity, [np.inf]]
    if q:
        quota_pairs = sparse.csr_matrix(members[:, visitor].astype(float))
        rows.append(sparse.hstack([quota_pairs, sparse.identity(q)]).tocsr())
        lower.append(need.astype(float))
        upper.append(np.full(q, np.inf))
    matrix = sparse.vstack(rows).tocsc()

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", 0.0)
    lp = highspy.HighsLp()
    lp.num_col_ = n + q
    lp.num_row_ = matrix.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([value, -penalty.astype(float)])
    lp.col_lower_ = np.zeros(n + q)
    lp.col_upper_ = np.concatenate([np.ones(n), need.astype(float)])
    lp.row_lower_ = np.concatenate(lower).astype(float)
    lp.row_upper_ = np.concatenate(upper).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * (n + q)
    model = highspy.HighsModel()
    model.lp_ = lp
    h.passModel(model)
    h.run()
    wall = time.perf_counter() - started
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    solution = np.array(h.getSolution().col_value) if info.primal_solution_status else None
    selected = (
        solution[:n] > 0.5 if solution is not None and len(solution) else np.zeros(n, dtype=bool)
    )
    np.savez(
        result_path,
        selected=selected,
        objective=np.array(info.objective_function_value if solution is not None else np.nan),
        bound=np.array(info.mip_dual_bound),
        wall_time_s=np.array(wall),
        status=np.array(status),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", type=Path)
    parser.add_argument("result", type=Path)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    solve(args.problem, args.result, args.time_limit, args.threads)


if __name__ == "__main__":
    main()
