"""Issue 16, one boundary: what a person can type is read once, every problem at once, with
its file, row and column. Each test is one defect of the issue that passed the loader before
(missing inputs read as empty, values that passed validate and crashed the run, ambiguous
tables), on the tiny valid campaign with one thing changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engine.domain.contract import Policy
from engine.domain.problems import CampaignInvalid, Problem
from engine.load.campaign import load_campaign

DATA = Path(__file__).parents[2] / "data"
VALID = DATA / "valid_tiny"
P, H, POLICY = "profiles.csv", "history.csv", "policy.toml"


def copy_valid(tmp_path: Path) -> Path:
    folder = tmp_path / "campaign"
    shutil.copytree(VALID, folder)
    return folder


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(folder)
    return caught.value.problems


def where(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(p.file, p.row, p.column, p.value) for p in problems]


def edit_csv(folder: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one cell (data row counted from 1) of a CSV table."""
    table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    table.loc[row - 1, column] = value
    table.to_csv(folder / name, index=False)


# --- files that are files ----------------------------------------------------------------


def test_history_that_is_a_folder_is_a_problem_not_no_history(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / H).unlink()
    (folder / H).mkdir()
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.column) == (H, None, None)
    assert problem.message == "is a folder, not a file"


def test_history_that_is_a_dangling_link_is_a_problem_not_no_history(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / H).unlink()
    (folder / H).symlink_to(tmp_path / "gone.csv")
    (problem,) = problems_of(folder)
    assert problem.file == H and "link to nothing" in problem.message


def test_policy_that_is_a_folder_is_a_problem_not_the_defaults(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / POLICY).unlink()
    (folder / POLICY).mkdir()
    assert [(p.file, p.message) for p in problems_of(folder)] == [
        (POLICY, "is a folder, not a file")
    ]


def test_profiles_that_are_a_folder_are_named(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / P).unlink()
    (folder / P).mkdir()
    assert [(p.file, p.message) for p in problems_of(folder)] == [(P, "is a folder, not a file")]


# --- values that passed validate and crashed the run -------------------------------------


def test_host_capacity_that_wraps_the_solver_integers_is_refused(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 3, "capacity", str(2**31))
    (problem,) = problems_of(folder)
    assert where([problem]) == [(P, 3, "capacity", str(2**31))]
    assert problem.message == "is more than 10,000"


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("quota_shortfall_penalty = inf", "quota_shortfall_penalty"),
        ("churn_penalty = nan", "churn_penalty"),
        ("hold_penalty = 1e300", "hold_penalty"),
        ("max_group_size = 100000000000000000000", "max_group_size"),
        ("group_event_bonus = -inf", "group_event_bonus"),
        ("slots_per_host = 100000000000000000000", "slots_per_host"),
        ("min_sme_share = nan", "min_sme_share"),
        ("generation_start = 2027-05-06T10:00:00", "generation_start"),
        ("generation_start = '2027-W18-4'", "generation_start"),
        ("generation_start = 20270506", "generation_start"),
        ("[lump_sums]\nDE = -500", "lump_sums.DE"),
        ("[lump_sums]\nDE = nan", "lump_sums.DE"),
        ("[budgets]\nEXTRATEX = inf", "budgets.EXTRATEX"),
    ],
)
def test_policy_values_that_are_not_finite_or_out_of_bounds_are_refused(
    tmp_path: Path, line: str, key: str
) -> None:
    folder = copy_valid(tmp_path)
    (folder / POLICY).write_text(line + "\n")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.column) == (POLICY, None, key)


def test_a_budget_for_an_unknown_partnership_is_refused(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / POLICY).write_text("min_sme_share = 2\n[budgets]\nEXTRATEKS = 1000\n")
    problems = problems_of(folder)
    assert where(problems) == [
        (POLICY, None, "budgets.EXTRATEKS", "1000"),
        (POLICY, None, "min_sme_share", "2"),  # every problem at once
    ]
    assert "names no partnership" in problems[0].message


