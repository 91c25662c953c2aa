"""Load a campaign folder: read every table as text, read its words as codes, validate
everything, then convert.

A campaign folder holds ``profiles.csv|.parquet`` (required), ``history.csv|.parquet``
and ``quotas.csv|.parquet`` (optional, empty when absent), ``policy.toml`` (optional,
defaults when absent) and ``vocabulary.toml`` (optional: the campaign's own words for codes).
Every problem of every file is collected before
:class:`~engine.domain.problems.CampaignInvalid` is raised.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.domain.contract import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
    LIST_SEPARATOR,
    POSITIVE_OUTCOMES,
    PROFILE_LIST_COLUMNS,
    PROFILE_OPTIONAL_COLUMNS,
    PROFILE_REQUIRED_COLUMNS,
    QUOTA_COLUMNS,
    Campaign,
    Policy,
)
from engine.domain.problems import CampaignInvalid, Problem
from engine.domain.reference import canonical_country
from engine.domain.vocabulary import Vocabularies
from engine.load.cells import parse_bool, parse_dates, parse_int, split_list
from engine.load.validation import (
    LIST_ELEMENT_CANONICAL,
    check_history,
    check_policy,
    check_profiles,
    check_quotas,
)
from engine.load.words import VOCABULARY_FILE, Normalised, campaign_words, normalise_table

logger = logging.getLogger(__name__)

POLICY_FILE = "policy.toml"
PROFILE_COLUMNS = (*PROFILE_REQUIRED_COLUMNS, *PROFILE_OPTIONAL_COLUMNS)
TABLE_COLUMNS = {
    "profiles": PROFILE_COLUMNS,
    "history": (*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS),
    "quotas": QUOTA_COLUMNS,
}


@dataclass(frozen=True)
class RawTable:
    """A table as read from its file: every cell is stripped text ('' when empty)."""

    file: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class LoadedCampaign:
    """A loaded campaign and what loading mapped: per column, the values written otherwise
    than as their code (``cxmatch validate`` prints them)."""

    campaign: Campaign
    normalised: tuple[Normalised, ...] = ()


def load_campaign(folder: str | Path) -> Campaign:
    """Read, validate and convert the campaign in ``folder``.

    Raises :class:`CampaignInvalid` with every problem of every file.
    """
    return read_campaign(folder).campaign


def read_campaign(folder: str | Path) -> LoadedCampaign:
    """:func:`load_campaign`, with the report of the values it normalised."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CampaignInvalid(
            [Problem(str(folder), None, None, None, "is not a folder")], folder.name
        )
    problems: list[Problem] = []
    hashes: dict[str, str] = {}

    policy, policy_problems = _read_policy(folder, hashes)
    problems += policy_problems
    vocabularies, word_problems = _read_vocabulary(folder, hashes)
    problems += word_problems
    tables: dict[str, RawTable | None] = {}
    normalised: list[Normalised] = []
    for name in TABLE_COLUMNS:
        table, read_problems = _read_table(folder, name, hashes)
        problems += read_problems
        if table is not None:
            frame, report = normalise_table(table.frame, name, table.file, vocabularies)
            table = RawTable(table.file, frame)
            normalised += report
        tables[name] = table

    profiles, history, quotas = tables["profiles"], tables["history"], tables["quotas"]
    if profiles is None:
        if not any(problem.file.startswith("profiles.") for problem in problems):
            message = "is missing (a campaign needs profiles.csv or profiles.parquet)"
            problems.append(Problem("profiles.csv", None, None, None, message))
    else:
        problems += check_profiles(profiles.frame, policy, profiles.file, vocabularies)
    raw_profiles = None if profiles is None else profiles.frame
    if history is not None:
        problems += check_history(history.frame, raw_profiles, history.file, vocabularies)
    if quotas is not None:
        problems += check_quotas(quotas.frame, raw_profiles, quotas.file, vocabularies)
    if problems:
        raise CampaignInvalid(problems, folder.name)

    assert profiles is not None  # a missing profiles file is a problem
    canonical = canonical_history(_frame_or_empty(history, HISTORY_COLUMNS))
    campaign = Campaign(
        profiles=canonical_profiles(profiles.frame),
        history=canonical,
        warnings=tuple(history_warnings(canonical, history.file if history else "history.csv")),
        quotas=canonical_quotas(_frame_or_empty(quotas, QUOTA_COLUMNS)),
        policy=policy,
        name=folder.name,
        input_hashes=hashes,
    )
    logger.info(
        "loaded campaign %s: %d profiles, %d history rows, %d quotas",
        campaign.name, len(campaign.profiles), len(campaign.history), len(campaign.quotas),
    )  # fmt: skip
    return LoadedCampaign(campaign, tuple(normalised))


# --- reading ------------------------------------------------------------------------------


def _read_policy(folder: Path, hashes: dict[str, str]) -> tuple[Policy, list[Problem]]:
    path = folder / POLICY_FILE
    if not path.is_file():
        return Policy(), []
    content = path.read_bytes()
    hashes[POLICY_FILE] = hashlib.sha256(content).hexdigest()
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Policy(), [Problem(POLICY_FILE, None, None, None, f"is not valid TOML: {error}")]
    return check_policy(data, POLICY_FILE)


