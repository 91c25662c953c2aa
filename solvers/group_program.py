"""One integer program over the group LP's groups: some hosts' groups of the pool chosen by
HiGHS' MIP solver from the incumbent's, every other host's groups fixed at the incumbent's
(their members taken, the side rows' right-hand sides less what they use).

The program is the restricted master's (``solvers.group_lp``) with integer columns: at most
one group per host, each visitor at most once, the SME share, quotas with their shortfalls,
caps, limited sets, the expected SME share. ``solvers.group_ip`` chooses which hosts and
groups (the whole pool, the groups nearest their host's best, or windows of hosts).

Deterministic budget: HiGHS has no deterministic clock, but its MIP solver calls back at
fixed points of its (deterministic) search; the solve stops at the first call back after its
work as counted by call backs x nonzeros x ``seconds_per_call_nonzero``, so the same program
gives the same groups however loaded the machine. The wall-clock deadline is the safety net.

HiGHS comes through SciPy's own build (``scipy.optimize._highspy``, the one ``linprog`` and
``milp`` use: importing ``highspy`` beside OR-Tools can fail); without it ``highs_module`` is
None.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from solvers.problem import AssignmentProblem
from solvers.result import Solution

log = logging.getLogger(__name__)


class GroupProgram:
    """The integer program over ``columns``, groups of the hosts in ``hosts`` (bool per host),
    the other hosts' groups fixed at the incumbent's."""

    def __init__(
        self,
        problem: AssignmentProblem,
        pool: Any,
        matrix: Any,
        value: np.ndarray,
        incumbent: Solution,
        hosts: np.ndarray,
        columns: np.ndarray,
        seconds_per_call_nonzero: float,
    ):
        self.problem, self.pool, self.incumbent, self.hosts = problem, pool, incumbent, hosts
        rows = pool.rows
        selected, open_slots = incumbent
        fixed = selected & ~hosts[problem.pair_host]
        k = len(pool.host)
        self.columns = columns  # the groups it chooses from (``solvers.group_ip``: those usable)
        q = len(rows.needs)
        self.matrix = matrix[:, np.concatenate([self.columns, k + np.arange(q)])]
        self.value = value[self.columns]
        rhs = rows.rhs - rows.pairs_by_row.T @ fixed.astype(np.float64)
        rhs[problem.n_visitors : rows.side_start] = 1.0  # one group per host
        self.rhs = rhs
        self.base: Solution = (fixed, open_slots & ~hosts[problem.slot_host])
        self.per_call = max(1, self.matrix.nnz) * seconds_per_call_nonzero

    def solve(
        self,
        highs: Any,
        work_s: float,
        max_calls: int | None,
        seed: int,
        deadline: float | None,
    ) -> tuple[Solution | None, int, bool]:
        """(the groups HiGHS chooses with the fixed ones, as a solution; call backs; cut by
        the deadline), from the incumbent's groups, within ``work_s`` and ``max_calls``."""
        problem, pool, rows = self.problem, self.pool, self.pool.rows
        k, q = len(self.columns), len(rows.needs)
        solver = highs._Highs()
        for name, setting in (
            ("output_flag", False),
            ("threads", 1),
            ("random_seed", int(seed)),
            ("mip_rel_gap", 0.0),
            (
                "time_limit",
                np.inf if deadline is None else max(0.0, deadline - time.perf_counter()),
            ),
        ):
            solver.setOptionValue(name, setting)
        lp = highs.HighsLp()
        lp.num_col_, lp.num_row_ = k + q, self.matrix.shape[0]
        lp.sense_ = highs.ObjSense.kMaximize
        lp.col_cost_ = np.concatenate([self.value, -rows.penalty])
        lp.col_lower_ = np.zeros(k + q)
        lp.col_upper_ = np.concatenate([np.ones(k), rows.needs])
        lp.row_lower_ = np.full(self.matrix.shape[0], -np.inf)
        lp.row_upper_ = self.rhs
        lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.matrix.indptr
        lp.a_matrix_.index_ = self.matrix.indices
        lp.a_matrix_.value_ = self.matrix.data
        lp.integrality_ = [highs.HighsVarType.kInteger] * (k + q)
        model = highs.HighsModel()
        model.lp_ = lp
        solver.passModel(model)
        start = highs.HighsSolution()
        hosts = [pool.host[g] for g in self.columns]
        members = [pool.members[g] for g in self.columns]
        start.col_value = np.concatenate(
            [_incumbent_groups(problem, hosts, members, self.incumbent).astype(float),
             np.array(problem.shortfalls(self.incumbent[0]), dtype=float)]
        )  # fmt: skip
        start.value_valid = True
        solver.setSolution(start)
        calls = [0]
        interrupt = highs.cb.HighsCallbackType.kCallbackMipInterrupt
        limit = np.inf if max_calls is None else max_calls

        def call_back(kind: Any, _message: str, _out: Any, data_in: Any, _user: Any) -> None:
            if kind == interrupt:
                calls[0] += 1
                if calls[0] * self.per_call >= work_s or calls[0] >= limit:
                    data_in.user_interrupt = True

        solver.setCallback(call_back, None)
        solver.startCallback(interrupt)
        clock = time.perf_counter()
        solver.run()
        status = solver.modelStatusToString(solver.getModelStatus())
        info = solver.getInfo()
        log.debug(
            "group IP (%d hosts, %d groups, %d nonzeros): %s after %d call backs, %.2f s, %s",
            int(self.hosts.sum()),
            k,
            self.matrix.nnz,
            status,
            calls[0],
            time.perf_counter() - clock,
            info.objective_function_value,
        )
        solution = None
        if info.primal_solution_status > 0:
            picked = np.asarray(solver.getSolution().col_value)[:k] > 0.5
            solution = _as_solution(problem, pool, self.columns[picked], self.base)
        return solution, calls[0], "time limit" in status.lower()


