"""Quota supply (max flow over the candidates) and rule costs (LP without the rule)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from solvers.diagnosis import SME_RULE, diagnose, rule_costs, supply_check
from solvers.problem import SCORE_SCALE, AssignmentProblem, Quota


def problem(pairs, capacity, sme, share=Fraction(0), quotas=()):
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


def test_supply_counts_members_a_shared_host_can_place():
    # three technology centres of P07, all eligible only at host 0 (room for 2)
    members = np.array([True, True, True, False])
    quota = Quota("P07/technology_centre", members, need=3, penalty=100_000)
    p = problem(
        [(0, 0, 50), (1, 0, 50), (2, 0, 50), (3, 1, 50)],
        capacity=[2, 1],
        sme=[0, 0, 0, 0],
        quotas=[quota],
    )
    (supply,) = supply_check(p)
    assert (supply.members, supply.with_candidates, supply.placeable) == (3, 3, 2)
    assert supply.blocked
    message = supply.message()
    assert "P07" in message and "technology_centre" in message
    assert "3 more needed" in message and "only 2" in message
    # the audit: "only 0 eligible ... visitors", "only 1 eligible SME visitors"
    none = replace(supply, placeable=0).message()
    assert "but no eligible technology_centre visitors can be placed" in none
    one = replace(supply, placeable=1).message()
    assert "but only 1 eligible technology_centre visitor can be placed" in one


def test_supply_is_not_blocked_when_hosts_differ():
    quota = Quota("P1/sme", np.array([True, True]), need=2, penalty=100)
    p = problem([(0, 0, 5), (1, 1, 5)], capacity=[1, 1], sme=[1, 1], quotas=[quota])
    assert not supply_check(p)[0].blocked


def test_a_binding_quota_costs_the_score_it_forces_away():
    # visitor 1 (quota member) displaces visitor 0 at the only host: 90 -> 20 costs 70
    quota = Quota("P1/cluster", np.array([False, True]), need=1, penalty=1000 * SCORE_SCALE)
    p = problem([(0, 0, 90 * SCORE_SCALE), (1, 0, 20 * SCORE_SCALE)], [1], [1, 1], quotas=[quota])
    (cost,) = rule_costs(p)
    assert cost.rule == "P1/cluster" and cost.binding
    assert cost.cost_score == 70


def test_the_sme_share_cost_and_a_slack_quota_costs_nothing():
    slack = Quota("P1/total", np.array([True, True]), need=1, penalty=100)
    # non-SME 0 scores 100, SME 1 scores 40, one host of capacity 1: share 1/2 forces the
    # SME in integers (cost 60); the LP takes half of each (70), so its cost is 30
    p = problem([(0, 0, 100), (1, 0, 40)], [1], [0, 1], share=Fraction(1, 2), quotas=[slack])
    costs = {c.rule: c for c in rule_costs(p)}
    assert costs[SME_RULE].cost == 30
    assert costs["P1/total"].cost == 0 and not costs["P1/total"].binding


def test_quota_table_has_one_row_per_quota():
    quotas = [Quota(f"P{i}/sme", np.array([True, False]), need=1, penalty=10) for i in range(2)]
    p = problem([(0, 0, 5), (1, 0, 9)], [1], [1, 0], quotas=quotas)
    table = diagnose(p).quota_table()
    assert list(table["partnership"]) == ["P0", "P1"]
    assert list(table.columns) == [
        "partnership",
        "category",
        "need",
        "supply_max",
        "rule_cost_score",
    ]
