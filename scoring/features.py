"""The pair features: which there are, in which order, what each means, and computing them
all for a block of pairs (:func:`compute_features`).

The functions are in :mod:`scoring.feature_functions`, their operands in
:mod:`scoring.tables`. :func:`compute_features` stores a block feature-major (one contiguous
``(b, h)`` plane per feature) and returns it as a view with the feature axis last, the
layout every scorer reads.
"""

from __future__ import annotations

import numpy as np

from scoring import feature_functions as ff
from scoring.feature_functions import FeatureFn
from scoring.tables import FeatureInputs

# name -> (function, one-line meaning). The order is the column order of feature matrices.
FEATURES: dict[str, tuple[FeatureFn, str]] = {
    "same_sector": (ff.same_sector, "visitor and host work in a common NACE division"),
    "sector_v2h": (ff.sector_v2h, "host works in a division the visitor targets (0.5: no target)"),
    "sector_h2v": (ff.sector_h2v, "visitor works in a division the host targets (0.5: no target)"),
    "same_section": (ff.same_section, "visitor and host work in a common NACE section"),
    "section_v2h": (ff.section_v2h, "host works in a section the visitor targets (0.5: no target)"),
    "section_h2v": (ff.section_h2v, "visitor works in a section the host targets (0.5: no target)"),
    "org_type_v2h": (ff.org_type_v2h, "host is of an organisation type the visitor targets"),
    "org_type_h2v": (ff.org_type_h2v, "visitor is of an organisation type the host targets"),
    "country_v2h": (ff.country_v2h, "host is in a country the visitor targets"),
    "country_h2v": (ff.country_h2v, "visitor is in a country the host targets"),
    "exchange_types": (ff.exchange_types, "share of the visitor's exchange types the host offers"),
    "shared_language": (ff.shared_language, "a common language other than English"),
    "english_only": (ff.english_only, "English is the only shared language"),
    "availability": (
        ff.availability,
        "shared working days over the longest stay both take (max 1)",
    ),
    "duration": (ff.duration, "overlap of the two min..max stay ranges over their union"),
    "mode": (ff.mode, "both explicitly want the same mode (1), else one is flexible (0.5)"),
    "same_partnership": (ff.same_partnership, "visitor and host belong to the same partnership"),
    "text_seek_offer": (ff.text_seek_offer, "TF-IDF similarity of visitor's seek to host's offer"),
    "text_offer_seek": (ff.text_offer_seek, "TF-IDF similarity of visitor's offer to host's seek"),
}
FEATURE_NAMES: tuple[str, ...] = tuple(FEATURES)

# The value at which a feature neither raises nor lowers a score: contributions (and so the
# reasons) are measured from it. 0.5 is "no preference stated" for preference features and
# halfway for 0/1 features; mode 0.75 lies between "flexible" (0.5) and "both explicit" (1);
# TF-IDF cosines of unrelated texts are near 0, so 0.1 already means some shared vocabulary.
NEUTRAL: dict[str, float] = {name: 0.5 for name in FEATURE_NAMES} | {
    "mode": 0.75,
    "text_seek_offer": 0.1,
    "text_offer_seek": 0.1,
}
NEUTRAL_VALUES = np.array([NEUTRAL[name] for name in FEATURE_NAMES], dtype=np.float32)


def compute_features(inputs: FeatureInputs) -> np.ndarray:
    """All features on a last axis: shape view.shape + (n_features,), float32.

    Stored feature-major (each feature one contiguous plane); the result is a view of it."""
    shape = inputs.view.shape
    tables = inputs.pair_tables()
    planes = np.empty((len(FEATURES), *shape), dtype=np.float32)
    for column, (function, _meaning) in enumerate(FEATURES.values()):
        result = function(inputs, tables, planes[column])
        if result is not planes[column]:
            planes[column] = result
    return np.moveaxis(planes, 0, -1)
