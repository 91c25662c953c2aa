"""Budgets: the whole limit in deterministic mode, the wall clock only otherwise."""

from __future__ import annotations

import time

from solvers.options import SolverOptions, remaining_budget


def test_a_deterministic_budget_never_reads_the_clock():
    long_ago = time.perf_counter() - 1_000
    assert remaining_budget(SolverOptions(time_limit_s=7), long_ago) == 7


def test_a_wall_clock_budget_never_falls_to_nothing():
    options = SolverOptions(time_limit_s=7, deterministic=False)
    assert remaining_budget(options, time.perf_counter() - 1_000) == 0.1
