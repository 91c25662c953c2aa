"""Loading and validation of campaign folders (fixtures in tests/data, named after their defect)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from engine.domain.contract import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL_COLUMNS,
    QUOTA_COLUMNS,
    Campaign,
    Policy,
)
from engine.domain.problems import CampaignInvalid, Problem
from engine.load.campaign import load_campaign
from engine.load.cells import parse_bool, parse_dates, parse_int
from engine.load.validation import check_profiles

DATA = Path(__file__).parents[2] / "data"
VALID = DATA / "valid_tiny"

Position = tuple[str, int | None, str | None, str | None]  # file, row, column, value


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(folder)
    return caught.value.problems


def positions(problems: list[Problem]) -> list[Position]:
    return sorted(
        ((p.file, p.row, p.column, p.value) for p in problems),
        key=lambda position: (position[0], position[1] or 0, position[2] or ""),
    )


def copy_valid(tmp_path: Path) -> Path:
    folder = tmp_path / "campaign"
    shutil.copytree(VALID, folder)
    return folder


# --- the valid campaign ------------------------------------------------------------------


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return load_campaign(VALID)


def test_valid_tiny_has_canonical_codes(campaign: Campaign) -> None:
    profiles = campaign.profiles.set_index("profile_id")
    assert profiles.loc["V1", "country"] == "GR"  # EL is the EU code of Greece
    assert profiles.loc["V2", "country"] == "XK"
    assert profiles.loc["V1", "sectors"] == ("C29", "C30")  # from '29;c30'
    assert profiles.loc["V1", "languages"] == ("en", "el")  # from 'EN;el'
    assert profiles.loc["V1", "target_countries"] == ("DE", "XK")
    assert profiles.loc["H2", "target_countries"] == ("GR",)
    assert profiles.loc["V1", "exchange_types"] == (
        "research_development_innovation",
        "learning_skills",
    )
    assert profiles.loc["V2", "target_org_types"] == ()  # empty cell = no preference


def test_valid_tiny_has_canonical_dtypes(campaign: Campaign) -> None:
    profiles = campaign.profiles
    assert list(profiles.index) == [0, 1, 2, 3]
    for column in ("min_days", "max_days", "capacity"):
        assert profiles[column].dtype == "int64", column
    assert profiles["validated"].dtype == bool
    assert profiles["validated"].tolist() == [True, True, True, False]  # true, YES, 1, no
    assert profiles["capacity"].tolist() == [1, 1, 2, 3]  # visitors without capacity get 1
    assert profiles["available_from"].dtype == "datetime64[ns]"
    assert profiles.loc[0, "available_from"] == pd.Timestamp("2025-03-01")
    assert profiles["contact_email"].tolist() == ["ana@example.org", "", "", ""]
    assert all(isinstance(value, tuple) for value in profiles["sectors"])
    assert campaign.history["decided_on"].dtype == "datetime64[ns]"
    assert campaign.history["decided_on"].tolist() == [
        pd.Timestamp("2024-11-05"),
        pd.Timestamp("2024-12-01"),
    ]
    assert campaign.quotas["target"].dtype == "int64"
    assert campaign.quotas["target"].tolist() == [25, 50, 5]


def test_valid_tiny_name_policy_and_hashes(campaign: Campaign) -> None:
    assert campaign.name == "valid_tiny"
    assert campaign.policy == Policy(max_group_size=3)
    assert set(campaign.input_hashes) == {
        "profiles.csv",
        "history.csv",
        "quotas.csv",
        "policy.toml",
    }
    expected = hashlib.sha256((VALID / "profiles.csv").read_bytes()).hexdigest()
    assert campaign.input_hashes["profiles.csv"] == expected


def test_optional_tables_and_policy_default_to_empty(tmp_path: Path) -> None:
    folder = tmp_path / "only_profiles"
    folder.mkdir()
    shutil.copy(VALID / "profiles.csv", folder)
    campaign = load_campaign(folder)
    assert campaign.policy == Policy()
    assert list(campaign.history.columns) == [*HISTORY_COLUMNS, *HISTORY_OPTIONAL_COLUMNS]
    assert list(campaign.quotas.columns) == list(QUOTA_COLUMNS)
    assert len(campaign.history) == 0 and len(campaign.quotas) == 0
    assert campaign.history["decided_on"].dtype == "datetime64[ns]"
    assert campaign.quotas["target"].dtype == "int64"
    assert set(campaign.input_hashes) == {"profiles.csv"}


# --- Parquet and CSV ---------------------------------------------------------------------


def _as_typed_parquet(campaign: Campaign, folder: Path) -> None:
    """Write the campaign's tables as Parquet with native types (list columns as lists)."""
    profiles = campaign.profiles.copy()
    for column in ("sectors", "languages", "target_countries"):
        profiles[column] = profiles[column].map(list)
    profiles["capacity"] = profiles["capacity"].astype("Int64").where(profiles["role"] == "host")
    profiles.to_parquet(folder / "profiles.parquet")
    campaign.history.to_parquet(folder / "history.parquet")
    campaign.quotas.to_parquet(folder / "quotas.parquet")


