"""A realistic, deterministic ClusterXchange campaign generator.

``generate_campaign(n_visitors, n_hosts, seed)`` builds profiles of the pilot's 13
partnerships across the COSME countries (organisations with one or several profiles), a year
of past decisions drawn from a documented *hidden acceptance model*
(:mod:`engine.synthetic.hidden_model`, the ground truth a learner should recover) with the
dates of the accepted exchanges (grouped, mostly 3 working days, some still ahead), and the
partnerships' KPI targets (:func:`engine.synthetic.history.partnership_targets`).
``write_campaign`` writes it as a campaign folder (DESIGN.md, data contract v1), in codes or
in the IT tool's words. Same arguments, same bytes.

The bundled demo campaign (``engine/synthetic/demo``) is ``generate_campaign(*DEMO_ARGUMENTS)``
written in the IT tool's words (``DEMO_WORDS``); regenerate it with
``python -m engine.synthetic.generator`` after changing the generator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from engine.domain.contract import LIST_SEPARATOR, PROFILE_LIST_COLUMNS
from engine.domain.policy_toml import policy_toml
from engine.domain.reference import canonical_country
from engine.domain.vocabulary import COLUMN_VOCABULARIES, builtin_vocabularies
from engine.synthetic.hidden_model import (
    HIDDEN_FEATURES,
    HIDDEN_INTERCEPT,
    HIDDEN_NOISE_SD,
    HIDDEN_WEIGHTS,
    PairEncoding,
    hidden_acceptance_probability,
    hidden_features,
)
from engine.synthetic.history import generate_history, generate_quotas
from engine.synthetic.profiles import generate_profiles

__all__ = [
    "DEFAULT_START",
    "DEMO_AS_OF",
    "DEMO_ARGUMENTS",
    "DEMO_WORDS",
    "HIDDEN_FEATURES",
    "HIDDEN_INTERCEPT",
    "HIDDEN_NOISE_SD",
    "HIDDEN_WEIGHTS",
    "GeneratedCampaign",
    "demo_campaign_path",
    "generate_campaign",
    "hidden_acceptance_probability",
    "hidden_features",
    "write_campaign",
]

logger = logging.getLogger(__name__)

DEFAULT_START = date(2027, 1, 4)
# the bundled demo runs as of this night (14 days' notice before its first Monday), so that
# `make demo` proposes the same exchanges whatever the day it runs
DEMO_AS_OF = date(2026, 12, 21)
DEMO_ARGUMENTS = (800, 200, 2026)  # n_visitors, n_hosts, seed of the bundled demo
DEMO_WORDS: Words = "labels"  # the demo's CSV speaks the IT tool's words, proving the vocabulary
DEFAULT_POLICY: dict[str, Any] = {
    "min_sme_share": 0.5,
    "require_common_language": True,
    "min_days": 3,
    "max_days": 22,
}
TABLES = ("profiles", "history", "quotas")
Words = Literal["codes", "labels"]
VALIDATED_WORDS = {True: "Yes", False: "No"}
POLICY_FILE = "policy.toml"
POLICY_COMMENT = (
    "Rule parameters of this campaign (see engine.domain.contract.Policy for every key)."
)


@dataclass(frozen=True, eq=False)
class GeneratedCampaign:
    """Tables in the *file* format of the data contract: list cells are Python lists, dates
    ``datetime64[ns]`` at midnight, ``validated`` bool. ``policy`` is the policy.toml content."""

    profiles: pd.DataFrame
    history: pd.DataFrame
    quotas: pd.DataFrame
    policy: dict[str, Any] = field(default_factory=dict)


def generate_campaign(
    n_visitors: int,
    n_hosts: int,
    seed: int,
    *,
    start: date = DEFAULT_START,
    months: int = 6,
) -> GeneratedCampaign:
    """A campaign of ``n_visitors`` visitor and ``n_hosts`` host profiles, running ``months``
    months from ``start``, with history in the year before ``start``. Deterministic in its
    arguments: every draw comes from ``numpy.random.default_rng(seed)`` in a fixed order."""
    if n_visitors < 0 or n_hosts < 0:
        raise ValueError(f"sizes must not be negative, got {n_visitors} visitors, {n_hosts} hosts")
    if months < 1:
        raise ValueError(f"a campaign lasts at least one month, got {months}")
    rng = np.random.default_rng(seed)
    profiles = generate_profiles(rng, n_visitors, n_hosts, start, months)
    history = generate_history(rng, profiles, PairEncoding(profiles), start)
    quotas = generate_quotas(profiles)
    logger.info(
        "generated campaign: %d visitors, %d hosts, %d history rows, %d quotas (seed %d)",
        n_visitors, n_hosts, len(history), len(quotas), seed,
    )  # fmt: skip
    return GeneratedCampaign(profiles, history, quotas, dict(DEFAULT_POLICY))


# --- writing ---------------------------------------------------------------------------


def in_words(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A table with every code in the words a person reads (the IT tool's labels): org types,
    exchange types, countries, languages and sector names, roles, modes, statuses, outcomes,
    quota categories; ``validated`` as Yes/No."""
    fields = builtin_vocabularies()
    out = frame.copy()
    for column, name in COLUMN_VOCABULARIES[table].items():
        if column not in out.columns:
            continue
        vocab = fields[name]

        def label(code: str, vocab: Any = vocab, name: str = name) -> str:
            if name == "country":
                code = canonical_country(code) or code
            return str(vocab.label(code))

        if column in PROFILE_LIST_COLUMNS:
            out[column] = out[column].map(lambda cell, label=label: [label(c) for c in cell])
        else:
            out[column] = out[column].astype(str).map(label)
    if "validated" in out.columns:
        out["validated"] = out["validated"].map(VALIDATED_WORDS)
    return out


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as the text of a campaign CSV: lists ';'-joined, ISO dates, true/false."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if column in PROFILE_LIST_COLUMNS:
            out[column] = values.map(LIST_SEPARATOR.join)
        elif pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "true", False: "false"})
        else:
            out[column] = values.astype(str)
    return pd.DataFrame(out, columns=frame.columns)


