"""What the plan leaves room for, as the reasons for the left-out read it: the slots a pair
fits, whether the SME share takes one more non-SME, whether a visitor and a host share a
language (:mod:`engine.night.unmatched`)."""

from __future__ import annotations

import numpy as np

from scoring.encoding import EncodedCampaign
from solvers.problem import AssignmentProblem


def shares_a_language(encoded: EncodedCampaign, visitors: np.ndarray, host: int) -> bool:
    """Any of ``visitors`` speaks a language of ``host`` (a group's working language is one
    the host and every member speak)."""
    common = encoded.visitors.languages[visitors] & encoded.hosts.languages[host][None, :]
    return bool(np.any(common))


def fitting_slots(problem: AssignmentProblem, pairs: np.ndarray) -> np.ndarray:
    """The slots (with room) any of ``pairs`` fits; every slot of its host without slots."""
    if problem.slot_indptr is None or problem.pair_slots is None:
        return np.arange(1)
    ranges = [problem.slots_of(int(p)) for p in pairs]
    return np.concatenate(ranges) if ranges else np.zeros(0, np.int64)


class SmeShareFull:
    """Whether the plan's SME share holds no more non-SMEs: one more non-SME proposal, any of
    ``pairs``, would break the share of proposals or, planning on the outcome, the share of
    the expected exchanges (where that pair's chance weighs)."""

    def __init__(self, problem: AssignmentProblem, selected: np.ndarray):
        self.numerator = problem.min_sme_share.numerator
        self.count = problem.sme_margin(selected) - self.numerator
        self.expected = problem.expected_sme_margin(selected)
        self.weight = problem.expected_weight

    def __call__(self, pairs: np.ndarray) -> bool:
        if self.count < 0:
            return True
        if self.weight is None or not len(pairs):
            return False
        return self.expected < self.numerator * int(self.weight[pairs].min())