def _read_vocabulary(folder: Path, hashes: dict[str, str]) -> tuple[Vocabularies, list[Problem]]:
    path = folder / VOCABULARY_FILE
    if not path.is_file():
        return Vocabularies(), []
    content = path.read_bytes()
    hashes[VOCABULARY_FILE] = hashlib.sha256(content).hexdigest()
    try:
        data = tomllib.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        message = f"is not valid TOML: {error}"
        return Vocabularies(), [Problem(VOCABULARY_FILE, None, None, None, message)]
    return campaign_words(data, Vocabularies())


def _read_table(
    folder: Path, name: str, hashes: dict[str, str]
) -> tuple[RawTable | None, list[Problem]]:
    paths = [
        path for path in (folder / f"{name}.csv", folder / f"{name}.parquet") if path.is_file()
    ]
    if not paths:
        return None, []
    if len(paths) > 1:
        message = f"both {paths[0].name} and {paths[1].name} exist; keep only one"
        return None, [Problem(paths[0].name, None, None, None, message)]
    path = paths[0]
    content = path.read_bytes()
    hashes[path.name] = hashlib.sha256(content).hexdigest()
    try:
        if path.suffix == ".csv":
            frame = pd.read_csv(
                io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        else:
            frame = pd.read_parquet(io.BytesIO(content)).reset_index(drop=True)
            frame = pd.DataFrame(
                {column: frame[column].map(_cell_text) for column in frame.columns}
            )
    except Exception as error:  # any reader error is a problem of the file, reported with the rest
        return None, [Problem(path.name, None, None, None, f"cannot be read: {error}")]
    frame = pd.DataFrame(
        {str(column).strip(): frame[column].astype(str).str.strip() for column in frame.columns}
    )
    unknown = sorted(set(frame.columns) - set(TABLE_COLUMNS[name]))
    if unknown:
        logger.warning("%s: ignoring unknown columns %s", path.name, ", ".join(unknown))
    return RawTable(path.name, frame), []


def _cell_text(value: Any) -> str:
    """A Parquet cell as the text it would have in CSV (lists ';'-joined, '' for null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | np.ndarray):
        return LIST_SEPARATOR.join(_cell_text(element) for element in value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else str(value)
    if isinstance(value, date):  # also datetime and pd.Timestamp
        return value.isoformat()
    return str(value)


def _frame_or_empty(table: RawTable | None, columns: tuple[str, ...]) -> pd.DataFrame:
    if table is not None:
        return table.frame
    return pd.DataFrame({column: pd.Series([], dtype=str) for column in columns})


# --- conversion of validated tables to canonical dtypes -----------------------------------


def _text(cells: pd.Series) -> pd.Series:
    return cells.astype(str)


def _canonical_lists(cells: pd.Series, column: str) -> pd.Series:
    elements = split_list(cells).map(LIST_ELEMENT_CANONICAL[column])
    by_row = {index: tuple(dict.fromkeys(row)) for index, row in elements.groupby(level=0)}
    tuples: list[object] = [by_row.get(index, ()) for index in cells.index]  # () = empty list
    return pd.Series(tuples, index=cells.index, dtype=object)


def canonical_profiles(raw: pd.DataFrame) -> pd.DataFrame:
    """A validated raw profiles table with canonical values and dtypes (see Campaign)."""
    raw = raw.reset_index(drop=True)
    for column in PROFILE_OPTIONAL_COLUMNS:
        if column not in raw.columns:
            raw[column] = ""
    profiles = pd.DataFrame({column: _text(raw[column]) for column in PROFILE_COLUMNS})
    profiles["country"] = raw["country"].map(canonical_country).astype(str)
    for column in PROFILE_LIST_COLUMNS:
        profiles[column] = _canonical_lists(raw[column], column)
    for column in ("available_from", "available_to"):
        profiles[column] = parse_dates(raw[column])
    profiles["capacity"] = raw["capacity"].replace("", "1")
    for column in ("min_days", "max_days", "capacity"):
        profiles[column] = parse_int(profiles[column]).astype("int64")
    profiles["validated"] = parse_bool(raw["validated"]).astype(bool)
    return profiles


def canonical_history(raw: pd.DataFrame) -> pd.DataFrame:
    """A validated raw history with dates; ``start``/``end`` are NaT where not given."""
    raw = raw.reset_index(drop=True)
    history = pd.DataFrame({column: _text(raw[column]) for column in HISTORY_COLUMNS})
    history["decided_on"] = parse_dates(raw["decided_on"])
    for column in HISTORY_OPTIONAL_COLUMNS:
        cells = raw[column] if column in raw.columns else pd.Series("", index=raw.index)
        history[column] = parse_dates(cells)
    return history


def history_warnings(history: pd.DataFrame, file: str) -> list[str]:
    """Accepted or completed exchanges without dates occupy no host capacity: say so."""
    undated = history["outcome"].isin(POSITIVE_OUTCOMES) & history["start"].isna()
    if not undated.any():
        return []
    rows = (undated[undated].index + 1).tolist()
    shown = ", ".join(str(row) for row in rows[:10]) + (" ..." if len(rows) > 10 else "")
    return [
        f"{file}: {len(rows)} accepted or completed exchanges have no start/end dates (rows "
        f"{shown}); they occupy no host capacity"
    ]


def canonical_quotas(raw: pd.DataFrame) -> pd.DataFrame:
    quotas = pd.DataFrame({column: _text(raw[column]) for column in QUOTA_COLUMNS})
    quotas["target"] = parse_int(raw["target"]).astype("int64")
    return quotas.reset_index(drop=True)