@pytest.mark.parametrize("day", ["2262-04-12", "2300-04-11", "9999-12-31", "0001-01-01"])
def test_a_date_outside_the_plausible_range_is_a_problem_not_a_crash(
    tmp_path: Path, day: str
) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 2, "available_to", day)
    edit_csv(folder, H, 1, "decided_on", day)
    problems = problems_of(folder)
    assert {(p.file, p.row, p.column) for p in problems} >= {
        (P, 2, "available_to"),
        (H, 1, "decided_on"),
    }
    assert all("plausible dates 2000-01-01..2099-12-31" in p.message for p in problems[:1])


def test_the_plausible_range_is_configurable(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / POLICY).write_text("earliest_date = 2025-01-01\nlatest_date = 2025-12-31\n")
    assert where(problems_of(folder)) == [
        (H, 1, "decided_on", "2024-11-05"),
        (H, 2, "decided_on", "2024-12-01"),
    ]
    (folder / POLICY).write_text("earliest_date = 2024-01-01\nlatest_date = 2300-01-01\n")
    assert where(problems_of(folder)) == [(POLICY, None, "latest_date", "2300-01-01")]


@pytest.mark.parametrize(
    "text",
    ["20250301", "2025-W18-4", "2025-03-01T10:00:00", "2025-03-01 10:00", "31/02/2025", "3/1/25"],
)
def test_dates_in_no_known_format_are_refused(tmp_path: Path, text: str) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 1, "available_from", text)
    (problem,) = problems_of(folder)
    assert where([problem]) == [(P, 1, "available_from", text)]
    assert problem.message == (
        "is not a date (YYYY-MM-DD, DD/MM/YYYY or 'August 10th, 2021': the day first)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-01",
        "2025-03-01 00:00:00",  # as Excel and pandas write a date
        "01/03/2025",  # the IT tool's day first (seed 002: "10/08/2021", August 10th)
        "1.3.2025",  # seed 000: "15.01.2021"
        "March 1st, 2025",  # seed 002: "August 10th, 2021"
        "1st of March 2025",  # seed 000: "the 18th of November 2020"
        "1 Mar 2025",
    ],
)
def test_dates_as_the_it_tool_writes_them_are_read_day_first(tmp_path: Path, text: str) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 1, "available_from", text)
    profiles = load_campaign(folder).profiles
    first = profiles["available_from"].iloc[0]
    assert pd.Timestamp(first) == pd.Timestamp("2025-03-01")


def test_a_campaign_without_profile_rows_is_refused(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    header = (folder / P).read_text().splitlines()[0]
    (folder / P).write_text(header + "\n")
    (folder / H).write_text("visitor_id,host_id,decided_on,outcome,mode\n")
    (folder / "quotas.csv").write_text("partnership,category,target\n")
    assert [(p.file, p.message) for p in problems_of(folder)] == [
        (P, "has no profile rows: a campaign needs profiles")
    ]


def test_a_quota_target_too_large_for_the_solver_is_refused(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, "quotas.csv", 2, "target", "999999999999")
    assert where(problems_of(folder)) == [("quotas.csv", 2, "target", "999999999999")]


# --- ambiguous tables --------------------------------------------------------------------


def test_a_column_name_twice_after_trimming_is_a_problem(tmp_path: Path) -> None:
    """'capacity' and ' capacity': the spaced one silently won and hosts got more visitors."""
    folder = copy_valid(tmp_path)
    table = pd.read_csv(folder / P, dtype=str, keep_default_na=False)
    table[" capacity"] = "50"
    table.to_csv(folder / P, index=False)
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.column) == (P, None, "capacity")
    assert "2 times (columns 21, 29, as 'capacity', ' capacity')" in problem.message


