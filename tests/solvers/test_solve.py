"""The entry point: the strategy for the problem, the baselines reported, reproducibility."""

from __future__ import annotations

import importlib
import pkgutil
import time as real_time
from fractions import Fraction

import numpy as np

import solvers
from solvers.flow import max_weight_assignment
from solvers.options import SolverOptions
from solvers.problem import Quota
from solvers.solve import solve
from tests.solvers.builders import WEEKS, chosen, problem, slotted


def test_same_seed_same_answer():
    rng = np.random.default_rng(5)
    pairs = [
        (v, h, int(rng.integers(0, 100)))
        for v in range(60)
        for h in range(15)
        if rng.random() < 0.4
    ]
    p = problem(pairs, capacity=[3] * 15, sme=rng.random(60) < 0.5)
    options = SolverOptions(time_limit_s=5, workers=2, seed=11)
    first, second = solve(p, options), solve(p, options)
    assert chosen(p, first) == chosen(p, second)


def test_both_paths_report_the_unconstrained_optimum():
    plain = problem([(0, 0, 100), (1, 1, 100), (2, 0, 10)], capacity=[1, 1], sme=[0, 0, 1])
    grouped = slotted(**WEEKS)
    for p in (plain, grouped):
        result = solve(p, SolverOptions(time_limit_s=5, workers=1))
        flow = max_weight_assignment(p, p.pair_value)
        assert result.stats["mcf_objective"] == int(p.pair_value[flow].sum())
        assert result.objective <= result.stats["mcf_objective"]
    assert solve(grouped).open_slots is not None and solve(plain).open_slots is None


def test_a_slow_machine_gets_the_same_answer(monkeypatch):
    """Deterministic mode: budgets are work (CP-SAT deterministic time, HiGHS iterations),
    never the wall clock, so a clock running 50 times faster (a machine 50 times slower, as
    under heavy load) changes nothing, slot layer included."""
    rng = np.random.default_rng(21)
    n_visitors, n_hosts = 400, 100
    pairs = [
        (v, h, int(rng.integers(1, 10_000)))
        for v in range(n_visitors)
        for h in range(n_hosts)
        if rng.random() < 0.15
    ]
    quota = Quota("P/sme", rng.random(n_visitors) < 0.3, need=60, penalty=5_000)
    capacity = rng.integers(1, 4, n_hosts).tolist()
    sme = rng.random(n_visitors) < 0.4
    base = problem(pairs, capacity=capacity, sme=sme, share=Fraction(3, 5), quotas=[quota])
    fits = [sorted(rng.choice(3, size=rng.integers(1, 3), replace=False).tolist()) for _ in pairs]
    fits = [[h * 3 + s for s in f] for (_, h, _), f in zip(pairs, fits, strict=True)]
    slot_host = np.repeat(np.arange(n_hosts), 3).tolist()
    grouped = slotted(pairs, fits, slot_host, capacity, sme.tolist(), max_groups_per_host=1)
    options = SolverOptions(time_limit_s=2, workers=2, seed=3)
    expected = [solve(p, options) for p in (base, grouped)]
    # the work budget ended the search (large-neighbourhood search), not a proof
    assert expected[1].stats["lns_neighbourhoods"] > 0 and expected[1].status.value == "feasible"

    class FastClock:
        def __init__(self):
            self.origin = real_time.perf_counter()

        def perf_counter(self):
            return self.origin + 50 * (real_time.perf_counter() - self.origin)

    # every solver module that reads the clock
    clocked = [
        module
        for info in pkgutil.iter_modules(solvers.__path__)
        if getattr(module := importlib.import_module(f"solvers.{info.name}"), "time", None)
        is real_time
    ]
    assert {"solvers.plain", "solvers.slotted", "solvers.relaxation"} <= {
        module.__name__ for module in clocked
    }
    for module in clocked:
        monkeypatch.setattr(module, "time", FastClock())
    for p, before in zip((base, grouped), expected, strict=True):
        after = solve(p, options)
        assert after.selected.tolist() == before.selected.tolist()
        assert after.objective == before.objective
