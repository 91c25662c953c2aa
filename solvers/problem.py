"""The assignment problem as integer arrays: what every solver sees.

Solvers see only this: candidate pairs (visitor, host, integer score), host capacities, which
visitors are SMEs, the minimum SME share and the quota groups. They never see a DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

# Scores are 0-100 floats; the solvers work on integers score * SCORE_SCALE (0..10,000).
# A scale of 100 keeps two decimals of the score, far below the noise of any score model.
SCORE_SCALE = 100


@dataclass(frozen=True)
class Quota:
    """At least ``need`` for visitors in ``members``; each unit missing costs ``penalty``.

    Without ``pair_weight`` a chosen pair of a member counts 1 (a proposal); with it, a chosen
    pair counts its weight (e.g. its chance of becoming an exchange, in hundredths: a quota
    met *in expectation*), and ``need`` is in the same units."""

    name: str
    members: np.ndarray  # (n_visitors,) bool
    need: int
    penalty: int  # objective units per missing unit
    pair_weight: np.ndarray | None = None  # (n_pairs,) int64 units each pair counts
    unit: int = 1  # units per exchange (e.g. 100 with weights in hundredths)

    def contribution(self, pair_visitor: np.ndarray) -> np.ndarray:
        """(n_pairs,) int64: what each pair adds to the quota when chosen."""
        member = self.members[pair_visitor]
        if self.pair_weight is None:
            return member.astype(np.int64)
        return np.where(member, self.pair_weight, 0).astype(np.int64)

    def counted(self, pair_visitor: np.ndarray, pairs: np.ndarray) -> int:
        """What the pairs ``pairs`` (indices) add to the quota together when chosen."""
        member = self.members[pair_visitor[pairs]]
        if self.pair_weight is None:
            return int(member.sum())
        return int(self.pair_weight[pairs][member].sum())


@dataclass(frozen=True)
class Cap:
    """A linear budget: the sum of ``cost`` over chosen pairs stays within ``limit``."""

    name: str
    cost: np.ndarray  # (n_pairs,) int64, e.g. lump sums in cents
    limit: int


@dataclass(frozen=True)
class AssignmentProblem:
    pair_visitor: np.ndarray  # (n_pairs,) int: visitor position
    pair_host: np.ndarray  # (n_pairs,) int: host position
    pair_score: np.ndarray  # (n_pairs,) int64: score * SCORE_SCALE
    host_capacity: np.ndarray  # (n_hosts,) int
    visitor_is_sme: np.ndarray  # (n_visitors,) bool
    min_sme_share: Fraction = Fraction(1, 2)
    quotas: tuple[Quota, ...] = ()
    # exchanges already fixed outside the problem (accepted pairs): they count in the SME share
    fixed_smes: int = 0
    fixed_total: int = 0
    # objective units added when a pair is chosen, on top of its score (e.g. a stability
    # bonus for keeping last night's pending proposal); None = no bonus
    pair_bonus: np.ndarray | None = None
    # grouped exchanges: a host receives its visitors in group slots (shared dates, language,
    # mode); a pair may be chosen only if one of the slots it fits is open, and a host opens
    # at most max_groups_per_host slots. Slots fitting pair p are
    # pair_slots[slot_indptr[p]:slot_indptr[p + 1]]. None = no slot layer.
    slot_host: np.ndarray | None = None  # (n_slots,) int: the slot's host
    slot_indptr: np.ndarray | None = None  # (n_pairs + 1,) int
    pair_slots: np.ndarray | None = None  # int: slot indices, CSR by pair
    max_groups_per_host: int = 1
    group_bonus: np.ndarray | None = None  # (n_hosts,) int64 per member beyond one per group
    caps: tuple[Cap, ...] = ()
    # the room of each slot: the most members it can take (the host's capacity less the
    # visitors accepted before on its dates); a host's members tonight are at most the room
    # of every slot it opens. None: every slot has the host's capacity.
    slot_room: np.ndarray | None = None  # (n_slots,) int
    # whether opening a slot starts a new group (counted in max_groups_per_host and the group
    # bonus); False: an accepted group taking new members. None: every slot is new.
    slot_new: np.ndarray | None = None  # (n_slots,) bool
    # limited sets of pairs: at most set_limit[k] chosen among the pairs with limit_set == k
    # (-1: in no set), e.g. the physical pairs of one visiting organisation. None: no sets.
    limit_set: np.ndarray | None = None  # (n_pairs,) int
    set_limit: np.ndarray | None = None  # (n_sets,) int
    # the SME share *in expectation* too: with pair weights w (e.g. each pair's chance of
    # becoming an exchange, in hundredths), den * sum(w x over SMEs) >= num * sum(w x), the
    # fixed exchanges weighing expected_fixed each. None: the share of proposals only.
    expected_weight: np.ndarray | None = None  # (n_pairs,) int64
    expected_fixed: int = 100
    # the expected share's margin of exchanges fixed outside the problem beyond the fixed
    # ones (e.g. the pairs a neighbourhood of the search keeps from its incumbent)
    expected_offset: int = 0

    def __post_init__(self) -> None:
        n = len(self.pair_visitor)
        if not (len(self.pair_host) == len(self.pair_score) == n):
            raise ValueError("pair arrays differ in length")
        if n and (
            self.pair_visitor.max() >= self.n_visitors or self.pair_host.max() >= self.n_hosts
        ):
            raise ValueError("a pair names a visitor or host out of range")
        if np.any(self.host_capacity < 0):
            raise ValueError("negative host capacity")
        for quota in self.quotas:
            if len(quota.members) != self.n_visitors or quota.need < 0 or quota.penalty < 0:
                raise ValueError(f"malformed quota {quota.name}")
            if quota.pair_weight is not None and (
                len(quota.pair_weight) != n or np.any(quota.pair_weight < 0)
            ):
                raise ValueError(f"quota {quota.name}: pair weights malformed")
        if self.expected_weight is not None and (
            len(self.expected_weight) != n or np.any(self.expected_weight < 0)
        ):
            raise ValueError("expected_weight malformed")
        if self.pair_bonus is not None and len(self.pair_bonus) != n:
            raise ValueError("pair_bonus differs in length from the pairs")
        if not 0 <= self.fixed_smes <= self.fixed_total:
            raise ValueError("fixed_smes must lie in 0..fixed_total")
        if self.slot_host is not None:
            if self.slot_indptr is None or self.pair_slots is None:
                raise ValueError("slot_host needs slot_indptr and pair_slots")
            if len(self.slot_indptr) != n + 1 or self.slot_indptr[-1] != len(self.pair_slots):
                raise ValueError("slot_indptr does not index pair_slots for every pair")
            if len(self.pair_slots) and self.pair_slots.max() >= len(self.slot_host):
                raise ValueError("a pair names a slot out of range")
            pair_of_entry = np.repeat(np.arange(n), np.diff(self.slot_indptr))
            if np.any(self.slot_host[self.pair_slots] != self.pair_host[pair_of_entry]):
                raise ValueError("a pair fits a slot of another host")
        for cap in self.caps:
            if len(cap.cost) != n:
                raise ValueError(f"cap {cap.name} differs in length from the pairs")
        for name, values in (("slot_room", self.slot_room), ("slot_new", self.slot_new)):
            if values is not None and len(values) != self.n_slots:
                raise ValueError(f"{name} differs in length from the slots")
        if self.slot_room is not None and np.any(self.slot_room < 0):
            raise ValueError("negative slot room")
        if (self.limit_set is None) != (self.set_limit is None):
            raise ValueError("limit_set and set_limit go together")
        if self.limit_set is not None and self.set_limit is not None:
            if len(self.limit_set) != n:
                raise ValueError("limit_set differs in length from the pairs")
            if len(self.limit_set) and self.limit_set.max() >= len(self.set_limit):
                raise ValueError("a pair names a limited set out of range")
            if np.any(self.set_limit < 0):
                raise ValueError("negative set limit")

    @property
    def pair_value(self) -> np.ndarray:
        """What choosing each pair adds to the objective: score plus bonus (int64)."""
        if self.pair_bonus is None:
            return self.pair_score
        return self.pair_score + self.pair_bonus.astype(np.int64)

    @property
    def n_slots(self) -> int:
        return 0 if self.slot_host is None else len(self.slot_host)

    def slots_of(self, pair: int) -> np.ndarray:
        assert self.slot_indptr is not None and self.pair_slots is not None
        return self.pair_slots[self.slot_indptr[pair] : self.slot_indptr[pair + 1]]

    @property
    def new_slots(self) -> np.ndarray:
        """(n_slots,) bool: opening the slot starts a new group."""
        if self.slot_new is None:
            return np.ones(self.n_slots, dtype=bool)
        return np.asarray(self.slot_new, dtype=bool)

    @property
    def rooms(self) -> np.ndarray:
        """(n_slots,) the room of each slot (the host's capacity when not given)."""
        if self.slot_host is None:
            return np.zeros(0, dtype=np.int64)
        capacity = self.host_capacity[self.slot_host]
        if self.slot_room is None:
            return capacity.astype(np.int64)
        return np.minimum(self.slot_room, capacity).astype(np.int64)

    def groups_per_host(self, open_slots: np.ndarray | None) -> np.ndarray:
        """(n_hosts,) open *new* slots per host (joining an accepted group opens none)."""
        if self.slot_host is None or open_slots is None:
            return np.zeros(self.n_hosts, dtype=np.int64)
        return np.bincount(self.slot_host[open_slots & self.new_slots], minlength=self.n_hosts)

    def host_limits(self, open_slots: np.ndarray | None) -> np.ndarray:
        """(n_hosts,) the most members each host may take with these slots open: its
        capacity, and at most the room of every slot it opens."""
        limits = self.host_capacity.astype(np.int64).copy()
        if self.slot_host is not None and open_slots is not None and open_slots.any():
            np.minimum.at(limits, self.slot_host[open_slots], self.rooms[open_slots])
        return limits

    def sets_ok(self, selected: np.ndarray) -> bool:
        """No limited set has more chosen pairs than its limit."""
        if self.limit_set is None or self.set_limit is None:
            return True
        chosen = self.limit_set[selected]
        counts = np.bincount(chosen[chosen >= 0], minlength=len(self.set_limit))
        return bool(np.all(counts <= self.set_limit))

    def caps_ok(self, selected: np.ndarray) -> bool:
        """No cap spends more than its limit."""
        return all(int(cap.cost[selected].sum()) <= cap.limit for cap in self.caps)

    def group_bonus_total(self, selected: np.ndarray, open_slots: np.ndarray | None) -> int:
        """bonus_h x (members_h - groups_h); without open slots, one group per busy host."""
        if self.group_bonus is None:
            return 0
        members = np.bincount(self.pair_host[selected], minlength=self.n_hosts)
        groups = (
            (members > 0).astype(np.int64)
            if open_slots is None
            else self.groups_per_host(open_slots)
        )
        return int((self.group_bonus * (members - groups)).sum())

    def slots_ok(self, selected: np.ndarray, open_slots: np.ndarray | None) -> bool:
        """Every chosen pair fits an open slot; no host opens too many."""
        if self.slot_host is None:
            return True
        if open_slots is None:
            return False
        if np.any(self.groups_per_host(open_slots) > self.max_groups_per_host):
            return False
        members = np.bincount(self.pair_host[selected], minlength=self.n_hosts)
        if np.any(members > self.host_limits(open_slots)):
            return False
        return all(open_slots[self.slots_of(int(p))].any() for p in np.flatnonzero(selected))

    @property
    def n_pairs(self) -> int:
        return len(self.pair_visitor)

    @property
    def n_visitors(self) -> int:
        return len(self.visitor_is_sme)

    @property
    def n_hosts(self) -> int:
        return len(self.host_capacity)

    def restricted(self, keep: np.ndarray) -> AssignmentProblem:
        """The same rules over the pairs in ``keep`` only, without the slot layer (for
        re-solving once the slots are chosen); selections map back with ``np.flatnonzero``."""
        return replace(
            self,
            pair_visitor=self.pair_visitor[keep],
            pair_host=self.pair_host[keep],
            pair_score=self.pair_score[keep],
            pair_bonus=None if self.pair_bonus is None else self.pair_bonus[keep],
            caps=tuple(replace(cap, cost=cap.cost[keep]) for cap in self.caps),
            slot_host=None,
            slot_indptr=None,
            pair_slots=None,
            group_bonus=None,
            slot_room=None,
            slot_new=None,
            limit_set=None if self.limit_set is None else self.limit_set[keep],
            quotas=tuple(
                quota
                if quota.pair_weight is None
                else replace(quota, pair_weight=quota.pair_weight[keep])
                for quota in self.quotas
            ),
            expected_weight=None if self.expected_weight is None else self.expected_weight[keep],
        )

    def slot_mass(self, values: np.ndarray) -> np.ndarray:
        """(n_slots,) the summed pair values (e.g. LP x) of the pairs fitting each slot."""
        if self.slot_indptr is None or self.pair_slots is None:
            return np.zeros(0)
        weights = np.repeat(values, np.diff(self.slot_indptr))
        return np.bincount(self.pair_slots, weights=weights, minlength=self.n_slots)

    def fitting(self, open_slots: np.ndarray) -> np.ndarray:
        """(n_pairs,) bool: the pair fits at least one of the open slots."""
        if self.slot_indptr is None or self.pair_slots is None:
            return np.ones(self.n_pairs, dtype=bool)
        hits = np.concatenate([[0], np.cumsum(open_slots[self.pair_slots])])
        return hits[self.slot_indptr[1:]] > hits[self.slot_indptr[:-1]]

    def objective(self, selected: np.ndarray, open_slots: np.ndarray | None = None) -> int:
        """Total value, plus group bonuses, minus quota penalties (the common objective)."""
        bonus = self.group_bonus_total(selected, open_slots)
        return (
            int(self.pair_value[selected].sum())
            + bonus
            - sum(
                q.penalty * s for q, s in zip(self.quotas, self.shortfalls(selected), strict=True)
            )
        )

    def shortfalls(self, selected: np.ndarray) -> list[int]:
        """Per quota, the units it misses with these pairs chosen."""
        return [
            max(0, q.need - int(q.contribution(self.pair_visitor)[selected].sum()))
            for q in self.quotas
        ]

    def shared_rows_ok(self, selected: np.ndarray) -> bool:
        """The rows every pair shares: the SME share (and in expectation), caps, limited sets."""
        return self.sme_share_ok(selected) and self.caps_ok(selected) and self.sets_ok(selected)

    def keeps_rules(self, selected: np.ndarray, open_slots: np.ndarray | None) -> bool:
        """The slots (every pair in an open one, rooms, groups per host) and the shared rows:
        what a solution assembled outside a model (merged, chosen among groups) must keep."""
        return self.slots_ok(selected, open_slots) and self.shared_rows_ok(selected)

    def sme_share_ok(self, selected: np.ndarray) -> bool:
        """The SME share of proposals (with the fixed exchanges), and in expectation too when
        the problem has expected weights."""
        return self.sme_margin(selected) >= 0 and self.expected_sme_margin(selected) >= 0

    def sme_margin(self, selected: np.ndarray) -> int:
        """den * SMEs - num * proposals, the fixed exchanges included (>= 0 keeps the share)."""
        share = self.min_sme_share
        total = int(selected.sum()) + self.fixed_total
        smes = int(self.visitor_is_sme[self.pair_visitor[selected]].sum()) + self.fixed_smes
        return share.denominator * smes - share.numerator * total

    def expected_sme_margin(self, selected: np.ndarray) -> int:
        """den * expected SMEs - num * expected exchanges (>= 0 keeps the expected share);
        0 without expected weights."""
        if self.expected_weight is None:
            return 0
        share = self.min_sme_share
        is_sme = self.visitor_is_sme[self.pair_visitor[selected]]
        weights = self.expected_weight[selected].astype(np.int64)
        margin = int(
            (
                weights * np.where(is_sme, share.denominator - share.numerator, -share.numerator)
            ).sum()
        )
        return margin + self.expected_fixed_margin

    @property
    def expected_fixed_margin(self) -> int:
        """The expected share's margin of the exchanges fixed outside the problem."""
        share = self.min_sme_share
        fixed = share.denominator * self.fixed_smes - share.numerator * self.fixed_total
        return fixed * self.expected_fixed + self.expected_offset