def test_a_file_named_like_a_campaign_file_but_not_read_is_a_problem(tmp_path: Path) -> None:
    """The audit: History.csv, history.xlsx or quotas.txt were read as absent: the history's
    rejections lost (rejected pairs proposed again), the targets gone, exit 0."""
    folder = copy_valid(tmp_path)
    (folder / "history.csv").rename(folder / "History.csv")
    (folder / "quotas.xlsx").write_bytes(b"PK")  # a workbook beside quotas.csv
    (folder / "policy.toml.example").write_text("")  # not a campaign file: not a problem
    (folder / "history.csv.bak").write_text("")
    problems = problems_of(folder)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("History.csv", None, None),
        ("quotas.xlsx", None, None),
    ]
    assert "reads its history from history.csv or history.parquet only" in problems[0].message
    assert "save it as CSV UTF-8" in problems[1].message


def test_typed_parquet_loads_like_csv(tmp_path: Path, campaign: Campaign) -> None:
    folder = tmp_path / "parquet"
    folder.mkdir()
    shutil.copy(VALID / "policy.toml", folder)
    _as_typed_parquet(campaign, folder)
    loaded = load_campaign(folder)
    pd.testing.assert_frame_equal(loaded.profiles, campaign.profiles)
    pd.testing.assert_frame_equal(loaded.history, campaign.history)
    pd.testing.assert_frame_equal(loaded.quotas, campaign.quotas)


def test_parquet_of_joined_strings_loads_like_csv(tmp_path: Path, campaign: Campaign) -> None:
    folder = tmp_path / "parquet_text"
    folder.mkdir()
    shutil.copy(VALID / "policy.toml", folder)
    for table in ("profiles", "history", "quotas"):
        text = pd.read_csv(VALID / f"{table}.csv", dtype=str, keep_default_na=False)
        text.to_parquet(folder / f"{table}.parquet")
    loaded = load_campaign(folder)
    pd.testing.assert_frame_equal(loaded.profiles, campaign.profiles)
    pd.testing.assert_frame_equal(loaded.history, campaign.history)
    pd.testing.assert_frame_equal(loaded.quotas, campaign.quotas)


def test_csv_and_parquet_of_one_table_is_a_problem(tmp_path: Path, campaign: Campaign) -> None:
    folder = copy_valid(tmp_path)
    campaign.quotas.to_parquet(folder / "quotas.parquet")
    problems = problems_of(folder)
    assert [(p.file, p.row, p.column) for p in problems] == [("quotas.csv", None, None)]
    assert "quotas.parquet" in problems[0].message


# --- one defect per fixture --------------------------------------------------------------