def highs_module() -> Any:
    try:
        from scipy.optimize._highspy import _core
    except ImportError:  # pragma: no cover - SciPy without its HiGHS bindings
        return None
    return _core if hasattr(_core, "_Highs") and hasattr(_core, "cb") else None


def _incumbent_groups(
    problem: AssignmentProblem, hosts: list[int], members: list[np.ndarray], incumbent: Solution
) -> np.ndarray:
    """(groups,) bool: one pool group per host of the incumbent with exactly its members."""
    chosen = np.flatnonzero(incumbent[0])
    mine = {
        int(h): np.sort(chosen[problem.pair_host[chosen] == h]).tobytes()
        for h in np.unique(problem.pair_host[chosen])
    }
    found = np.zeros(len(hosts), dtype=bool)
    for g, (host, group) in enumerate(zip(hosts, members, strict=True)):
        if mine.get(host) == group.tobytes():
            found[g] = True
            del mine[host]
    return found


def _as_solution(
    problem: AssignmentProblem, pool: Any, picked: np.ndarray, base: Solution
) -> Solution | None:
    """The chosen groups as pairs and open slots, with ``base`` (the fixed hosts' pairs and
    slots): each group's new slot, and at a host with accepted groups to join every one of
    them its members fit with room for the group (the groups ``solvers.lagrangian`` prices
    there). None when that breaks a rule (a group bounded slot-free, at a host that may open
    several, need not fit one slot)."""
    assert problem.slot_host is not None
    selected = base[0].copy()
    assert base[1] is not None
    open_slots = base[1].copy()
    accepted = ~problem.new_slots
    rooms = problem.rooms
    for g in picked.tolist():
        host, slot, members = pool.host[g], pool.slot[g], pool.members[g]
        selected[members] = True
        if slot >= 0:
            open_slots[slot] = True
        if pool.groups.join_host[host]:
            fitted = np.unique(np.concatenate([problem.slots_of(int(p)) for p in members]))
            joins = fitted[accepted[fitted] & (rooms[fitted] >= len(members))]
            open_slots[joins[problem.slot_host[joins] == host]] = True
        elif slot < 0:
            return None
    if not (
        problem.slots_ok(selected, open_slots)
        and problem.sme_share_ok(selected)
        and problem.sets_ok(selected)
        and problem.caps_ok(selected)
    ):
        return None
    return selected, open_slots
