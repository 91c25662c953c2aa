"""Load a campaign folder: read every table as text, read its words as codes, validate
everything, then convert.

A campaign folder holds ``profiles.csv|.parquet`` (required), ``history.csv|.parquet``
and ``quotas.csv|.parquet`` (optional, empty when absent), ``policy.toml`` (optional,
defaults when absent) and ``vocabulary.toml`` (optional: the campaign's own words for codes).
Every problem of every file is collected before
:class:`~engine.domain.problems.CampaignInvalid` is raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from engine.domain.contract import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
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
from engine.load.consistency import without_cancelled_exchanges
from engine.load.files import RawTable, read_table, read_toml
from engine.load.policy import POLICY_FILE, budget_problems, check_policy
from engine.load.validation import (
    LIST_ELEMENT_CANONICAL,
    check_history,
    check_profiles,
    check_quotas,
)
from engine.load.words import (
    VOCABULARY_FILE,
    Normalised,
    campaign_words,
    normalise_table,
    stay_words,
)

logger = logging.getLogger(__name__)

PROFILE_COLUMNS = (*PROFILE_REQUIRED_COLUMNS, *PROFILE_OPTIONAL_COLUMNS)
TABLE_COLUMNS = {
    "profiles": PROFILE_COLUMNS,
    "history": (*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS),
    "quotas": QUOTA_COLUMNS,
}


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

    problems += misnamed_files(folder)
    policy, policy_problems, budgets = _read_policy(folder, hashes)
    problems += policy_problems
    vocabularies, word_problems = _read_vocabulary(folder, hashes)
    problems += word_problems
    tables: dict[str, RawTable | None] = {}
    normalised: list[Normalised] = []
    typed: dict[str, pd.DataFrame] = {}  # each file's cells as written, for its problems
    for name, columns in TABLE_COLUMNS.items():
        table, read_problems = read_table(folder, name, columns, hashes)
        problems += read_problems
        if table is not None:
            typed[table.file] = table.frame
            frame, report = normalise_table(table.frame, name, table.file, vocabularies)
            if name == "profiles":
                frame, stays = stay_words(frame, table.file)
                report += stays
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
        if "partnership" in profiles.frame.columns:
            problems += budget_problems(budgets, profiles.frame["partnership"])
    raw_profiles = None if profiles is None else profiles.frame
    if history is not None:
        problems += check_history(history.frame, raw_profiles, history.file, vocabularies, policy)
    if quotas is not None:
        problems += check_quotas(quotas.frame, raw_profiles, quotas.file, vocabularies)
    if problems:
        shown = [as_typed(problem, typed, tables) for problem in problems]
        raise CampaignInvalid(shown, folder.resolve().name)  # "." named too

    assert profiles is not None  # a missing profiles file is a problem
    canonical = canonical_history(_frame_or_empty(history, HISTORY_COLUMNS))
    profile_table = canonical_profiles(profiles.frame)
    campaign = Campaign(
        profiles=profile_table,
        history=without_cancelled_exchanges(canonical),
        warnings=(
            *history_warnings(canonical, history.file if history else "history.csv"),
            *organisation_warnings(profile_table, profiles.file),
            *matchable_warnings(profile_table, profiles.file),
        ),
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

# the files a campaign is read from; a file named like one of them otherwise is never read
READ_NAMES = {
    "profiles": ("profiles.csv", "profiles.parquet"),
    "history": ("history.csv", "history.parquet"),
    "quotas": ("quotas.csv", "quotas.parquet"),
    "policy": (POLICY_FILE,),
    "vocabulary": (VOCABULARY_FILE,),
}
TABLE_LIKE = {".csv", ".parquet", ".xlsx", ".xlsm", ".xls", ".ods", ".txt", ".tsv", ".toml"}


def as_typed(
    problem: Problem, typed: dict[str, pd.DataFrame], tables: dict[str, RawTable | None]
) -> Problem:
    """The problem with its cell as the file has it, where the rules read it as a code (the
    loading audit: "'large_company' may only host" for a row that says "Large enterprise",
    which a search of the file cannot find)."""
    frame = typed.get(problem.file)
    read = next(
        (t.frame for t in tables.values() if t is not None and t.file == problem.file), None
    )
    if frame is None or read is None or problem.row is None or problem.column not in frame:
        return problem
    at = problem.row - 1  # the rules number a row by its label, from 1
    if at not in frame.index or at not in read.index or problem.column not in read:
        return problem
    if problem.value != str(read.at[at, problem.column]):
        return problem  # not the cell's value (a pair, a count)
    return replace(problem, value=str(frame.at[at, problem.column]))


def misnamed_files(folder: Path) -> list[Problem]:
    """A file named like a campaign file but not as one is read (``History.csv``,
    ``history.xlsx``, ``quotas.txt``) is a problem: read as absent, a history would lose its
    rejections (rejected pairs proposed again) and quotas their targets, silently."""
    problems = []
    for path in sorted(folder.iterdir()):
        stem, suffix = path.name.split(".")[0].lower(), path.suffix.lower()
        names = READ_NAMES.get(stem)
        if names is None or path.name in names or suffix not in TABLE_LIKE:
            continue
        how = (
            "a workbook is not read: save it as CSV UTF-8"
            if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}
            else "rename it"
        )
        message = (
            f"is not read: a campaign reads its {stem} from {' or '.join(names)} only, "
            f"exactly so named ({how})"
        )
        problems.append(Problem(path.name, None, None, None, message))
    return problems


def _read_policy(
    folder: Path, hashes: dict[str, str]
) -> tuple[Policy, list[Problem], dict[str, object]]:
    """The policy, its problems, and its budgets as written (checked against the profiles'
    partnerships even when another key is invalid)."""
    data, problems = read_toml(folder / POLICY_FILE, hashes)
    if data is None:
        return Policy(), problems, {}
    policy, problems = check_policy(data, POLICY_FILE)
    budgets = data.get("budgets")
    return policy, problems, dict(budgets) if isinstance(budgets, dict) else {}


def _read_vocabulary(folder: Path, hashes: dict[str, str]) -> tuple[Vocabularies, list[Problem]]:
    data, problems = read_toml(folder / VOCABULARY_FILE, hashes)
    if data is None:
        return Vocabularies(), problems
    return campaign_words(data, Vocabularies())


def _frame_or_empty(table: RawTable | None, columns: tuple[str, ...]) -> pd.DataFrame:
    if table is not None:
        return table.frame
    return pd.DataFrame({column: pd.Series([], dtype=str) for column in columns})


# --- conversion of validated tables to canonical dtypes -----------------------------------


def _text(cells: pd.Series) -> pd.Series:
    return cells.astype(str)


def _canonical_lists(cells: pd.Series, column: str) -> pd.Series:
    elements = split_list(cells).map(LIST_ELEMENT_CANONICAL[column])
    by_row: dict[object, dict[object, None]] = {}  # each row's elements, once, in their order
    for index, element in zip(elements.index, elements.to_numpy(), strict=True):
        by_row.setdefault(index, {})[element] = None
    tuples: list[object] = [tuple(by_row.get(index, ())) for index in cells.index]  # () = empty
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
    """Accepted or completed exchanges without dates occupy no host capacity, and a row that
    repeats an earlier one is one decision (an export written twice): say so."""
    warnings = []
    repeated = history.duplicated(keep="first")
    undated = history["outcome"].isin(POSITIVE_OUTCOMES) & history["start"].isna() & ~repeated
    if undated.any():
        warnings.append(
            f"{file}: {int(undated.sum())} accepted or completed exchanges have no start/end "
            f"dates (rows {_rows(undated)}); they occupy no host capacity"
        )
    if repeated.any():
        warnings.append(
            f"{file}: {int(repeated.sum())} rows repeat an earlier row exactly (rows "
            f"{_rows(repeated)}); each decision counts once (the score model learns from it "
            "once)"
        )
    return warnings


def _rows(flags: pd.Series) -> str:
    """The data rows (from 1) where ``flags`` holds, the first ten."""
    rows = (flags[flags].index + 1).tolist()
    return ", ".join(str(row) for row in rows[:10]) + (" ..." if len(rows) > 10 else "")


def organisation_warnings(profiles: pd.DataFrame, file: str) -> list[str]:
    """An ``org_id`` whose profiles give different organisation types or countries: one
    organisation's physical visit, its SME status and ``same_organisation`` all follow the
    ``org_id``, so a mistyped id merges two organisations. Said, not refused (a cluster's
    profiles may be written differently)."""
    warnings = []
    for column, what in (("org_type", "organisation types"), ("country", "countries")):
        kinds = profiles.groupby("org_id")[column].nunique()
        mixed = kinds[kinds > 1].index.tolist()
        if mixed:
            shown = ", ".join(str(org) for org in mixed[:5]) + (" ..." if len(mixed) > 5 else "")
            warnings.append(
                f"{file}: {len(mixed)} org_id with profiles of different {what} ({shown}); "
                "one organisation's physical visit and SME status follow its org_id: "
                "is an id mistyped?"
            )
    return warnings


def canonical_quotas(raw: pd.DataFrame) -> pd.DataFrame:
    quotas = pd.DataFrame({column: _text(raw[column]) for column in QUOTA_COLUMNS})
    quotas["target"] = parse_int(raw["target"]).astype("int64")
    return quotas.reset_index(drop=True)


def matchable_warnings(profiles: pd.DataFrame, file: str) -> list[str]:
    """A side none of whose profiles is both published and validated: nothing can be matched
    tonight, and a night would write no proposal without saying why (the failures audit:
    every profile a draft, 'valid' and 'left out: nobody')."""
    matchable = (profiles["status"] == "published") & profiles["validated"].astype(bool)
    warnings = []
    for role in ("visitor", "host"):
        mine = profiles["role"] == role
        if not mine.any():
            warnings.append(f"{file}: no {role} profile: nothing can be matched")
        elif not (mine & matchable).any():
            warnings.append(
                f"{file}: none of the {int(mine.sum()):,} {role} profiles is both published "
                f"and validated: no {role} can be matched (a draft or an unvalidated profile "
                "is never eligible)"
            )
    return warnings
