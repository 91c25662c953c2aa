"""The SME share in expectation holds on the exact chances: each pair's chance in hundredths
is rounded against the share, down for an SME and up for any other visitor (the oracle's
audit: rounded to the nearest, proposals of chances 0.5514 and 0.5459, the SME's, held it
at 49.75%, and the checker did not look)."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from engine.night.encode import sme_share_weight


def test_chances_are_rounded_against_the_share() -> None:
    candidates = pd.DataFrame(
        {"visitor": [0, 1, 0, 1, 1], "score": [55.14, 54.59, 55.0, 0.2, 99.9]}
    )
    encoded: Any = SimpleNamespace(visitors=SimpleNamespace(is_sme=np.array([False, True])))
    weight = sme_share_weight(candidates, encoded)
    assert weight.tolist() == [56, 54, 55, 0, 99]


def test_a_plan_holding_the_rounded_share_holds_the_exact_one() -> None:
    rng = np.random.default_rng(7)
    share = Fraction(1, 2)
    for _ in range(2_000):
        n = int(rng.integers(1, 8))
        hundredths = rng.uniform(0, 100, n)
        sme = rng.random(n) < 0.5
        candidates = pd.DataFrame({"visitor": np.arange(n), "score": hundredths})
        encoded: Any = SimpleNamespace(visitors=SimpleNamespace(is_sme=sme))
        weight = sme_share_weight(candidates, encoded)
        if share.denominator * weight[sme].sum() >= share.numerator * weight.sum():
            assert hundredths[sme].sum() >= float(share) * hundredths.sum() - 1e-9
