"""The polish (``solvers.refit.polish``): the incumbent's open slots fixed, its members
re-chosen across every host by the LP over the pairs fitting those slots and HiGHS' MIP over
the pairs where that LP and the incumbent differ. On random small problems with every rule
on: never worse, every rule kept, the same answer twice, its work within its budget, and
where the incumbent's members are poor (greedy's) it improves them towards the optimum with
those slots."""

from __future__ import annotations

import time

import numpy as np
import pytest

import solvers.group_ip as group_ip
import solvers.refit as refit_module
import solvers.slotted as slotted_module
from solvers.cpsat_model import run_cpsat
from solvers.greedy import greedy_solution
from solvers.highs_mip import highs_module
from solvers.options import SolverOptions
from solvers.refit import _with_slots_fixed, polish, polish_fits, polish_need
from solvers.slotted import solve_slotted
from tests.solvers.test_dated_search import EXACT, dated_problem, feasible

pytestmark = pytest.mark.skipif(
    highs_module() is None, reason="SciPy without its HiGHS bindings (needs 1.15+)"
)


def optimum_with_slots_fixed(p, incumbent) -> int:
    """The best objective with the incumbent's open slots fixed (slots left empty close), as
    CP-SAT proves it on the plain problem over the pairs fitting them."""
    selected, open_slots = incumbent
    keep = p.fitting(open_slots)
    fixed = _with_slots_fixed(p, open_slots, keep)
    status, found, _ = run_cpsat(
        fixed, np.ones(fixed.n_pairs, dtype=bool), (selected[keep], None), EXACT,
        time.perf_counter(), {},
    )  # fmt: skip
    assert status.value == "optimal"
    chosen = np.zeros(p.n_pairs, dtype=bool)
    chosen[np.flatnonzero(keep)[found[0]]] = True
    return p.objective(chosen, open_slots & (p.slot_mass(chosen.astype(float)) > 0))


@pytest.mark.parametrize("seed", range(4))
def test_polish_improves_poor_members_towards_the_optimum_with_those_slots(seed):
    p = dated_problem(seed, n_visitors=60, n_hosts=15)
    start = greedy_solution(p)
    step = polish(p, start, work_s=5.0)
    best = optimum_with_slots_fixed(p, start)
    assert best > p.objective(*start)  # greedy's members are not the best with its slots
    assert step.solution is not None and feasible(p, step.solution)
    assert step.free > 0 and not step.cut
    # only the open slots it had, less those left empty
    assert not np.any(step.solution[1] & ~start[1])
    # better than the incumbent, never past the optimum with its slots (a heuristic: the
    # pairs where the LP agrees with the incumbent stay as they are)
    assert p.objective(*start) < p.objective(*step.solution) <= best


@pytest.mark.parametrize("seed", range(3))
def test_polish_gives_the_same_answer_twice_within_its_work(seed):
    p = dated_problem(10 + seed, n_visitors=80, n_hosts=20)
    start = greedy_solution(p)
    first, second = polish(p, start, work_s=2.0), polish(p, start, work_s=2.0)
    assert first.work_s == second.work_s and 0 < first.work_s <= 2.0
    assert first.solution is not None and second.solution is not None
    assert np.array_equal(first.solution[0], second.solution[0])
    assert np.array_equal(first.solution[1], second.solution[1])


def test_polish_leaves_an_incumbent_it_cannot_improve_and_a_budget_too_small_for_its_lp():
    p = dated_problem(3, n_visitors=60, n_hosts=15)
    start = greedy_solution(p)
    once = polish(p, start, work_s=5.0)
    assert once.solution is not None
    again = polish(p, once.solution, work_s=5.0)
    assert again.solution is None  # the optimum with those slots: nothing better
    # an LP predicted not to end within the work is not started: nothing spent
    assert not polish_fits(p, start[1], 1e-6) and polish_fits(p, start[1], 5.0)
    starved = polish(p, start, work_s=1e-6)
    assert starved.solution is None and starved.free == 0 and starved.work_s == 0.0


def test_the_polish_gets_its_share_or_what_its_lp_needs_up_to_its_most():
    """A budget whose share is less than the polish's LP needs (a small one, as on a slower
    machine) gives it what it needs, up to its most share; beyond that nothing (not run)."""
    p = dated_problem(3, n_visitors=60, n_hosts=15)
    slots = greedy_solution(p)[1]
    need = polish_need(p, slots)
    assert polish_fits(p, slots, need) and not polish_fits(p, slots, 0.99 * need)
    share, most = slotted_module.POLISH_SHARE, slotted_module.POLISH_MOST_SHARE
    roomy = 2 * need / share
    assert slotted_module._polish_work(p, slots, roomy) == pytest.approx(share * roomy)
    between = need / ((share + most) / 2)
    assert slotted_module._polish_work(p, slots, between) == pytest.approx(need)
    assert slotted_module._polish_work(p, slots, 0.9 * need / most) == 0.0
    assert slotted_module._polish_work(p, None, roomy) == 0.0


def test_the_solver_polishes_after_the_group_ip_and_the_search_the_same_way_twice(monkeypatch):
    """Past the size solved whole (the group IP's pool forced into windows): the polishes
    run after the group IP and after the search, and the answer keeps every rule."""
    monkeypatch.setattr(group_ip, "MAX_NONZEROS", 500)
    monkeypatch.setattr(group_ip, "WINDOW_NONZEROS", 1_500)
    p = dated_problem(5, n_visitors=200, n_hosts=50)
    assert p.n_pairs > slotted_module.WHOLE_PAIRS
    answers = []
    for _ in range(2):
        found = solve_slotted(p, SolverOptions(time_limit_s=6, workers=2, seed=0))
        solution = (found.selected, found.open_slots)
        assert feasible(p, solution)
        for after in slotted_module.POLISH_AFTER:
            assert f"polish_{after}_free" in found.stats
        answers.append(solution)
    assert np.array_equal(answers[0][0], answers[1][0])
    assert np.array_equal(answers[0][1], answers[1][1])


def test_where_the_polish_would_not_fit_its_work_the_search_keeps_it_and_a_refit_ends(
    monkeypatch,
):
    """A polish whose LP is predicted beyond its work (5,000 visitors in 30 s) spends nothing,
    the search keeps the work kept for it, and the last refit of the slots runs instead."""
    monkeypatch.setattr(group_ip, "MAX_NONZEROS", 500)
    monkeypatch.setattr(group_ip, "WINDOW_NONZEROS", 1_500)
    p = dated_problem(5, n_visitors=200, n_hosts=50)
    fitting = solve_slotted(p, SolverOptions(time_limit_s=6, workers=2, seed=0))
    monkeypatch.setattr(refit_module, "ITERATIONS_PER_PAIR", 1e9)
    found = solve_slotted(p, SolverOptions(time_limit_s=6, workers=2, seed=0))
    assert feasible(p, (found.selected, found.open_slots))
    assert found.stats["polish_search_work_s"] == 0.0
    assert "last_refit_objective" in found.stats
    assert "last_refit_objective" not in fitting.stats
    assert found.stats["lns_deterministic_time"] > fitting.stats["lns_deterministic_time"]
