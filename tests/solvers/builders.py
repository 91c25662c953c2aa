"""Small assignment problems written as lists, for the solver tests."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from solvers.problem import AssignmentProblem, Quota


def problem(pairs, capacity, sme, share=Fraction(1, 2), quotas=()):
    """``pairs`` as (visitor, host, score) triples."""
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


def with_fields(p: AssignmentProblem, **changes) -> AssignmentProblem:
    return AssignmentProblem(**{**p.__dict__, **changes})


def chosen(p, result):
    """The chosen (visitor, host) pairs, sorted."""
    return sorted(
        zip(
            p.pair_visitor[result.selected].tolist(),
            p.pair_host[result.selected].tolist(),
            strict=True,
        )
    )


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


def random_problem(seed, n_visitors=40, n_hosts=10, share=Fraction(1, 2), quotas=0):
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
