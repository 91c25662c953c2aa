"""Max-weight assignment without side rules, as a min-cost flow (OR-Tools SimpleMinCostFlow).

Each visitor at most one host, each host at most its capacity, maximum total weight: the
bipartite b-matching polytope is integral, so a min-cost flow solves it exactly. Network:
source -> visitor (capacity 1), visitor -> host (capacity 1, cost -weight, only pairs of
positive weight), host -> sink (capacity = host capacity), and a bypass source -> sink so
that a visitor may stay unmatched; the source supplies one unit per visitor.

With the pair values as weights this is the *unconstrained optimum* (no SME share, no
quotas): an upper bound on any rule-respecting assignment's total value, and what the rules
cost. With Lagrangian weights (the LP's ``Relaxation.lagrangian_values``, a start in
``solvers.plain``) it is the inner problem of the relaxation of the SME share and the quotas.
"""

from __future__ import annotations

import logging

import numpy as np
from ortools.graph.python import min_cost_flow

from solvers.problem import AssignmentProblem

log = logging.getLogger(__name__)


def max_weight_assignment(problem: AssignmentProblem, weights: np.ndarray) -> np.ndarray:
    """(n_pairs,) bool: a maximum-weight assignment for integer ``weights`` (no side rules)."""
    selected = np.zeros(problem.n_pairs, dtype=bool)
    arcs = np.flatnonzero(weights > 0)
    if len(arcs) == 0:
        return selected
    n_visitors, n_hosts = problem.n_visitors, problem.n_hosts
    source, sink = n_visitors + n_hosts, n_visitors + n_hosts + 1
    visitors = np.unique(problem.pair_visitor[arcs])
    hosts = np.unique(problem.pair_host[arcs])
    flow = min_cost_flow.SimpleMinCostFlow()
    # pair arcs first, so that arc index i is arcs[i]
    flow.add_arcs_with_capacity_and_unit_cost(
        problem.pair_visitor[arcs].astype(np.int32),
        (n_visitors + problem.pair_host[arcs]).astype(np.int32),
        np.ones(len(arcs), dtype=np.int64),
        -weights[arcs].astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(len(visitors), source, dtype=np.int32),
        visitors.astype(np.int32),
        np.ones(len(visitors), dtype=np.int64),
        np.zeros(len(visitors), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        (n_visitors + hosts).astype(np.int32),
        np.full(len(hosts), sink, dtype=np.int32),
        problem.host_capacity[hosts].astype(np.int64),
        np.zeros(len(hosts), dtype=np.int64),
    )
    flow.add_arc_with_capacity_and_unit_cost(source, sink, len(visitors), 0)
    flow.set_node_supply(source, len(visitors))
    flow.set_node_supply(sink, -len(visitors))
    status = flow.solve()
    if status != flow.OPTIMAL:  # cannot happen on this network: every supply can bypass
        raise RuntimeError(f"min-cost flow failed with status {status}")
    selected[arcs] = flow.flows(np.arange(len(arcs), dtype=np.int32)) > 0
    return selected
