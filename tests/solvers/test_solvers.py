"""CP-SAT and greedy on tiny assignment problems with hand-checked optimal answers."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from solvers.greedy import solve_greedy
from solvers.options import SolverOptions
from solvers.problem import AssignmentProblem, Quota
from solvers.result import SolveStatus
from solvers.solve import solve


def problem(pairs, capacity, sme, share=Fraction(1, 2), quotas=()):
    visitor, host, score = (np.array(column) for column in zip(*pairs, strict=True))
    return AssignmentProblem(
        pair_visitor=visitor,
        pair_host=host,
        pair_score=score.astype(np.int64),
        host_capacity=np.array(capacity),
        visitor_is_sme=np.array(sme, dtype=bool),
        min_sme_share=share,
        quotas=tuple(quotas),
    )


def chosen(p, result):
    return sorted(
        zip(
            p.pair_visitor[result.selected].tolist(),
            p.pair_host[result.selected].tolist(),
            strict=True,
        )
    )


# every exact test runs twice: the plain CP-SAT model, and LP start + fixing + CP-SAT
@pytest.fixture(params=[False, True], ids=["cp-sat-only", "with-lp"])
def options(request) -> SolverOptions:
    return SolverOptions(time_limit_s=10, workers=1, use_relaxation=request.param)


def test_capacity_and_one_host_per_visitor(options):
    # visitor 0 is best at host 0, but host 0 has room for one: 1 gets it, 0 goes to host 1
    p = problem([(0, 0, 90), (0, 1, 80), (1, 0, 95), (1, 1, 10)], capacity=[1, 1], sme=[1, 1])
    result = solve(p, options)
    assert result.status is SolveStatus.OPTIMAL
    assert chosen(p, result) == [(0, 1), (1, 0)]
    assert result.objective == 175 and result.gap == 0


def test_grouped_host_takes_several_visitors(options):
    p = problem([(0, 0, 50), (1, 0, 50), (2, 0, 50)], capacity=[2], sme=[1, 1, 1])
    result = solve(p, options)
    assert len(chosen(p, result)) == 2


def test_sme_share_forces_the_lower_scored_sme(options):
    # non-SMEs 0, 1 score higher; with share 1/2 at most one non-SME per SME
    p = problem([(0, 0, 100), (1, 1, 100), (2, 0, 10)], capacity=[1, 1], sme=[0, 0, 1])
    result = solve(p, options)
    assert chosen(p, result) == [
        (1, 1),
        (2, 0),
    ]  # the only 1:1 assignment holding host 0 for the SME
    assert p.sme_share_ok(result.selected)


def test_sme_share_can_empty_the_assignment(options):
    p = problem([(0, 0, 100)], capacity=[1], sme=[0])
    result = solve(p, options)
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
    result = solve(p, options)
    assert chosen(p, result) == [(1, 0), (2, 1)]
    assert result.shortfalls == (0, 2)
    assert result.objective == 25 - 2000


def test_greedy_respects_every_rule_and_cp_sat_is_never_worse(options):
    rng = np.random.default_rng(3)
    pairs = [
        (v, h, int(rng.integers(0, 10_000)))
        for v in range(30)
        for h in range(8)
        if rng.random() < 0.5
    ]
    sme = rng.random(30) < 0.3
    p = problem(pairs, capacity=rng.integers(1, 4, 8).tolist(), sme=sme)
    greedy = solve_greedy(p)
    assert p.sme_share_ok(greedy.selected)
    assert np.bincount(p.pair_visitor[greedy.selected], minlength=30).max() <= 1
    assert (np.bincount(p.pair_host[greedy.selected], minlength=8) <= p.host_capacity).all()
    best = solve(p, options)
    assert best.objective >= greedy.objective


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


def test_malformed_problem_is_refused():
    with pytest.raises(ValueError):
        problem([(0, 3, 10)], capacity=[1], sme=[1])


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
    plain = solve(p, SolverOptions(time_limit_s=10, workers=1, use_relaxation=False))
    started = solve(p, SolverOptions(time_limit_s=10, workers=1))
    assert plain.status is SolveStatus.OPTIMAL and started.status is SolveStatus.OPTIMAL
    assert plain.objective == started.objective
    assert started.stats["lp_fractional_pairs"] > 0
    assert started.stats["cp_sat_status"] == "optimal"  # CP-SAT, not the LP, closed the gap
    assert started.stats["lp_bound"] >= started.objective


def test_fixed_exchanges_count_in_the_sme_share(options):
    # two accepted SME exchanges already exist: two non-SMEs may now be proposed
    p = problem([(0, 0, 100), (1, 1, 100)], capacity=[1, 1], sme=[0, 0])
    p = AssignmentProblem(**{**p.__dict__, "fixed_smes": 2, "fixed_total": 2})
    assert chosen(p, solve(p, options)) == [(0, 0), (1, 1)]
    q = AssignmentProblem(**{**p.__dict__, "fixed_smes": 1, "fixed_total": 2})
    assert len(chosen(q, solve(q, options))) == 0  # 1 SME of 3 or 4 breaks the share


def test_bonus_keeps_last_nights_pair_when_the_scores_are_close(options):
    pairs = [(0, 0, 50), (0, 1, 52)]
    plain = problem(pairs, capacity=[1, 1], sme=[1])
    assert chosen(plain, solve(plain, options)) == [(0, 1)]
    stable = AssignmentProblem(**{**plain.__dict__, "pair_bonus": np.array([5, 0])})
    assert chosen(stable, solve(stable, options)) == [(0, 0)]


def slotted(pairs, fits, slot_host, capacity, sme, **extra):
    """``fits[p]`` lists the slots pair p fits; ``slot_host[s]`` is slot s's host."""
    base = problem(pairs, capacity=capacity, sme=sme)
    indptr = np.concatenate([[0], np.cumsum([len(f) for f in fits])])
    fields = {
        **base.__dict__,
        "slot_host": np.array(slot_host),
        "slot_indptr": indptr,
        "pair_slots": np.array([s for f in fits for s in f], dtype=np.int64),
    }
    return AssignmentProblem(**{**fields, **extra})