def test_a_column_twice_hides_no_other_problem_of_its_file(tmp_path: Path) -> None:
    """The audit: the duplicate was the only problem listed; the file's missing column and
    its bad cells came only once it was fixed."""
    folder = copy_valid(tmp_path)
    table = pd.read_csv(folder / P, dtype=str, keep_default_na=False)
    table[" capacity"] = "50"
    table.loc[0, "country"] = "NO"
    table.drop(columns=["org_type"]).to_csv(folder / P, index=False)
    found = where(problems_of(folder))
    assert (P, None, "capacity", None) in found
    assert (P, None, "org_type", None) in found
    assert (P, 1, "country", "NO") in found


def test_a_repeated_header_is_a_problem_not_a_warning(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    lines = (folder / "quotas.csv").read_text().splitlines()
    lines = [lines[0] + ",Target"] + [line + ",1" for line in lines[1:]]
    (folder / "quotas.csv").write_text("\n".join(lines) + "\n")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.column) == ("quotas.csv", "target")
    assert "columns 3, 4" in problem.message


def test_profile_ids_differing_only_in_case_are_one_id(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 2, "profile_id", "v1")
    problems = problems_of(folder)
    assert where(problems) == [(H, 2, "visitor_id", "V2"), (P, 2, "profile_id", "v1")]
    assert "differs only in case from profile_id 'V1' (row 1)" in problems[1].message


def test_organisation_ids_differing_only_in_case_are_one_organisation(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 3, "org_id", "org1")
    assert where(problems_of(folder)) == [(P, 3, "org_id", "org1")]


def test_a_history_id_in_another_case_says_which_profile(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, H, 1, "visitor_id", "v1")
    (problem,) = problems_of(folder)
    assert where([problem]) == [(H, 1, "visitor_id", "v1")]
    assert "did you mean 'V1'?" in problem.message


