"""The limited sets of the visiting organisations' rules (``organisation_sets``) and the
candidate filter they leave one case to (``one_visitor_per_organisation``), on hand-made
candidate tables: visitors 0-2 of organisation 7, visitor 3 of organisation 8."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from engine.night.encode import organisation_sets
from scoring.candidates import one_visitor_per_organisation

ENCODED: Any = SimpleNamespace(visitors=SimpleNamespace(org_id=np.array([7, 7, 7, 8])))


def candidates(rows: list[tuple[int, int, bool, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["visitor", "host", "physical", "score"])


def members(sets: tuple[np.ndarray, np.ndarray]) -> list[tuple[list[int], int]]:
    """Each set as (its pair positions, its limit)."""
    limit_set, set_limit = sets
    return [(np.flatnonzero(limit_set == k).tolist(), int(n)) for k, n in enumerate(set_limit)]


def test_one_physical_visit_left_is_one_set_over_the_organisation():
    table = candidates([(0, 0, True, 9), (1, 0, True, 8), (1, 1, True, 7), (3, 0, True, 5)])
    sets = organisation_sets(table, ENCODED, np.ones(4, dtype=np.int64))
    assert sets is not None
    assert members(sets) == [([0, 1, 2], 1)]


def test_virtual_pairs_are_limited_per_host_not_dropped():
    table = candidates([(0, 0, False, 9), (1, 0, False, 8), (1, 1, False, 7), (2, 1, True, 6)])
    sets = organisation_sets(table, ENCODED, np.ones(4, dtype=np.int64))
    assert sets is not None
    # at host 0 one of visitors 0 and 1; visitor 1 alone at host 1 needs no set, and the
    # physical pair of visitor 2 is its organisation's only one
    assert members(sets) == [([0, 1], 1)]
    assert len(one_visitor_per_organisation(table, ENCODED, np.ones(4, dtype=np.int64))) == 4


def test_two_visits_left_limit_per_host_and_mode_or_filter_the_third_profile():
    left = np.array([2, 2, 2, 1])
    two = candidates([(0, 0, True, 9), (1, 0, True, 8), (1, 1, True, 7), (0, 0, False, 1)])
    assert one_visitor_per_organisation(two, ENCODED, left).equals(two)
    sets = organisation_sets(two, ENCODED, left)
    assert sets is not None
    assert members(sets) == [([0, 1], 1)]  # per host and mode: both profiles may go
    three = candidates(
        [(0, 0, True, 9), (1, 0, True, 8), (1, 1, True, 7), (2, 1, True, 9), (1, 2, True, 5)]
    )
    kept = one_visitor_per_organisation(three, ENCODED, left)
    # at each host only the organisation's best physical pair; over it, two visits
    assert kept[["visitor", "host"]].values.tolist() == [[0, 0], [2, 1], [1, 2]]
    sets = organisation_sets(kept, ENCODED, left)
    assert sets is not None
    assert members(sets) == [([0, 1, 2], 2)]


def test_no_set_where_every_organisation_has_one_profile():
    table = candidates([(0, 0, True, 9), (3, 0, True, 8), (3, 1, False, 7)])
    assert organisation_sets(table, ENCODED, np.ones(4, dtype=np.int64)) is None
