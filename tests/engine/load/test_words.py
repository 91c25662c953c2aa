"""A campaign in the IT tool's words: read as codes at the boundary, every unknown word
reported where it is with a did-you-mean, the campaign's own vocabulary.toml, and partnership
spellings that differ only in case or spaces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from engine.domain.problems import CampaignInvalid, Problem
from engine.load.campaign import load_campaign, read_campaign

DATA = Path(__file__).parents[2] / "data"
VALID = DATA / "valid_tiny"


def copy_valid(tmp_path: Path, name: str = "campaign") -> Path:
    folder = tmp_path / name
    shutil.copytree(VALID, folder)
    return folder


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def edit(folder: Path, table: str, row: int, column: str, value: str) -> None:
    frame = read(folder, table)
    frame.loc[row - 1, column] = value
    frame.to_csv(folder / f"{table}.csv", index=False)


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(folder)
    return caught.value.problems


# one unknown word per field: (table, row, column, value, the suggestion the message names)
DID_YOU_MEAN = [
    ("profiles", 1, "org_type", "Technologie centre", "'Technology centre'"),
    ("profiles", 1, "target_org_types", "technology_centre;Reserch institute",
     "'Research institute'"),
    ("profiles", 1, "exchange_types", "Networking and event", "'Networking and events'"),
    ("profiles", 1, "country", "Grece", "'Greece' (GR)"),
    ("profiles", 1, "target_countries", "Germany;Portugl", "'Portugal' (PT)"),
    ("profiles", 1, "languages", "English;Germn", "'German' (de)"),
    ("profiles", 1, "sectors", "Manufacture of motor vehicle",
     "'Manufacture of motor vehicles, trailers and semi-trailers' (C29)"),
    ("profiles", 1, "target_sectors", "Scientific research and developmnt",
     "'Scientific research and development' (M72)"),
    ("profiles", 1, "role", "Visiter", "'Visiting organisation'"),
    ("profiles", 1, "mode", "Virtuel", "'Virtual'"),
    ("profiles", 1, "status", "Publised", "'Published'"),
    ("history", 1, "outcome", "Acepted", "'Accepted'"),
    ("history", 1, "mode", "Phisical", "'Physical'"),
    ("quotas", 1, "category", "Tecnology centre", "'Technology centre'"),
    ("quotas", 1, "partnership", "RECiPE4Mobilty", "'RECiPE4Mobility'"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "row", "column", "value", "suggestion"), DID_YOU_MEAN)
def test_an_unknown_word_gets_a_did_you_mean(
    tmp_path: Path, table: str, row: int, column: str, value: str, suggestion: str
) -> None:
    folder = copy_valid(tmp_path)
    edit(folder, table, row, column, value)
    if column == "role":  # else history would also say V1 is no visitor
        (folder / "history.csv").unlink()
    (problem,) = problems_of(folder)
    wrong = value.split(";")[-1]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        f"{table}.csv",
        row,
        column,
        wrong,
    )
    assert problem.message.endswith(f"did you mean {suggestion}?"), problem.message


def test_every_unknown_word_is_listed_at_once(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    for table, row, column, value, _ in DID_YOU_MEAN:
        edit(folder, table, row, column, value)
    problems = problems_of(folder)
    unknown_role = Problem(
        "history.csv", 1, "visitor_id", "V1", "is a Visiter profile, not a visitor"
    )  # the one consequence: V1's role is unknown
    assert unknown_role in problems
    problems.remove(unknown_role)
    assert len(problems) == len(DID_YOU_MEAN)
    assert all("did you mean" in problem.message for problem in problems)


def test_words_in_any_spelling_load_as_codes(tmp_path: Path) -> None:
    codes = load_campaign(VALID)
    folder = copy_valid(tmp_path, "valid_tiny")
    profiles = read(folder, "profiles")
    profiles["role"] = ["Visiting Organisation", " visitor", "HOST ORGANISATION", "Host"]
    profiles["org_type"] = ["SME", "Cluster Organisation", "Technology Center", "large companies"]
    profiles["country"] = ["Greece", "kosovo", "Deutschland", " France "]
    profiles["sectors"] = [
        "29.1;C.30",
        "Manufacture of textiles",
        "Manufacture of motor vehicles, trailers and semi-trailers;72",
        "C29",
    ]
    profiles["languages"] = ["English;Greek", "Albanian;EN", "German;English", "French"]
    profiles["mode"] = ["Physical", "online", "Physical or virtual", "PHYSICAL"]
    profiles["target_org_types"] = ["Technology centre;Research institutes", "", "SMEs", ""]
    profiles["target_countries"] = ["DEU;Kosovo", "", "", "Greece"]
    profiles["exchange_types"] = [
        "Research, development and innovation;Learning / skills development",
        "networking_and_events",
        "",
        "Group event",
    ]
    profiles["status"] = ["Published", "published", "Published", "Draft"]
    profiles.to_csv(folder / "profiles.csv", index=False)
    history = read(folder, "history")
    history["outcome"] = ["Accepted", "REJECTED"]
    history["mode"] = ["Physical", "Virtual"]
    history.to_csv(folder / "history.csv", index=False)
    quotas = read(folder, "quotas")
    quotas["category"] = ["SMEs", "All exchanges", "Cluster managers"]
    quotas.to_csv(folder / "quotas.csv", index=False)

    loaded = read_campaign(folder)
    words = loaded.campaign
    pd.testing.assert_frame_equal(words.profiles, codes.profiles)
    pd.testing.assert_frame_equal(words.history, codes.history)
    pd.testing.assert_frame_equal(words.quotas, codes.quotas)
    counts = {(n.file, n.column): n.count for n in loaded.normalised}
    assert counts[("profiles.csv", "org_type")] == 4
    assert counts[("profiles.csv", "sectors")] == 5
    assert counts[("history.csv", "outcome")] == 2
    assert ("profiles.csv", "validated") not in counts
    example = next(n for n in loaded.normalised if n.column == "country")
    assert str(example).startswith("profiles.csv, column country: 4 values (e.g. 'Greece' -> GR")


def test_partnership_spellings_that_differ_in_case_or_spaces_are_reported(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit(folder, "profiles", 3, "partnership", "RECIPE4Mobility")
    (problem,) = problems_of(folder)
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "profiles.csv",
        3,
        "partnership",
        "RECIPE4Mobility",
    )
    assert "differs only in case or spaces from 'RECiPE4Mobility'" in problem.message


def test_vocabulary_toml_maps_the_campaigns_own_words(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit(folder, "profiles", 1, "org_type", "Start-up")
    edit(folder, "profiles", 3, "partnership", "R4M")
    (folder / "vocabulary.toml").write_text(
        '[org_type]\n"Start-up" = "SME"\n\n[partnership]\n"R4M" = "RECiPE4Mobility"\n',
        encoding="utf-8",
    )
    loaded = read_campaign(folder)
    assert loaded.campaign.profiles.loc[0, "org_type"] == "sme"
    assert loaded.campaign.profiles.loc[2, "partnership"] == "RECiPE4Mobility"
    assert "vocabulary.toml" in loaded.campaign.input_hashes
    columns = {n.column for n in loaded.normalised}
    assert {"org_type", "partnership"} <= columns


def test_vocabulary_toml_problems_are_listed_with_the_others(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    edit(folder, "profiles", 2, "country", "Atlantis")
    (folder / "vocabulary.toml").write_text(
        '[org_type]\n"Uni" = "Reserch institute"\n[colours]\nred = "green"\n', encoding="utf-8"
    )
    problems = problems_of(folder)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("profiles.csv", 2, "country"),
        ("vocabulary.toml", None, "[colours]"),
        ("vocabulary.toml", None, "[org_type] Uni"),
    ]
    assert problems[2].message.endswith("did you mean 'Research institute'?")


def test_vocabulary_toml_may_not_change_what_a_code_or_the_it_tools_word_means(
    tmp_path: Path,
) -> None:
    """The audit: `"sme" = "cluster_organisation"` silently made every SME a cluster
    organisation. A word mapped to what it means already is fine."""
    folder = copy_valid(tmp_path)
    (folder / "vocabulary.toml").write_text(
        '[org_type]\n"sme" = "cluster_organisation"\n"SMEs" = "SME"\n'
        '[exchange_type]\n"Networking" = "pitch_training"\n',
        encoding="utf-8",
    )
    problems = problems_of(folder)
    assert [(p.file, p.column, p.value) for p in problems] == [
        ("vocabulary.toml", "[exchange_type] Networking", "pitch_training"),
        ("vocabulary.toml", "[org_type] sme", "cluster_organisation"),
    ]
    assert "'sme' means 'sme' already" in problems[1].message


def test_vocabulary_toml_that_is_not_toml_is_a_problem(tmp_path: Path) -> None:
    folder = copy_valid(tmp_path)
    (folder / "vocabulary.toml").write_text("[org_type\n", encoding="utf-8")
    (problem,) = problems_of(folder)
    assert problem.file == "vocabulary.toml" and "not valid TOML" in problem.message


@pytest.mark.parametrize(
    "stage", ["Preparation", "Ready for validation", "Ready to start", "Started"]
)
def test_the_it_tool_s_stages_of_an_agreed_exchange_read_as_accepted(
    tmp_path: Path, stage: str
) -> None:
    """Seed 002: an exchange on the IT tool is in 'Preparation', 'Ready for validation',
    'Ready to start', then started (the seeds audit: the first two were refused)."""
    folder = copy_valid(tmp_path, "valid_tiny")
    history = read(folder, "history")
    history.loc[0, "outcome"] = stage
    history.to_csv(folder / "history.csv", index=False)
    assert load_campaign(folder).history["outcome"].iloc[0] == "accepted"


@pytest.mark.parametrize(
    ("word", "outcome"),
    [("Reported", "completed"), ("Successful", "completed"), ("Deleted", "cancelled"),
     ("Matched", "accepted")],
)  # fmt: skip
def test_the_seeds_words_of_an_exchange_s_end_read_as_their_outcome(
    tmp_path: Path, word: str, outcome: str
) -> None:
    """Seed 002's "169 reported virtual exchanges", an exchange "deleted": the third seeds
    audit saw 'Reported' refused with the hint 'Rejected' (it would block a done pair)."""
    folder = copy_valid(tmp_path, "valid_tiny")
    history = read(folder, "history")
    history.loc[0, "outcome"] = word
    history.to_csv(folder / "history.csv", index=False)
    assert load_campaign(folder).history["outcome"].iloc[0] == outcome


def test_lists_written_with_commas_as_the_it_tool_shows_them_are_read(tmp_path: Path) -> None:
    """Seed 001's screens list "English, Spanish", "Polish, Bulgarian": the seeds audit saw
    such cells refused, with a hint that dropped a language. Each part known, the cell is the
    list; a NACE name holding a comma stays whole; an unknown part keeps the cell a problem."""
    folder = copy_valid(tmp_path, "valid_tiny")
    profiles = read(folder, "profiles")
    profiles.loc[0, "languages"] = "English, Italian"
    profiles.loc[0, "target_countries"] = "Czech Republic, Poland"
    profiles.loc[0, "exchange_types"] = (
        "Networking and events, Research, development and innovation"
    )
    profiles.loc[0, "sectors"] = "Manufacture of motor vehicles, trailers and semi-trailers"
    profiles.to_csv(folder / "profiles.csv", index=False)
    first = load_campaign(folder).profiles.iloc[0]
    assert first["languages"] == ("en", "it") and first["target_countries"] == ("CZ", "PL")
    assert first["sectors"] == ("C29",)
    assert first["exchange_types"] == ("networking_events", "research_development_innovation")
    profiles.loc[0, "languages"] = "English, Klingon"
    profiles.to_csv(folder / "profiles.csv", index=False)
    (problem,) = problems_of(folder)
    assert problem.column == "languages" and problem.value == "English, Klingon"
    # not "did you mean 'English'?", which would drop the other language (the seeds audit)
    assert problem.message.endswith("where every part is known ('Klingon' is not)")


def test_the_it_tool_s_sector_words_read_as_nace_divisions_a_campaign_may_say_otherwise(
    tmp_path: Path,
) -> None:
    """Seed 001's screens: "Automotive, Footwear", "Apparel, Metal Mining" (the seeds audit saw
    them refused, 'Metal Mining' with the hint C25); read by inference as C29, C15, C14, B07,
    and a campaign's vocabulary.toml may map one otherwise."""
    folder = copy_valid(tmp_path, "valid_tiny")
    profiles = read(folder, "profiles")
    profiles.loc[0, "sectors"] = "Automotive, Footwear"
    profiles.loc[1, "sectors"] = "Apparel;Metal Mining"
    profiles.to_csv(folder / "profiles.csv", index=False)
    table = load_campaign(folder).profiles
    assert table.loc[0, "sectors"] == ("C29", "C15") and table.loc[1, "sectors"] == ("C14", "B07")
    (folder / "vocabulary.toml").write_text('[sector]\n"Automotive" = "C30"\n', encoding="utf-8")
    assert load_campaign(folder).profiles.loc[0, "sectors"] == ("C30", "C15")


def test_stays_written_as_the_it_tool_writes_them_are_read(tmp_path: Path) -> None:
    """Seed 002's "Planned stay duration: 3 working days", seeds 000/004's "3 days to 1 month":
    the seeds audit saw '3 working days' and '1 month' refused as not integers."""
    folder = copy_valid(tmp_path, "valid_tiny")
    profiles = read(folder, "profiles")
    profiles.loc[0, ["min_days", "max_days"]] = ["3 working days", "1 month"]
    profiles.loc[1, ["min_days", "max_days"]] = ["3 days", "5 Working Days"]
    profiles.to_csv(folder / "profiles.csv", index=False)
    table = load_campaign(folder).profiles
    assert table.loc[0, ["min_days", "max_days"]].tolist() == [3, 23]
    assert table.loc[1, ["min_days", "max_days"]].tolist() == [3, 5]
    profiles.loc[0, "max_days"] = "2 months"
    profiles.to_csv(folder / "profiles.csv", index=False)
    (problem,) = problems_of(folder)
    assert (problem.column, problem.value) == ("max_days", "2 months")
