"""Plain-word reasons for a proposal: what raised its score most, and what lowered it."""

from __future__ import annotations

import numpy as np

from scoring.features import FEATURE_NAMES

# feature -> (phrase when it raised the score, phrase when it lowered it)
PHRASES: dict[str, tuple[str, str]] = {
    "sector_v2h": (
        "host works in a sector the visitor looks for",
        "host is outside the sectors the visitor looks for",
    ),
    "sector_h2v": (
        "visitor works in a sector the host looks for",
        "visitor is outside the sectors the host looks for",
    ),
    "same_section": ("same industry (NACE section)", "different industries (NACE sections)"),
    "org_type_v2h": (
        "host is the kind of organisation the visitor wants",
        "host is not the kind of organisation the visitor wants",
    ),
    "org_type_h2v": (
        "host wants organisations like the visitor",
        "host targets other kinds of organisation",
    ),
    "country_v2h": (
        "host is in a country the visitor targets",
        "host is outside the visitor's target countries",
    ),
    "country_h2v": (
        "visitor comes from a country the host targets",
        "visitor is outside the host's target countries",
    ),
    "exchange_types": (
        "host offers the exchange types the visitor wants",
        "few of the visitor's exchange types on offer",
    ),
    "shared_language": ("a shared language besides English", "no shared language besides English"),
    "english_only": ("more than English in common", "only shared language: English"),
    "availability": ("availabilities overlap widely", "availabilities barely overlap"),
    "duration": ("wanted durations agree", "wanted durations differ"),
    "mode": (
        "both want the same kind of exchange",
        "one side is only flexible on the exchange mode",
    ),
    "same_partnership": ("same partnership", "different partnerships"),
    "text_seek_offer": (
        "host offers what the visitor seeks",
        "host's offer is far from what the visitor seeks",
    ),
    "text_offer_seek": (
        "visitor offers what the host seeks",
        "visitor's offer is far from what the host seeks",
    ),
}


def reasons(contributions: np.ndarray, positive: int = 3) -> list[str]:
    """For each row of (n_pairs, n_features) contributions: 'top 3 up; main down' in words."""
    out = []
    for row in np.asarray(contributions):
        order = np.argsort(-row, kind="stable")
        ups = [PHRASES[FEATURE_NAMES[i]][0] for i in order[:positive] if row[i] > 0]
        down = [PHRASES[FEATURE_NAMES[i]][1] for i in order[::-1][:1] if row[i] < 0]
        text = "; ".join(ups) if ups else "no strong reason"
        if down:
            text += f" | but: {down[0]}"
        out.append(text)
    return out