# host 0 (capacity 3) has two week slots: visitor 0 (score 100) can only come in week 0,
# visitors 1 and 2 (60 and 50) only in week 1
WEEKS = dict(
    pairs=[(0, 0, 100), (1, 0, 60), (2, 0, 50)], fits=[[0], [1], [1]], slot_host=[0, 0],
    capacity=[3], sme=[1, 1, 1],
)  # fmt: skip


def test_one_group_per_host_takes_the_week_that_holds_most(options):
    p = slotted(**WEEKS)
    result = solve(p, options)
    assert result.selected.tolist() == [False, True, True]  # 110 beats 100
    assert result.open_slots.tolist() == [False, True]
    assert p.slots_ok(result.selected, result.open_slots)


def test_two_groups_when_the_policy_allows(options):
    p = slotted(**WEEKS, max_groups_per_host=2)
    result = solve(p, options)
    assert result.selected.tolist() == [True, True, True]
    assert result.open_slots.tolist() == [True, True]


def test_group_bonus_is_per_member_beyond_one_per_group(options):
    # apart: visitor 0 at host 1 (55) and visitor 1 at host 0 (45) make 100; together at
    # host 0 they make 95, plus the group bonus 30 for the second member
    pairs = [(0, 0, 50), (1, 0, 45), (0, 1, 55)]
    base = dict(pairs=pairs, fits=[[0], [0], [1]], slot_host=[0, 1], capacity=[2, 1], sme=[1, 1])
    plain = slotted(**base)
    assert solve(plain, options).selected.tolist() == [False, True, True]
    bonus = slotted(**base, group_bonus=np.array([30, 0]))
    result = solve(bonus, options)
    assert result.selected.tolist() == [True, True, False]
    assert result.objective == 50 + 45 + 30


def test_a_pair_without_a_fitting_slot_is_never_chosen(options):
    p = slotted(pairs=[(0, 0, 100)], fits=[[]], slot_host=[0], capacity=[1], sme=[1])
    assert not solve(p, options).selected.any()


def test_greedy_opens_the_slot_that_can_hold_the_group():
    # visitor 0 fits both weeks, visitor 1 only week 1: opening week 1 serves both
    p = slotted(
        pairs=[(0, 0, 100), (1, 0, 60)],
        fits=[[0, 1], [1]],
        slot_host=[0, 0],
        capacity=[2],
        sme=[1, 1],
    )
    result = solve_greedy(p)
    assert result.selected.tolist() == [True, True]
    assert result.open_slots.tolist() == [False, True]


def test_budget_cap_limits_the_spend(options):
    from solvers.problem import Cap

    p = problem([(0, 0, 100), (1, 1, 90), (2, 2, 80)], capacity=[1, 1, 1], sme=[1, 1, 1])
    budget = Cap("P1 budget", np.array([500, 400, 300]), limit=800)
    capped = AssignmentProblem(**{**p.__dict__, "caps": (budget,)})
    result = solve(capped, options)
    assert chosen(capped, result) == [(0, 0), (2, 2)]  # 800 spent, 180 beats 170


# --- min-cost flow, priced LP, starts --------------------------------------------------


