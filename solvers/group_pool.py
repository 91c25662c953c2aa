"""The groups the group LP (``solvers.group_lp``) generates: its restricted master's columns
while its rounds run (``master``), purged of groups far from worth choosing (``keep``), and
the pool the group IP (``solvers.group_ip``) chooses among after them, every group back in it
(``restore``)."""

from __future__ import annotations

import copy

import numpy as np
from scipy import sparse

from solvers.lagrangian import HostGroups, lagrangian_value
from solvers.lp_model import LpRows
from solvers.problem import AssignmentProblem
from solvers.result import Solution


class GroupPool:
    """The groups generated so far: host, slot (-1: a host bounded slot-free), members; the
    master's columns while the rounds run, the group IP's pool after."""

    def __init__(self, problem: AssignmentProblem, rows: LpRows, groups: HostGroups):
        self.problem, self.rows, self.groups = problem, rows, groups
        self.host: list[int] = []
        self.slot: list[int] = []
        self.members: list[np.ndarray] = []
        self.seen: set[tuple[int, int, bytes]] = set()
        # groups purged from the master (``keep``), back in the pool at the end (``restore``)
        self.retired: dict[tuple[int, int, bytes], tuple[int, int, np.ndarray]] = {}

    def copy(self) -> GroupPool:
        """An independent pool of the same groups (the member arrays shared, never changed),
        with its own pricing state (``HostGroups.best`` keeps its last groups)."""
        twin = GroupPool(self.problem, self.rows, copy.copy(self.groups))
        twin.host, twin.slot, twin.members = list(self.host), list(self.slot), list(self.members)
        twin.seen, twin.retired = set(self.seen), dict(self.retired)
        return twin

    def add(self, host: int, slot: int, members: np.ndarray) -> bool:
        members = np.sort(members)
        key = (host, slot, members.tobytes())
        if not len(members) or key in self.seen:
            return False
        self.seen.add(key)
        self.retired.pop(key, None)
        self.host.append(host)
        self.slot.append(slot)
        self.members.append(members)
        return True

    def keep(self, kept: np.ndarray) -> None:
        """Keep only the listed groups (bool per group) in the master; the others may come
        back by pricing, and come back to the pool at the end (``restore``)."""
        for i in np.flatnonzero(~kept):
            key = (self.host[i], self.slot[i], self.members[i].tobytes())
            self.seen.discard(key)
            self.retired[key] = (self.host[i], self.slot[i], self.members[i])
        index = np.flatnonzero(kept).tolist()
        self.host = [self.host[i] for i in index]
        self.slot = [self.slot[i] for i in index]
        self.members = [self.members[i] for i in index]

    def restore(self) -> None:
        """The purged groups back in the pool, after the master's (the group IP chooses among
        every group the rounds generated)."""
        for key, (host, slot, members) in self.retired.items():
            self.seen.add(key)
            self.host.append(host)
            self.slot.append(slot)
            self.members.append(members)
        self.retired.clear()

    def add_solution(self, solution: Solution) -> int:
        """Each group of a solution (its host's chosen pairs in an open slot they fit): how
        many were new."""
        selected, open_slots = solution
        added = 0
        problem = self.problem
        chosen = np.flatnonzero(selected)
        for host in np.unique(problem.pair_host[chosen]):
            members = chosen[problem.pair_host[chosen] == host]
            slot = -1
            if open_slots is not None and self.groups.join_host[host]:
                new = np.flatnonzero(open_slots & self.problem.new_slots)
                mine = (
                    new[self.problem.slot_host[new] == host]
                    if self.problem.slot_host is not None
                    else new
                )
                slot = int(mine[0]) if len(mine) else -1
            elif open_slots is not None and self.groups.exact_host[host]:
                fits = [set(problem.slots_of(int(p)).tolist()) for p in members]
                common = set.intersection(*fits) & set(np.flatnonzero(open_slots).tolist())
                if not common:
                    continue
                slot = min(common)
            added += self.add(int(host), slot, members)
        return added

    def add_alternatives(self, prices: np.ndarray, per_host: int) -> int:
        """Each host's ``per_host`` best groups under ``prices`` (rows of ``LpRows``), one per
        slot, worth anything: choices beside the rounds' groups for the integer program over
        the pool (``solvers.group_ip``); how many were new."""
        lagrangian_value(self.rows, self.groups, prices)  # each slot's best group at them
        found = self.groups.groups(per_host, np.zeros(self.problem.n_hosts))
        return sum(self.add(host, slot, members) for host, slot, members in found)

    def master(self) -> tuple[sparse.csc_matrix, np.ndarray]:
        """(A_ub over the group columns, their values): visitor rows, host rows (one group
        per host), side rows; the quota shortfall columns come after (``LpRows``)."""
        problem, rows = self.problem, self.rows
        k = len(self.host)
        lengths = [len(m) for m in self.members]
        incidence = sparse.csr_matrix(
            (
                np.ones(sum(lengths)),
                (
                    np.repeat(np.arange(k), lengths),
                    np.concatenate([np.zeros(0, dtype=np.int64), *self.members]),
                ),
            ),
            shape=(k, problem.n_pairs),
        )
        block = (incidence @ rows.pairs_by_row).tocsc()  # (groups, rows)
        hosts = np.array(self.host, dtype=np.int64)
        convexity = sparse.csr_matrix(
            (np.ones(k), (np.arange(k), hosts)), shape=(k, problem.n_hosts)
        )
        block = sparse.hstack(
            [block[:, : problem.n_visitors], convexity, block[:, rows.side_start :]]
        ).tocsr()
        slots = np.array(self.slot, dtype=np.int64)
        value = incidence @ (rows.value + self.groups.pair_bonus) - self.groups.charge(hosts, slots)
        matrix = sparse.hstack([block.T, rows.slack_block]).tocsc()
        return matrix, value