P = "profiles.csv"
DEFECTS: dict[str, list[Position]] = {
    "bad_country_norway": [(P, 2, "country", "NO")],
    "bad_target_country_uk": [(P, 4, "target_countries", "GB")],
    "bad_nace_code": [(P, 1, "sectors", "A29"), (P, 3, "target_sectors", "C99")],
    "bad_language_code": [(P, 2, "languages", "englsh")],
    "bad_dates": [(P, 1, "available_from", "2025-13-01"), (P, 3, "available_to", "2024-12-31")],
    "bad_days": [(P, 1, "min_days", "3.5"), (P, 2, "max_days", "24"), (P, 3, "min_days", "10")],
    "bad_validated_flag": [(P, 4, "validated", "maybe")],
    "bad_duplicate_profile_id": [
        (P, 1, "profile_id", "V1"),
        (P, 4, "profile_id", "V1"),
        (P, 5, "profile_id", "V1"),
    ],
    "bad_visitor_large_company": [(P, 2, "org_type", "large_company")],
    "bad_host_capacity": [
        (P, 1, "capacity", "0"),
        (P, 3, "capacity", ""),
        (P, 4, "capacity", "two"),
    ],
    "bad_missing_column": [(P, None, "capacity", None), (P, None, "languages", None)],
    "bad_empty_values": [(P, 1, "org_id", ""), (P, 3, "country", ""), (P, 4, "partnership", "")],
    "bad_enum_values": [
        (P, 1, "exchange_types", "internship"),
        (P, 1, "role", "guest"),
        (P, 2, "org_type", "startup"),
        (P, 3, "mode", "hybrid"),
        (P, 3, "target_org_types", "university"),
        (P, 4, "status", "archived"),
    ],
    "bad_history_profiles": [
        ("history.csv", 2, "visitor_id", "V9"),
        ("history.csv", 3, "decided_on", "2024/11/05"),
        ("history.csv", 3, "host_id", "V1"),
    ],
    "bad_quotas": [
        ("quotas.csv", 1, "category", "sme"),
        ("quotas.csv", 2, "partnership", "BLUES"),
        ("quotas.csv", 3, "target", "-1"),
        ("quotas.csv", 4, "category", "sme"),
        ("quotas.csv", 5, "target", "2.5"),
    ],
    "bad_policy_unknown_key": [("policy.toml", None, "max_group_sise", "3")],
    "bad_policy_days_order": [("policy.toml", None, "min_days", "10")],
    "bad_missing_profiles": [(P, None, None, None)],
}


@pytest.mark.parametrize("folder", sorted(DEFECTS))
def test_each_defect_is_reported_where_it_is(folder: str) -> None:
    assert positions(problems_of(DATA / folder)) == sorted(
        DEFECTS[folder], key=lambda position: (position[0], position[1] or 0, position[2] or "")
    )


def test_norway_message_names_the_country() -> None:
    (problem,) = problems_of(DATA / "bad_country_norway")
    assert str(problem) == (
        "profiles.csv row 2, column country: 'NO' is not a COSME participating country (Norway)"
    )


def test_duplicate_profile_id_names_the_other_rows() -> None:
    first = problems_of(DATA / "bad_duplicate_profile_id")[0]
    assert first.row == 1 and "rows 4, 5" in first.message


def test_history_role_mismatch_is_explained() -> None:
    problems = {p.column: p for p in problems_of(DATA / "bad_history_profiles") if p.row == 3}
    assert problems["host_id"].message == "is a visitor profile, not a host"