def _random_problem(seed, n_visitors=40, n_hosts=10, share=Fraction(1, 2), quotas=0):
    rng = np.random.default_rng(seed)
    pairs = [
        (v, h, int(rng.integers(1, 1000)))
        for v in range(n_visitors)
        for h in range(n_hosts)
        if rng.random() < 0.4
    ]
    groups = [
        Quota(f"P{i}/sme", rng.random(n_visitors) < 0.3, need=int(rng.integers(1, 5)), penalty=500)
        for i in range(quotas)
    ]
    return problem(
        pairs,
        capacity=rng.integers(1, 4, n_hosts).tolist(),
        sme=rng.random(n_visitors) < 0.4,
        share=share,
        quotas=groups,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_min_cost_flow_is_the_optimum_without_side_rules(seed):
    from solvers.flow import max_weight_assignment

    p = _random_problem(seed, share=Fraction(0))
    flow = max_weight_assignment(p, p.pair_value)
    assert np.bincount(p.pair_visitor[flow], minlength=p.n_visitors).max() <= 1
    assert (np.bincount(p.pair_host[flow], minlength=p.n_hosts) <= p.host_capacity).all()
    plain = solve(p, SolverOptions(time_limit_s=10, workers=1, use_relaxation=False))
    assert plain.status is SolveStatus.OPTIMAL
    assert int(p.pair_value[flow].sum()) == plain.objective


@pytest.mark.parametrize("seed", [4, 5])
def test_priced_lp_reaches_the_full_lp_bound(seed):
    from solvers.relaxation import solve_relaxation

    p = _random_problem(seed, n_visitors=80, n_hosts=12, share=Fraction(3, 5), quotas=3)
    full = solve_relaxation(p, price=False)
    priced = solve_relaxation(p, tolerance=0.0)
    assert full is not None and priced is not None
    assert priced.exact and priced.core_pairs < p.n_pairs
    assert priced.bound == pytest.approx(full.bound, abs=1e-6)


def test_an_unfinished_pricing_still_gives_a_valid_bound():
    from solvers.relaxation import solve_relaxation

    p = _random_problem(6, n_visitors=80, n_hosts=12, share=Fraction(3, 5), quotas=3)
    full = solve_relaxation(p, price=False)
    cut = solve_relaxation(p, max_rounds=1, tolerance=0.0)
    assert full is not None and cut is not None
    assert cut.bound >= full.bound - 1e-6


def test_the_unconstrained_optimum_that_keeps_every_rule_is_returned_at_once():
    p = problem([(0, 0, 90), (1, 1, 80)], capacity=[1, 1], sme=[1, 0])
    result = solve(p, SolverOptions(time_limit_s=5, workers=1))
    assert result.status is SolveStatus.OPTIMAL and result.objective == 170
    assert result.stats["mcf_keeps_rules"] == "True" and "lp_bound" not in result.stats


@pytest.mark.parametrize("seed", [7, 8])
def test_the_engine_reports_every_baseline_and_stays_within_its_bound(seed):
    p = _random_problem(seed, n_visitors=60, n_hosts=12, share=Fraction(3, 5), quotas=3)
    result = solve(p, SolverOptions(time_limit_s=10, workers=1))
    assert {"greedy_objective", "mcf_objective", "mcf_repaired_objective", "start"} <= set(
        result.stats
    )
    assert p.sme_share_ok(result.selected)
    assert result.objective >= result.stats["greedy_objective"]
    assert result.best_bound is not None and result.objective <= result.best_bound
    assert result.best_bound <= result.stats["mcf_objective"]


def test_sme_repair_spares_the_visitors_a_quota_needs():
    # non-SMEs 0 (the quota's only member) and 1; the share needs one of them gone: the
    # repair must drop 1, although 0 scores less
    quota = Quota("P1/cluster", np.array([True, False, False]), need=1, penalty=10_000)
    p = problem(
        [(0, 0, 50), (1, 1, 60), (2, 2, 40)],
        capacity=[1, 1, 1],
        sme=[0, 0, 1],
        quotas=[quota],
    )
    greedy = solve_greedy(p)
    assert chosen(p, greedy) == [(0, 0), (2, 2)] and greedy.shortfalls == (0,)


def test_a_slow_machine_gets_the_same_answer(monkeypatch):
    """Deterministic mode: budgets are work (CP-SAT deterministic time, HiGHS iterations),
    never the wall clock, so a clock running 50 times faster (a machine 50 times slower, as
    under heavy load) changes nothing, slot layer included."""
    import time as real_time

    import solvers.options
    import solvers.plain
    import solvers.relaxation
    import solvers.result
    import solvers.slot_lp
    import solvers.slotted

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
    assert expected[1].stats["cp_sat_status"] == "feasible"  # the budget ended it, not a proof

    class FastClock:
        def __init__(self):
            self.origin = real_time.perf_counter()

        def perf_counter(self):
            return self.origin + 50 * (real_time.perf_counter() - self.origin)

    for module in (
        solvers.plain,
        solvers.slotted,
        solvers.relaxation,
        solvers.slot_lp,
        solvers.options,
        solvers.result,
    ):
        monkeypatch.setattr(module, "time", FastClock())
    for p, before in zip((base, grouped), expected, strict=True):
        after = solve(p, options)
        assert after.selected.tolist() == before.selected.tolist()
        assert after.objective == before.objective
