"""An assignment problem as an NPZ file (no pickle), and its dated MIP for HiGHS.

``save_problem`` writes every array of a :class:`solvers.problem.AssignmentProblem` (slot
layer, rooms, join slots, limited sets, caps, quotas with pair weights, expected weights)
and ``load_problem`` reads it back, equal field by field: the dated benchmark keeps the
problem a real night built, and re-solves it later without re-running the night.

``save_mip`` writes the same problem as a generic MIP in the rows of the engine's own LP
(``solvers.lp_model.LpRows`` plus ``solvers.slot_lp.with_slot_rows``: pair, shortfall and
slot columns; visitor, host, side, pair-slot link, new groups per host and slot-room rows),
all integer: ``run_highs.py`` solves it in a process of its own.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np

from solvers.lp_model import LpRows
from solvers.problem import AssignmentProblem, Cap, Quota
from solvers.slot_lp import with_slot_rows

ARRAYS = (
    "pair_visitor", "pair_host", "pair_score", "host_capacity", "visitor_is_sme", "pair_bonus",
    "slot_host", "slot_indptr", "pair_slots", "group_bonus", "slot_room", "slot_new",
    "limit_set", "set_limit", "expected_weight",
)  # fmt: skip


def save_problem(path: Path, problem: AssignmentProblem) -> None:
    arrays = {name: getattr(problem, name) for name in ARRAYS if getattr(problem, name) is not None}
    meta = {
        "min_sme_share": [problem.min_sme_share.numerator, problem.min_sme_share.denominator],
        "fixed_smes": problem.fixed_smes,
        "fixed_total": problem.fixed_total,
        "max_groups_per_host": problem.max_groups_per_host,
        "expected_fixed": problem.expected_fixed,
        "quotas": [
            {"name": q.name, "need": q.need, "penalty": q.penalty, "unit": q.unit}
            for q in problem.quotas
        ],
        "caps": [{"name": c.name, "limit": c.limit} for c in problem.caps],
    }
    for i, quota in enumerate(problem.quotas):
        arrays[f"quota{i}_members"] = quota.members
        if quota.pair_weight is not None:
            arrays[f"quota{i}_weight"] = quota.pair_weight
    for i, cap in enumerate(problem.caps):
        arrays[f"cap{i}_cost"] = cap.cost
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(path, **arrays)


def load_problem(path: Path) -> AssignmentProblem:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        fields = {name: data[name] for name in ARRAYS if name in data.files}
        quotas = tuple(
            Quota(
                q["name"],
                data[f"quota{i}_members"],
                need=q["need"],
                penalty=q["penalty"],
                pair_weight=data[f"quota{i}_weight"] if f"quota{i}_weight" in data.files else None,
                unit=q["unit"],
            )
            for i, q in enumerate(meta["quotas"])
        )
        caps = tuple(
            Cap(c["name"], data[f"cap{i}_cost"], c["limit"]) for i, c in enumerate(meta["caps"])
        )
    num, den = meta["min_sme_share"]
    return AssignmentProblem(
        **fields,
        min_sme_share=Fraction(num, den),
        quotas=quotas,
        caps=caps,
        fixed_smes=meta["fixed_smes"],
        fixed_total=meta["fixed_total"],
        max_groups_per_host=meta["max_groups_per_host"],
        expected_fixed=meta["expected_fixed"],
    )


def save_mip(path: Path, problem: AssignmentProblem) -> None:
    """The problem as ``max c x, A x <= b, 0 <= x <= upper, x integer`` (see the module):
    columns are the pairs, then one shortfall per quota, then one per slot."""
    n = problem.n_pairs
    rows = LpRows(problem)
    every = np.arange(n)
    a_ub, b_ub, cost = rows.matrix(every), rows.rhs, rows.cost(every)
    upper = np.concatenate([np.ones(n), rows.needs])
    if problem.n_slots:
        a_ub, b_ub, cost = with_slot_rows(problem, a_ub, b_ub, cost)
        upper = np.concatenate([upper, np.ones(problem.n_slots)])
    csc = a_ub.tocsc()
    np.savez(
        path,
        indptr=csc.indptr,
        indices=csc.indices,
        data=csc.data,
        shape=np.array(csc.shape),
        rhs=b_ub,
        cost=-cost,  # maximise
        upper=upper,
        n_pairs=np.array(n),
        n_quotas=np.array(len(problem.quotas)),
    )