def test_every_problem_of_every_file_at_once() -> None:
    problems = problems_of(DATA / "bad_many_defects")
    H, Q = "history.csv", "quotas.csv"
    assert positions(problems) == [
        (H, 2, "decided_on", "yesterday"),
        (H, 2, "host_id", "V3"),
        (H, 2, "mode", "either"),
        (H, 2, "outcome", "maybe"),
        (H, 2, "visitor_id", "H1"),
        (H, 3, "visitor_id", "GHOST"),
        ("policy.toml", None, "max_group_sise", "3"),
        (P, 1, "available_to", "2025-02-01"),
        (P, 1, "country", "NO"),
        (P, 1, "exchange_types", "consulting"),
        (P, 1, "languages", "xx"),
        (P, 1, "min_days", "three"),
        (P, 1, "profile_id", "V1"),
        (P, 1, "sectors", "A29"),
        (P, 1, "target_countries", "CH"),
        (P, 1, "target_org_types", "startup"),
        (P, 1, "target_sectors", "C99"),
        (P, 1, "validated", "maybe"),
        (P, 2, "available_from", "2025-02-30"),
        (P, 2, "country", ""),
        (P, 2, "max_days", "30"),
        (P, 2, "min_days", "2"),
        (P, 2, "mode", "train"),
        (P, 2, "org_id", ""),
        (P, 2, "profile_id", "V1"),
        (P, 2, "role", "guest"),
        (P, 2, "status", "pending"),
        (P, 3, "capacity", "0"),
        (P, 3, "min_days", "8"),
        (P, 4, "languages", ""),
        (P, 4, "org_type", "large_company"),
        (P, 4, "sectors", ""),
        (P, 5, "capacity", ""),
        (Q, 1, "category", "sme"),
        (Q, 2, "category", "sme"),
        (Q, 3, "partnership", "UNKNOWN"),
        (Q, 3, "target", "-3"),
        (Q, 4, "category", "founders"),
        (Q, 4, "target", "ten"),
    ]


def test_campaign_invalid_lists_every_problem_one_per_line() -> None:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(DATA / "bad_many_defects")
    lines = str(caught.value).splitlines()
    assert lines[0] == "campaign 'bad_many_defects' is invalid: 39 problems"
    assert len(lines) == 1 + len(caught.value.problems)
    assert (
        "  profiles.csv row 1, column target_countries: 'CH' is not a COSME participating"
        " country (Switzerland)"
    ) in lines


# --- policy ------------------------------------------------------------------------------


def test_the_programme_s_day_range_applies_to_profiles_a_policy_narrows_pairs(
    tmp_path: Path,
) -> None:
    """A profile's stays lie within the programme's 3..23 working days; a policy narrower
    than a profile's refuses no profile (the audit: policy 4..4 refused every 3..5 profile):
    eligibility takes the tighter of both for each pair."""
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text("min_days = 4\nmax_days = 10\n")
    assert load_campaign(folder).policy.min_days == 4
    path = folder / "profiles.csv"
    lines = path.read_text("utf-8").splitlines()
    lines[1] = lines[1].replace(",3,5,", ",2,5,", 1)  # V1: shortest stay 2 days
    path.write_text("\n".join(lines) + "\n", "utf-8")
    assert positions(problems_of(folder)) == [(P, 1, "min_days", "2")]


