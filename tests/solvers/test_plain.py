"""The slot-free strategy on tiny problems with hand-checked optimal answers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from solvers.options import SolverOptions
from solvers.plain import keeps_side_rules, solve_plain
from solvers.problem import Cap, Quota
from solvers.result import SolveStatus
from tests.solvers.builders import WEEKS, chosen, problem, random_problem, slotted, with_fields


def test_capacity_and_one_host_per_visitor(options):
    # visitor 0 is best at host 0, but host 0 has room for one: 1 gets it, 0 goes to host 1
    p = problem([(0, 0, 90), (0, 1, 80), (1, 0, 95), (1, 1, 10)], capacity=[1, 1], sme=[1, 1])
    result = solve_plain(p, options)
    assert result.status is SolveStatus.OPTIMAL
    assert chosen(p, result) == [(0, 1), (1, 0)]
    assert result.objective == 175 and result.gap == 0


def test_grouped_host_takes_several_visitors(options):
    p = problem([(0, 0, 50), (1, 0, 50), (2, 0, 50)], capacity=[2], sme=[1, 1, 1])
    result = solve_plain(p, options)
    assert len(chosen(p, result)) == 2


def test_sme_share_forces_the_lower_scored_sme(options):
    # non-SMEs 0, 1 score higher; with share 1/2 at most one non-SME per SME
    p = problem([(0, 0, 100), (1, 1, 100), (2, 0, 10)], capacity=[1, 1], sme=[0, 0, 1])
    result = solve_plain(p, options)
    assert chosen(p, result) == [
        (1, 1),
        (2, 0),
    ]  # the only 1:1 assignment holding host 0 for the SME
    assert p.sme_share_ok(result.selected)


def test_sme_share_can_empty_the_assignment(options):
    p = problem([(0, 0, 100)], capacity=[1], sme=[0])
    result = solve_plain(p, options)
    assert chosen(p, result) == [] and result.status is SolveStatus.OPTIMAL


def test_quota_is_met_when_it_pays_and_reported_when_it_cannot(options):
    members = np.array([False, True, False])
    quota = Quota("P1/technology_centre", members, need=1, penalty=1000)
    impossible = Quota("P1/cluster", np.array([False, False, False]), need=2, penalty=1000)
    # visitor 1 (the quota's member) scores less than 0 at the only host
    p = problem(
        [(0, 0, 90), (1, 0, 20), (2, 1, 5)],
        capacity=[1, 1],
        sme=[1, 1, 1],
        quotas=[quota, impossible],
    )
    result = solve_plain(p, options)
    assert chosen(p, result) == [(1, 0), (2, 1)]
    assert result.shortfalls == (0, 2)
    assert result.objective == 25 - 2000


def test_fractional_lp_leaves_work_for_cp_sat():
    # a demanding SME share (3/5) and a quota make the LP optimum fractional
    rng = np.random.default_rng(8)
    pairs = [
        (v, h, int(rng.integers(1, 100)))
        for v in range(40)
        for h in range(10)
        if rng.random() < 0.35
    ]
    quota = Quota("P/sme", rng.random(40) < 0.3, need=6, penalty=500)
    p = problem(
        pairs,
        capacity=rng.integers(1, 3, 10).tolist(),
        sme=rng.random(40) < 0.35,
        share=Fraction(3, 5),
        quotas=[quota],
    )
    plain = solve_plain(p, SolverOptions(time_limit_s=10, workers=1, use_relaxation=False))
    started = solve_plain(p, SolverOptions(time_limit_s=10, workers=1))
    assert plain.status is SolveStatus.OPTIMAL and started.status is SolveStatus.OPTIMAL
    assert plain.objective == started.objective
    assert started.stats["lp_fractional_pairs"] > 0
    assert started.stats["cp_sat_status"] == "optimal"  # CP-SAT, not the LP, closed the gap
    assert started.stats["lp_bound"] >= started.objective


def test_fixed_exchanges_count_in_the_sme_share(options):
    # two accepted SME exchanges already exist: two non-SMEs may now be proposed
    p = problem([(0, 0, 100), (1, 1, 100)], capacity=[1, 1], sme=[0, 0])
    p = with_fields(p, fixed_smes=2, fixed_total=2)
    assert chosen(p, solve_plain(p, options)) == [(0, 0), (1, 1)]
    q = with_fields(p, fixed_smes=1, fixed_total=2)
    assert len(chosen(q, solve_plain(q, options))) == 0  # 1 SME of 3 or 4 breaks the share


def test_bonus_keeps_last_nights_pair_when_the_scores_are_close(options):
    pairs = [(0, 0, 50), (0, 1, 52)]
    plain = problem(pairs, capacity=[1, 1], sme=[1])
    assert chosen(plain, solve_plain(plain, options)) == [(0, 1)]
    stable = with_fields(plain, pair_bonus=np.array([5, 0]))
    assert chosen(stable, solve_plain(stable, options)) == [(0, 0)]


def test_budget_cap_limits_the_spend(options):
    p = problem([(0, 0, 100), (1, 1, 90), (2, 2, 80)], capacity=[1, 1, 1], sme=[1, 1, 1])
    budget = Cap("P1 budget", np.array([500, 400, 300]), limit=800)
    capped = with_fields(p, caps=(budget,))
    result = solve_plain(capped, options)
    assert chosen(capped, result) == [(0, 0), (2, 2)]  # 800 spent, 180 beats 170


def test_the_unconstrained_optimum_that_keeps_every_rule_is_returned_at_once():
    p = problem([(0, 0, 90), (1, 1, 80)], capacity=[1, 1], sme=[1, 0])
    result = solve_plain(p, SolverOptions(time_limit_s=5, workers=1))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 170
    assert result.stats["mcf_keeps_rules"] == "True" and "lp_bound" not in result.stats


@pytest.mark.parametrize("seed", [7, 8])
def test_the_engine_reports_every_baseline_and_stays_within_its_bound(seed):
    p = random_problem(seed, n_visitors=60, n_hosts=12, share=Fraction(3, 5), quotas=3)
    result = solve_plain(p, SolverOptions(time_limit_s=10, workers=1))
    assert {"greedy_objective", "mcf_objective", "mcf_repaired_objective", "start"} <= set(
        result.stats
    )
    assert p.sme_share_ok(result.selected)
    assert result.objective >= result.stats["greedy_objective"]
    assert result.best_bound is not None and result.objective <= result.best_bound
    assert result.best_bound <= result.stats["mcf_objective"]


def test_side_rules_are_the_share_the_quotas_and_the_caps():
    p = problem([(0, 0, 10), (1, 1, 10)], capacity=[1, 1], sme=[1, 0])
    both = np.array([True, True])
    assert keeps_side_rules(p, both)
    assert not keeps_side_rules(p, np.array([False, True]))  # no SME: the share breaks
    quota = Quota("P/x", np.array([True, False]), need=1, penalty=1)
    assert not keeps_side_rules(with_fields(p, quotas=(quota,)), np.array([False, False]))
    cap = Cap("P budget", np.array([5, 5]), limit=9)
    assert not keeps_side_rules(with_fields(p, caps=(cap,)), both)


def test_a_slot_layer_is_not_the_plain_strategys():
    with pytest.raises(ValueError, match="without group slots"):
        solve_plain(slotted(**WEEKS), SolverOptions(time_limit_s=1, workers=1))


def test_a_given_start_is_kept_when_nothing_beats_it():
    # no LP and a gap limit of 100%: CP-SAT never runs, the result is the best of the starts
    p = random_problem(7, n_visitors=60, n_hosts=12, share=Fraction(3, 5), quotas=3)
    optimum = solve_plain(p, SolverOptions(time_limit_s=10, workers=1))
    quick = SolverOptions(time_limit_s=10, workers=1, use_relaxation=False, gap_limit=1.0)
    alone = solve_plain(p, quick)
    assert alone.objective < optimum.objective  # the other starts are worse ...
    given = solve_plain(p, quick, optimum.selected)
    assert given.stats["start"] == "given" and given.objective == optimum.objective
