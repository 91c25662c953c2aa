"""HiGHS' MIP solver on ``max c x, A x <= b, lower <= x <= upper, x integer``, from a start,
within a deterministic budget: the count of HiGHS' call backs at fixed points of its search
(``kCallbackMipInterrupt``), each weighed ``per_call`` seconds of work (the same count, and so
the same answer, however loaded the machine); the wall-clock ``deadline`` is the safety net.

HiGHS comes through SciPy's own build (``scipy.optimize._highspy``, the one ``linprog`` and
``milp`` use: importing ``highspy`` beside OR-Tools can fail); without it, ``highs_module``
is None and the callers go without.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class MipAnswer:
    values: np.ndarray | None  # the best solution's columns (None: none found)
    objective: float
    calls: int  # HiGHS' call backs: its work
    cut: bool  # the wall-clock deadline stopped it
    status: str


def highs_module() -> Any:
    """SciPy's HiGHS bindings with call backs, or None."""
    try:
        from scipy.optimize._highspy import _core
    except ImportError:  # pragma: no cover - SciPy without its HiGHS bindings
        return None
    return _core if hasattr(_core, "_Highs") and hasattr(_core, "cb") else None


def solve_mip(
    highs: Any,
    model: tuple[np.ndarray, sparse.csc_matrix, np.ndarray],
    bounds: tuple[np.ndarray, np.ndarray],
    start: np.ndarray,
    *,
    work_s: float,
    per_call: float,
    max_calls: int | None = None,
    seed: int = 0,
    deadline: float | None = None,
) -> MipAnswer:
    """Maximise ``model`` (cost, A as CSC, row upper bounds) over integer columns within
    ``bounds`` (lower, upper), from ``start`` (a solution keeping every row), until HiGHS'
    call backs weigh ``work_s`` (or number ``max_calls``)."""
    cost, matrix, rhs = model
    lower, upper = bounds
    n_rows, n_columns = matrix.shape
    solver = highs._Highs()
    for name, setting in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", int(seed)),
        ("mip_rel_gap", 0.0),
        ("time_limit", np.inf if deadline is None else max(0.0, deadline - time.perf_counter())),
    ):
        solver.setOptionValue(name, setting)
    lp = highs.HighsLp()
    lp.num_col_, lp.num_row_ = n_columns, n_rows
    lp.sense_ = highs.ObjSense.kMaximize
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(upper, dtype=np.float64)
    lp.row_lower_ = np.full(n_rows, -np.inf)
    lp.row_upper_ = np.asarray(rhs, dtype=np.float64)
    lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    lp.integrality_ = [highs.HighsVarType.kInteger] * n_columns
    wrapped = highs.HighsModel()
    wrapped.lp_ = lp
    solver.passModel(wrapped)
    given = highs.HighsSolution()
    given.col_value = np.asarray(start, dtype=np.float64)
    given.value_valid = True
    solver.setSolution(given)
    calls = [0]
    interrupt = highs.cb.HighsCallbackType.kCallbackMipInterrupt
    limit = np.inf if max_calls is None else max_calls

    def call_back(kind: Any, _message: str, _out: Any, data_in: Any, _user: Any) -> None:
        if kind == interrupt:
            calls[0] += 1
            if calls[0] * per_call >= work_s or calls[0] >= limit:
                data_in.user_interrupt = True

    solver.setCallback(call_back, None)
    solver.startCallback(interrupt)
    with _stdout_silenced():
        solver.run()
    status = solver.modelStatusToString(solver.getModelStatus())
    info = solver.getInfo()
    values = None
    if info.primal_solution_status > 0:
        values = np.asarray(solver.getSolution().col_value)
    return MipAnswer(
        values,
        float(info.objective_function_value),
        calls[0],
        "time limit" in status.lower(),
        status,
    )


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    """The process's standard output (file descriptor 1) to the null device: HiGHS' MIP solver
    writes some messages there whatever its ``output_flag`` (at 5,000 tight visitors, seed 3:
    "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();"), into the
    terminal output of a run or the JSON a script prints."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no standard output to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