def test_policy_problems_are_all_reported_with_their_key(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text(
        "min_days = 9\nmax_days = 4\nmin_sme_share = 2\ncolour = 'red'\n"
    )
    assert positions(problems_of(folder)) == [
        ("policy.toml", None, "colour", "red"),
        ("policy.toml", None, "min_days", "9"),
        ("policy.toml", None, "min_sme_share", "2"),
    ]


def test_lump_sum_countries_are_checked_beside_a_bad_amount(tmp_path: Path) -> None:
    """A bad amount once hid the table's countries that are no COSME country (pydantic checks
    them once every amount is valid); valid amounts: one problem naming them all."""
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text("[lump_sums]\nDE = 20000\nNO = 500\nXX = 400\n")
    assert positions(problems_of(folder)) == [
        ("policy.toml", None, "lump_sums.DE", "20000"),
        ("policy.toml", None, "lump_sums.NO", "500"),
        ("policy.toml", None, "lump_sums.XX", "400"),
    ]
    (folder / "policy.toml").write_text("[lump_sums]\nDE = 900\nNO = 500\n")
    (problem,) = problems_of(folder)
    assert problem.column == "lump_sums" and "NO" in problem.message


def test_policy_that_is_not_toml_is_a_problem(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text("min_days = = 3\n")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.column) == ("policy.toml", None, None)
    assert "not valid TOML" in problem.message


# --- checks on frames ---------------------------------------------------------------------


def test_check_profiles_on_a_frame_counts_rows_from_one() -> None:
    raw = pd.read_csv(VALID / "profiles.csv", dtype=str, keep_default_na=False)
    assert check_profiles(raw, Policy()) == []
    raw.loc[2, "languages"] = "de;EN;zz"
    (problem,) = check_profiles(raw, Policy(), file="profiles.parquet")
    assert problem == Problem(
        "profiles.parquet",
        3,
        "languages",
        "zz",
        "is not a known language (an ISO 639-1 or 639-2 code such as de or deu, or an English"
        " name such as German)",
    )


def test_parsers_refuse_what_pandas_would_coerce() -> None:
    integers = parse_int(pd.Series(["3", "-2", "3.5", "1e3", "99999999999999999999", ""]))
    assert integers.isna().tolist() == [False, False, True, True, True, True]
    dates = parse_dates(  # no time of day, no month first (the IT tool's day first is read)
        pd.Series(["2025-01-31", "2025-01-31T10:30:00", "2025-01-31T00:00+01:00", "01/31/2025"])
    )
    assert dates.isna().tolist() == [False, True, True, True]
    assert dates[0] == pd.Timestamp("2025-01-31")
    flags = parse_bool(pd.Series(["TRUE", "No", "1", "0", "y", ""]))
    assert flags.tolist() == [True, False, True, False, pd.NA, pd.NA]


def test_policy_days_out_of_order_is_one_problem(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text("max_days = 4\nmin_days = 5\n")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.column, problem.value, problem.message) == (
        "policy.toml",
        "min_days",
        "5",
        "is greater than max_days (4)",
    )


def test_unreadable_table_is_a_problem_with_the_others(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / "history.csv").write_bytes(b"")
    (folder / "policy.toml").write_text("colour = 'red'\n")
    problems = problems_of(folder)
    assert [(p.file, p.column) for p in problems] == [
        ("history.csv", None),
        ("policy.toml", "colour"),
    ]
    assert "is empty" in problems[0].message


def test_a_table_saved_as_windows_1252_names_its_line_and_the_way_to_save_it(
    tmp_path: Path,
) -> None:
    """Excel's plain "CSV" in western Europe is Windows-1252: one problem naming the first
    line that is not UTF-8 and how to save the file, never the codec's message."""
    folder = copy_valid(tmp_path)
    path = folder / "profiles.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ",Soci\u00e9t\u00e9 ", 1)
    path.write_bytes("".join(lines).encode("cp1252"))
    problems = [p for p in problems_of(folder) if p.file == "profiles.csv"]
    assert [str(p) for p in problems] == [
        "profiles.csv: cannot be read: line 4 is not UTF-8 text (byte 0xE9): save the file as "
        '"CSV UTF-8" (a spreadsheet\'s plain "CSV" is often Windows-1252)'
    ]


def test_problem_str_without_row_or_value() -> None:
    problem = Problem("profiles.csv", None, "capacity", None, "required column is missing")
    assert str(problem) == "profiles.csv, column capacity: required column is missing"


def test_a_policy_value_of_the_wrong_type_is_refused_not_coerced(tmp_path: Path) -> None:
    """The audit: `min_sme_share = true` ran with a share of 100%, `"no"` read as False,
    `"5"` as 5, `slots_per_host = true` as 1: a person's value is read as written."""
    folder = copy_valid(tmp_path)
    (folder / "policy.toml").write_text(
        'min_sme_share = true\nrequire_common_language = "no"\nmax_group_size = "5"\n'
        "slots_per_host = true\nlead_days = 14.0\n"
    )
    found = {p.column: (p.value, p.message) for p in problems_of(folder)}
    assert found == {
        "min_sme_share": ("true", "is invalid: write a number"),
        "require_common_language": ("no", "is invalid: write true or false (no quotes)"),
        "max_group_size": ("5", "is invalid: write a whole number (no quotes)"),
        # "(no quotes)" only where the value was quoted (the failures audit)
        "slots_per_host": ("true", "is invalid: write a whole number"),
        "lead_days": ("14.0", "is invalid: write a whole number"),
    }
    (folder / "policy.toml").write_text("min_sme_share = 1\nquota_shortfall_penalty = 500\n")
    policy = load_campaign(folder).policy  # a whole number where a number is asked is one
    assert policy.min_sme_share == 1.0 and policy.quota_shortfall_penalty == 500.0


def test_rows_of_empty_cells_are_skipped_as_blank_lines_are(tmp_path: Path) -> None:
    """The audit: three ",,,," rows (a spreadsheet's formatted rows left empty) gave 48
    problems, one per empty required cell."""
    folder = copy_valid(tmp_path)
    path = folder / "profiles.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    empty = "," * (lines[0].count(","))
    path.write_text("\n".join([lines[0], empty, *lines[1:], empty, empty]) + "\n", "utf-8")
    loaded = load_campaign(folder)
    assert len(loaded.profiles) == len(lines) - 1
    lines[2] = lines[2].replace(",XK,", ",Narnia,", 1)  # the second data row: V2
    path.write_text("\n".join([lines[0], empty, *lines[1:]]) + "\n", "utf-8")
    (problem,) = problems_of(folder)
    assert (problem.row, problem.column, problem.value) == (2, "country", "Narnia")


def test_a_title_row_above_the_header_is_said_so(tmp_path: Path) -> None:
    """The audit: a title line above the header gave the CSV parser's own words ("Error
    tokenizing data. C error: Expected 4 fields in line 2, saw 28"), or, padded to the
    header's width, one "required column is missing" per column."""
    folder = copy_valid(tmp_path)
    path = folder / "profiles.csv"
    text = path.read_text(encoding="utf-8")
    width = text.splitlines()[0].count(",")
    path.write_text("ClusterXchange profiles export\n" + text, encoding="utf-8")
    (ragged,) = problems_of(folder)
    assert ragged.file == "profiles.csv" and ragged.message.startswith(
        f"cannot be read: line 2 has {width + 1} cells where line 1 has 1: the header must be "
        "the first line (is there a title row above it?)"
    )
    path.write_text("ClusterXchange profiles export" + "," * width + "\n" + text, "utf-8")
    (padded,) = problems_of(folder)
    assert padded.message.startswith("line 1 names none of its columns (profile_id, role,")
    assert "and line 2 does: the header must be the first line" in padded.message


def test_one_org_id_of_two_organisation_types_or_countries_is_said(tmp_path: Path) -> None:
    """The audit: ORG00005 named an SME in Greece and a cluster in Spain, silently: its
    physical visit, SME status and same_organisation follow the id."""
    folder = copy_valid(tmp_path)
    assert not [w for w in load_campaign(folder).warnings if "org_id" in w]
    path = folder / "profiles.csv"
    path.write_text(path.read_text("utf-8").replace(",ORG2,", ",ORG1,", 1), "utf-8")
    warnings = [w for w in load_campaign(folder).warnings if "org_id" in w]
    assert [w.split(" (")[0] for w in warnings] == [
        "profiles.csv: 1 org_id with profiles of different organisation types",
        "profiles.csv: 1 org_id with profiles of different countries",
    ]


def test_control_characters_in_a_cell_are_read_as_spaces(tmp_path: Path, caplog) -> None:
    """The failures audit: an org_name 'Ctl\\x01\\x0b Org \\x00' was valid and went raw into
    the proposals and the report (a binary file to grep) while the workbook showed U+FFFD."""
    folder = copy_valid(tmp_path)
    path = folder / "profiles.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, "org_name"] = "Ctl\x01\x0bOrg\x7f \x00"
    table.to_csv(path, index=False)
    with caplog.at_level("WARNING"):
        loaded = load_campaign(folder)
    name = loaded.profiles.loc[0, "org_name"]
    assert name == "Ctl  Org"
    assert "1 cell held control characters" in caplog.text
