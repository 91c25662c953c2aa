"""Text a person cannot tell apart is one text (the hostile-input audit): 'é' composed or
decomposed, a full-width id, an id with a zero-width space or a byte-order mark; and a
direction override never closed is no longer in a name (it turned the review page's ids and
arrow round)."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.domain.problems import CampaignInvalid
from engine.load.campaign import load_campaign
from engine.load.decision_files import read_decision_file
from tests.factory import host, make_campaign, visitor

RLO = "\u202e"


def test_spellings_nobody_can_tell_apart_are_one(tmp_path):
    profiles = [
        host("H1", partnership="Caf\u00e9X", org_name=f"Hosts {RLO}gnp.exe"),
        visitor("\uff36001", partnership="Cafe\u0301X", org_id="ORG\u00c9"),  # full-width V
        visitor("V002\u200b", partnership="CaféX", org_id="ORGE\u0301"),
        visitor("\ufeffV003", partnership="CaféX"),
    ]
    quotas = [{"partnership": "Cafe\u0301X", "category": "total", "target": 2}]
    campaign = make_campaign(tmp_path / "c", profiles, quotas=quotas)
    profiles_read = campaign.profiles.set_index("profile_id")
    assert sorted(profiles_read.index) == ["H1", "V001", "V002", "V003"]
    assert set(profiles_read["partnership"]) == {"Caf\u00e9X"}
    assert set(campaign.quotas["partnership"]) == {"Caf\u00e9X"}
    assert profiles_read.at["V001", "org_id"] == profiles_read.at["V002", "org_id"] == "ORG\u00c9"
    assert profiles_read.at["H1", "org_name"] == "Hosts gnp.exe"


def test_an_id_differing_only_by_an_invisible_character_is_the_same_id(tmp_path):
    """Two profiles 'V1' and 'V1' + zero-width space were two visitors; now one id twice."""
    make_campaign(tmp_path / "c", [host("H1"), visitor("V9")])
    profiles = [host("H1"), visitor("V1"), visitor("V1\u200b")]
    pd.DataFrame(profiles).to_csv(tmp_path / "c" / "profiles.csv", index=False)
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(tmp_path / "c")
    said = [(p.file, p.row, p.column) for p in caught.value.problems]
    assert ("profiles.csv", 3, "profile_id") in said, caught.value.problems


def test_a_decision_file_reads_ids_as_the_profiles_do(tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "visitor_id,host_id,decision,note\n\uff36001,H1\u200b,accepted,ok " + RLO + "x\n",
        encoding="utf-8",
    )
    file, problems = read_decision_file(answers)
    assert problems == []
    (row,) = file.rows.to_dict("records")
    assert (row["visitor_id"], row["host_id"], row["note"]) == ("V001", "H1", "ok x")
