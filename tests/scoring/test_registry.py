"""The feature registry: one complete record per feature, in the order and with the values of
the parallel tables it replaced (``FEATURES``, ``NEUTRAL``, ``DEFAULT_WEIGHTS``, ``PHRASES``):
saved models, scores, reasons and model reports depend on them. The signs are issue 15's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scoring.features import (
    DEFAULT_WEIGHTS,
    FEATURE_NAMES,
    NEUTRAL_VALUES,
    REGISTRY,
    SIGNS,
)
from scoring.reason_names import reason_names
from scoring.reason_phrases import PairDetails
from tests.factory import host, make_campaign, visitor
from tests.scoring.one_pair import one_pair_inputs

SAVED_MODEL = Path(__file__).parents[1] / "data" / "models" / "before-floors" / "model.json"

# The tables as they were before the registry (scoring/features.py, linear.py, training.py).
OLD_FEATURE_NAMES = (
    "same_sector",
    "sector_v2h",
    "sector_h2v",
    "same_section",
    "section_v2h",
    "section_h2v",
    "org_type_v2h",
    "org_type_h2v",
    "country_v2h",
    "country_h2v",
    "exchange_types",
    "shared_language",
    "english_only",
    "availability",
    "duration",
    "mode",
    "same_partnership",
    "text_seek_offer",
    "text_offer_seek",
)
OLD_DEFAULT_WEIGHTS = {
    "same_sector": 2.0,
    "sector_v2h": 2.0,
    "sector_h2v": 1.5,
    "same_section": 1.0,
    "section_v2h": 0.5,
    "section_h2v": 0.5,
    "org_type_v2h": 1.5,
    "org_type_h2v": 1.0,
    "country_v2h": 1.0,
    "country_h2v": 0.5,
    "exchange_types": 1.0,
    "shared_language": 1.0,
    "english_only": -0.5,
    "availability": 0.5,
    "duration": 0.5,
    "mode": 0.25,
    "same_partnership": 0.0,
    "text_seek_offer": 2.0,
    "text_offer_seek": 1.0,
}
# Issue 15: a sign only where the domain justifies it (a wish met against the same wish
# unmet); every other sign free, english_only's too (its old <= 0 bound kept the model from
# learning that a shared language helps).
SIGNED = (
    "sector_v2h", "sector_h2v", "section_v2h", "section_h2v", "org_type_v2h", "org_type_h2v",
    "country_v2h", "country_h2v", "exchange_types", "text_seek_offer", "text_offer_seek",
)  # fmt: skip
SIGNS_NOW = {name: int(name in SIGNED) for name in OLD_FEATURE_NAMES}
OLD_NEUTRAL = {name: 0.5 for name in OLD_FEATURE_NAMES} | {
    "mode": 0.75,
    "text_seek_offer": 0.1,
    "text_offer_seek": 0.1,
}


def test_the_order_is_the_old_feature_order():
    assert FEATURE_NAMES == OLD_FEATURE_NAMES
    assert tuple(feature.name for feature in REGISTRY) == OLD_FEATURE_NAMES


def test_default_weights_and_neutral_values_are_the_old_ones_and_signs_documented():
    # same keys, order, values and types (0.0, not 0: they are written to manifests)
    assert json.dumps(DEFAULT_WEIGHTS) == json.dumps(OLD_DEFAULT_WEIGHTS)
    assert SIGNS == SIGNS_NOW and all(type(sign) is int for sign in SIGNS.values())
    old_neutral = np.array([OLD_NEUTRAL[name] for name in OLD_FEATURE_NAMES], dtype=np.float32)
    assert NEUTRAL_VALUES.dtype == np.float32
    np.testing.assert_array_equal(NEUTRAL_VALUES, old_neutral)


def test_the_meanings_are_those_old_model_files_carry():
    saved = json.loads(SAVED_MODEL.read_text(encoding="utf-8"))
    assert saved["feature_names"] == list(FEATURE_NAMES)
    assert {feature.name: feature.meaning for feature in REGISTRY} == saved["feature_meanings"]


@pytest.mark.parametrize("feature", REGISTRY, ids=lambda feature: feature.name)
def test_every_record_is_complete(feature):
    assert feature.function.__name__ == feature.name  # the function and phrase of *this* one
    assert feature.phrase.__name__ == feature.name
    for line in (feature.meaning, feature.sign_reason):
        assert line and "\n" not in line and len(line) <= 90
    assert 0.0 <= feature.neutral <= 1.0
    assert feature.sign in (-1, 0, 1)
    assert feature.weight * feature.sign >= 0  # the default weight keeps the learned sign


def test_names_are_unique():
    assert len(set(FEATURE_NAMES)) == len(REGISTRY)


def test_every_phrase_says_both_ways(tmp_path):
    profiles = [
        visitor("V", sectors="C29", languages="en;pl", target_countries="FR"),
        host("H", sectors="C29;M72", languages="en;pl", target_org_types="sme", country="FR"),
    ]
    campaign = make_campaign(tmp_path, profiles)
    inputs = one_pair_inputs(campaign)
    pair = PairDetails(inputs, 0, reason_names())
    for feature in REGISTRY:
        raised, lowered = feature.phrase(pair, True), feature.phrase(pair, False)
        assert raised and lowered and raised != lowered, feature.name
