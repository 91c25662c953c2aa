"""The pair features, one record each (:data:`REGISTRY`): how a feature is computed, what it
means, its neutral value, its default weight, the sign its learned weight must keep, and the
phrase of its reasons; and computing them all for a block of pairs (:func:`compute_features`).

The order of the registry is the column order of every feature matrix, of the default and
learned weights and of a saved model's ``feature_names_`` (a model file trained on another
list is refused: ``engine.output.model_files.load_model``). Everything else about the
features is derived from it: :data:`FEATURE_NAMES`, :data:`NEUTRAL_VALUES`,
:data:`DEFAULT_WEIGHTS`, :data:`SIGNS`.

The functions are in :mod:`scoring.feature_functions` (vectorised, over the side tables of
:mod:`scoring.tables`), the phrases in :mod:`scoring.reason_phrases`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring import feature_functions as ff
from scoring import reason_phrases as rp
from scoring.feature_functions import FeatureFn
from scoring.reason_phrases import Phrase
from scoring.tables import FeatureInputs


@dataclass(frozen=True)
class Feature:
    """One pair feature (values in [0, 1])."""

    name: str
    function: FeatureFn  # (inputs, tables, out) -> the values of a block of pairs
    phrase: Phrase  # (pair, above neutral?) -> the words of a reason
    meaning: str  # one line, for model files and reports
    # The value at which the feature neither raises nor lowers a score: contributions (and so
    # the reasons) are measured from it. 0.5 is "no preference stated" for preference features
    # and halfway for 0/1 features; mode 0.75 lies between "flexible" (0.5) and "both
    # explicit" (1); TF-IDF cosines of unrelated texts are near 0, so 0.1 already means some
    # shared vocabulary.
    neutral: float
    # The hand-set weight: the score of a campaign without history, and the centre the
    # learned weights are shrunk towards when there are few labels.
    weight: float
    # The sign a learned shape keeps between the feature's lowest and highest value (in the
    # additive model the sign of f(1) - f(0), its straight part; the shape in between is
    # free): +1 (>= 0), -1 (<= 0) or 0 (free). Only where the domain says so; see sign_reason.
    sign: int
    sign_reason: str  # why, in one line


WISH = "a wish met (1) is no worse than the same wish unmet (0); 'no wish' is left to the data"
TEXT = "an offer nearer to what the other side seeks is a wish better met"
FREE_COMMON = "free: sharing more need not help (exchanges also seek complementary partners)"

REGISTRY: tuple[Feature, ...] = (
    Feature(
        "same_sector",
        ff.same_sector,
        rp.same_sector,
        meaning="visitor and host work in a common NACE division",
        neutral=0.5,
        weight=2.0,
        sign=0,
        sign_reason=FREE_COMMON,
    ),
    Feature(
        "sector_v2h",
        ff.sector_v2h,
        rp.sector_v2h,
        meaning="host works in a division the visitor targets (0.5: no target)",
        neutral=0.5,
        weight=2.0,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "sector_h2v",
        ff.sector_h2v,
        rp.sector_h2v,
        meaning="visitor works in a division the host targets (0.5: no target)",
        neutral=0.5,
        weight=1.5,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "same_section",
        ff.same_section,
        rp.same_section,
        meaning="visitor and host work in a common NACE section",
        neutral=0.5,
        weight=1.0,
        sign=0,
        sign_reason=FREE_COMMON,
    ),
    Feature(
        "section_v2h",
        ff.section_v2h,
        rp.section_v2h,
        meaning="host works in a section the visitor targets (0.5: no target)",
        neutral=0.5,
        weight=0.5,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "section_h2v",
        ff.section_h2v,
        rp.section_h2v,
        meaning="visitor works in a section the host targets (0.5: no target)",
        neutral=0.5,
        weight=0.5,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "org_type_v2h",
        ff.org_type_v2h,
        rp.org_type_v2h,
        meaning="host is of an organisation type the visitor targets",
        neutral=0.5,
        weight=1.5,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "org_type_h2v",
        ff.org_type_h2v,
        rp.org_type_h2v,
        meaning="visitor is of an organisation type the host targets",
        neutral=0.5,
        weight=1.0,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "country_v2h",
        ff.country_v2h,
        rp.country_v2h,
        meaning="host is in a country the visitor targets",
        neutral=0.5,
        weight=1.0,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "country_h2v",
        ff.country_h2v,
        rp.country_h2v,
        meaning="visitor is in a country the host targets",
        neutral=0.5,
        weight=0.5,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "exchange_types",
        ff.exchange_types,
        rp.exchange_types,
        meaning="share of the visitor's exchange types the host offers",
        neutral=0.5,
        weight=1.0,
        sign=+1,
        sign_reason=WISH,
    ),
    Feature(
        "shared_language",
        ff.shared_language,
        rp.shared_language,
        meaning="a common language other than English",
        neutral=0.5,
        weight=1.0,
        sign=0,
        sign_reason="free; it carries the language effect where english_only is 1 - it",
    ),
    Feature(
        "english_only",
        ff.english_only,
        rp.english_only,
        meaning="English is the only shared language",
        neutral=0.5,
        weight=-0.5,
        sign=0,
        sign_reason="free: helps against no common language, may hurt against another one",
    ),
    Feature(
        "availability",
        ff.availability,
        rp.availability,
        meaning="shared working days over the longest stay both take (max 1)",
        neutral=0.5,
        weight=0.5,
        sign=0,
        sign_reason="free: windows wider than the stay needs may or may not matter",
    ),
    Feature(
        "duration",
        ff.duration,
        rp.duration,
        meaning="overlap of the two min..max stay ranges over their union",
        neutral=0.5,
        weight=0.5,
        sign=0,
        sign_reason="free: how much the stay ranges overlap may matter either way",
    ),
    Feature(
        "mode",
        ff.mode,
        rp.mode,
        meaning="both explicitly want the same mode (1), else one is flexible (0.5)",
        neutral=0.75,
        weight=0.25,
        sign=0,
        sign_reason="free: both explicit about one mode or one side flexible: no known direction",
    ),
    Feature(
        "same_partnership",
        ff.same_partnership,
        rp.same_partnership,
        meaning="visitor and host belong to the same partnership",
        neutral=0.5,
        weight=0.0,
        sign=0,
        sign_reason="a partnership may favour its own members or others: no known direction",
    ),
    Feature(
        "text_seek_offer",
        ff.text_seek_offer,
        rp.text_seek_offer,
        meaning="TF-IDF similarity of visitor's seek to host's offer",
        neutral=0.1,
        weight=2.0,
        sign=+1,
        sign_reason=TEXT,
    ),
    Feature(
        "text_offer_seek",
        ff.text_offer_seek,
        rp.text_offer_seek,
        meaning="TF-IDF similarity of visitor's offer to host's seek",
        neutral=0.1,
        weight=1.0,
        sign=+1,
        sign_reason=TEXT,
    ),
)

FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in REGISTRY)
NEUTRAL_VALUES = np.array([feature.neutral for feature in REGISTRY], dtype=np.float32)
DEFAULT_WEIGHTS: dict[str, float] = {feature.name: feature.weight for feature in REGISTRY}
SIGNS: dict[str, int] = {feature.name: feature.sign for feature in REGISTRY}


def compute_features(inputs: FeatureInputs) -> np.ndarray:
    """All features on a last axis: shape view.shape + (n_features,), float32.

    Stored feature-major (each feature one contiguous plane); the result is a view of it."""
    shape = inputs.view.shape
    tables = inputs.pair_tables()
    planes = np.empty((len(REGISTRY), *shape), dtype=np.float32)
    for column, feature in enumerate(REGISTRY):
        result = feature.function(inputs, tables, planes[column])
        if result is not planes[column]:
            planes[column] = result
    return np.moveaxis(planes, 0, -1)


def fitted_feature_names(model: Any, n_features: int) -> tuple[str, ...]:
    """The names of the ``n_features`` columns a scorer is fit on: its ``feature_names``
    (checked against the count), else those of the fitted frame, else the registry's when the
    count matches, else ``x0, x1, ...``."""
    if model.feature_names is not None:
        names = tuple(str(name) for name in model.feature_names)
        if len(names) != n_features:
            raise ValueError(f"{len(names)} feature_names for {n_features} features")
        return names
    if hasattr(model, "feature_names_in_"):
        return tuple(str(name) for name in model.feature_names_in_)
    if n_features == len(FEATURE_NAMES):
        return FEATURE_NAMES
    return tuple(f"x{i}" for i in range(n_features))