def _parquet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.date  # Parquet date32
    return out


def write_campaign(
    generated: GeneratedCampaign,
    folder: Path | str,
    fmt: Literal["csv", "parquet"] = "csv",
    words: Words = "codes",
) -> None:
    """Write ``profiles``, ``history``, ``quotas`` (``.csv`` or ``.parquet``) and
    ``policy.toml`` into ``folder`` (created if needed). Stale tables of the other format
    are removed, so the folder always holds exactly one file per table. ``words``: codes, or
    the labels of the IT tool (:func:`in_words`). CSV files are UTF-8 with a byte order mark,
    so that a spreadsheet opens names such as Łódź or Ελλάδα right."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    if words not in ("codes", "labels"):
        raise ValueError(f"words must be 'codes' or 'labels', not {words!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    other = "parquet" if fmt == "csv" else "csv"
    for name in TABLES:
        frame = getattr(generated, name)
        if words == "labels":
            frame = in_words(frame, name)
        (folder / f"{name}.{other}").unlink(missing_ok=True)
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            _csv_frame(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8-sig")
        else:
            _parquet_frame(frame).to_parquet(path, index=False)
    text = policy_toml(generated.policy, comment=POLICY_COMMENT)
    (folder / POLICY_FILE).write_text(text, encoding="utf-8")


def demo_campaign_path() -> Path:
    """The folder of the bundled demo campaign (CSV)."""
    return Path(str(resources.files("engine.synthetic.demo")))


def _write_demo() -> None:
    """Regenerate the bundled demo campaign in place."""
    write_campaign(generate_campaign(*DEMO_ARGUMENTS), demo_campaign_path(), words=DEMO_WORDS)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    _write_demo()