def test_a_pair_both_accepted_and_rejected_is_a_history_problem(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-12-10,Rejected,physical\n")  # row 3; row 1 accepted it
        history.write("V1,H1,2024-12-11,completed,physical\n")  # an exchange again: agrees
    (problem,) = problems_of(folder)
    assert where([problem]) == [(H, 3, "outcome", "Rejected")]  # as the file has it
    assert "contradicts row 1 (accepted) for the pair V1 -> H1" in problem.message


def test_an_accepted_exchange_cancelled_later_is_a_cancellation(tmp_path: Path) -> None:
    """The nights audit: an export holding an exchange ("Confirmed") and its later
    cancellation ("Canceled") was refused as a contradiction; it is how an exchange is
    cancelled. The exchange then counts nowhere; the pair is blocked as any cancellation."""
    folder = copy_valid(tmp_path)
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-11-20,Canceled,physical\n")  # row 3; row 1 accepted it
    campaign = load_campaign(folder)
    pair = campaign.history[
        (campaign.history["visitor_id"] == "V1") & (campaign.history["host_id"] == "H1")
    ]
    assert pair["outcome"].tolist() == ["cancelled"]
    # cancelled before it was accepted: the rows contradict each other
    folder = copy_valid(tmp_path / "before")
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-11-01,Canceled,physical\n")
    (problem,) = problems_of(folder)
    assert where([problem]) == [(H, 3, "outcome", "Canceled")]
    assert "contradicts row 1 (accepted)" in problem.message


def test_parquet_binary_org_name_is_read_as_text(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    table = pd.read_csv(folder / P, dtype=str, keep_default_na=False)
    (folder / P).unlink()
    arrays = {
        column: pa.array(
            [value.encode() for value in table[column]]
            if column == "org_name"
            else table[column].tolist(),
            type=pa.binary() if column == "org_name" else pa.string(),
        )
        for column in table.columns
    }
    pq.write_table(pa.table(arrays), folder / "profiles.parquet")
    names = load_campaign(folder).profiles["org_name"].tolist()
    assert names == [
        "Athens Mobility",
        "Pristina Textile Cluster",
        "Stuttgart Tech Centre",
        "Big Motors",
    ]


def test_parquet_binary_that_is_not_utf8_is_a_problem_of_its_cell(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    table = pd.read_csv(folder / P, dtype=str, keep_default_na=False)
    (folder / P).unlink()
    names = [value.encode() for value in table["org_name"]]
    names[1] = b"\xff\xfe Cluster"
    arrays = {column: pa.array(table[column].tolist()) for column in table.columns}
    arrays["org_name"] = pa.array(names, type=pa.binary())
    pq.write_table(pa.table(arrays), folder / "profiles.parquet")
    problems = problems_of(folder)
    assert [(p.file, p.row, p.column, p.message) for p in problems] == [
        ("profiles.parquet", 2, "org_name", "is not UTF-8 text"),
    ]


def test_every_boundary_problem_at_once(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 3, "capacity", str(2**40))
    edit_csv(folder, P, 2, "profile_id", "v1")
    (folder / "quotas.csv").unlink()
    (folder / "quotas.csv").mkdir()
    (folder / POLICY).write_text("hold_penalty = inf\n")
    assert where(problems_of(folder)) == [
        (H, 2, "visitor_id", "V2"),
        (POLICY, None, "hold_penalty", "inf"),
        (P, 2, "profile_id", "v1"),
        (P, 3, "capacity", str(2**40)),
        ("quotas.csv", None, None, None),
    ]


def test_policy_defaults_are_inside_their_bounds() -> None:
    policy = Policy()
    assert policy.plausible(policy.earliest_date) and policy.plausible(policy.latest_date)


@pytest.mark.parametrize(("name", "column"), [("quotas.csv", "target"), (H, "visitor_id")])
def test_an_empty_optional_table_says_it_is_empty_and_its_columns(
    tmp_path: Path, name: str, column: str
) -> None:
    """The audit: a 0-byte quotas.csv said pandas' "No columns to parse from file"."""
    folder = copy_valid(tmp_path)
    (folder / name).write_bytes(b"\xef\xbb\xbf\r\n")
    problems = [p for p in problems_of(folder) if p.file == name]
    assert len(problems) == 1
    assert problems[0].message.startswith("is empty: not even a header line")
    assert column in problems[0].message and "No columns" not in problems[0].message


def test_a_very_long_text_cell_is_read(tmp_path: Path) -> None:
    """The audit: an offer of 140,000 characters refused the campaign ("field larger than
    field limit (131072)", no row, no column): a person may paste any text."""
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 1, "offer", "battery testing " * 10_000)
    campaign = load_campaign(folder)
    offer = campaign.profiles.set_index("profile_id")["offer"].iloc[0]
    assert len(offer) >= 159_000


def test_a_virtual_exchange_and_a_rejected_physical_one_of_a_pair_are_no_contradiction(
    tmp_path: Path,
) -> None:
    """Seed 000: a virtual exchange does not prevent a physical one; each has its outcome."""
    folder = copy_valid(tmp_path)
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-12-10,completed,virtual\n")  # row 1 accepted it physically
    load_campaign(folder)
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-12-11,rejected,virtual\n")  # the virtual one refused now
    (problem,) = problems_of(folder)
    assert where([problem]) == [(H, 4, "outcome", "rejected")]
    assert "contradicts row 3 (completed) for the pair V1 -> H1 (virtual)" in problem.message


def test_a_problem_shows_the_cell_as_the_file_has_it(tmp_path: Path) -> None:
    """The loading audit: "'large_company' may only host" for a row that says "Large
    enterprise", and "'rejected' contradicts row 1" for "Rejected": what a search of the
    file cannot find."""
    folder = copy_valid(tmp_path)
    edit_csv(folder, P, 1, "org_type", "Large enterprise")
    with (folder / H).open("a") as history:
        history.write("V1,H1,2024-11-06,Rejected,physical\n")
    shown = {(p.file, p.row, p.column): p.value for p in problems_of(folder)}
    assert shown == {(P, 1, "org_type"): "Large enterprise", (H, 3, "outcome"): "Rejected"}
