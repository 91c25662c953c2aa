"""Text a person cannot tell apart (the hostile-input audit): a direction override never
closed is no longer in a name (it turned the review page's ids and arrow round), text is in
one Unicode form; ids, organisations and partnerships are read as written (the decision log,
earlier runs, tokens and policy.toml hold them so), and two that look alike are refused."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.domain.problems import CampaignInvalid
from engine.load.campaign import load_campaign
from engine.load.decision_files import read_decision_file
from tests.factory import host, make_campaign, visitor

RLO = "\u202e"


def _refused(folder, profiles) -> list[tuple[str, int | None, str | None, str]]:
    make_campaign(folder, [host("H1"), visitor("V9")])  # a valid folder, then its profiles
    pd.DataFrame(profiles).to_csv(folder / "profiles.csv", index=False)
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(folder)
    return [(p.file, p.row, p.column, p.message) for p in caught.value.problems]


def test_text_loses_what_nobody_sees_and_names_are_read_as_written(tmp_path):
    profiles = [
        host("H1", org_name=f"Hosts {RLO}gnp.exe", offer="cafe\u0301 tours"),
        visitor("\uff36001", partnership="P\u00a0One"),  # a full-width V, a no-break space
    ]
    campaign = make_campaign(tmp_path / "c", profiles)
    read = campaign.profiles.set_index("profile_id")
    assert sorted(read.index) == ["H1", "\uff36001"]  # as written: the log may hold it
    assert read.at["\uff36001", "partnership"] == "P\u00a0One"
    assert read.at["H1", "org_name"] == "Hosts gnp.exe"
    assert read.at["H1", "offer"] == "caf\u00e9 tours"


@pytest.mark.parametrize(
    ("column", "first", "second"),
    [
        ("profile_id", "V1", "V1\u200b"),
        ("profile_id", "V1", "\uff361"),
        ("org_id", "ORG\u00c9", "ORGE\u0301"),
    ],
)
def test_two_ids_that_look_alike_are_refused(tmp_path, column, first, second):
    """'V1' and 'V1' with a zero-width space were two visitors; two org_ids that look alike
    two organisations (two physical visits)."""
    if column == "profile_id":
        profiles = [host("H1"), visitor(first, org_id="O1"), visitor(second, org_id="O2")]
    else:
        profiles = [host("H1"), visitor("V1", org_id=first), visitor("V2", org_id=second)]
    said = _refused(tmp_path / "c", profiles)
    assert [(file, row, col) for file, row, col, _ in said] == [("profiles.csv", 3, column)]
    assert "or in characters that look alike" in said[0][3]


def test_two_partnership_spellings_that_look_alike_are_refused(tmp_path):
    profiles = [
        host("H1", partnership="Caf\u00e9X"),
        visitor("V1", partnership="Caf\u00e9X"),
        visitor("V2", partnership="Cafe\u0301X"),
    ]
    said = _refused(tmp_path / "c", profiles)
    assert [(file, row, col) for file, row, col, _ in said] == [("profiles.csv", 3, "partnership")]
    assert "characters that look alike from 'CaféX'" in said[0][3]


def test_a_decision_file_keeps_ids_as_written_and_drops_invisible_text(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "visitor_id,host_id,decision,note\n\uff36001,H1,accepted,ok " + RLO + "x\n",
        encoding="utf-8",
    )
    file, problems = read_decision_file(answers)
    assert problems == [] and file is not None
    (row,) = file.rows.to_dict("records")
    assert (row["visitor_id"], row["host_id"], row["note"]) == ("\uff36001", "H1", "ok x")
