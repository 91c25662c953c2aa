"""Issue 13's proof: a campaign written in the IT tool's words (the bundled demo, and the demo
again with mixed case, stray spaces and other spellings) validates and gives the same campaign
and the same proposals (pairs, groups, dates) as the same campaign written in codes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.domain.vocabulary import COLUMN_VOCABULARIES
from engine.load.campaign import load_campaign, read_campaign
from engine.night.night import run_night
from engine.night.options import RunOptions
from engine.synthetic.generator import (
    DEMO_ARGUMENTS,
    demo_campaign_path,
    generate_campaign,
    write_campaign,
)

# the solver's least work either way; a limit whose wall clock leaves it room under a loaded
# test run (at 5 s the clock cut the demo's solve under the suite on both cores: two runs of
# the same campaign then differ, whatever its spelling)
OPTIONS = RunOptions(time_limit_s=12, workers=1)
# other spellings people and exports use, swapped in for some cells
SPELLINGS = {
    "Technology centre": "Technology Center",
    "Cluster organisation": "Business Network",
    "Networking and events": "networking_and_events",
    "Learning / skills development": "learning_skills_development",
    "Research, development and innovation": "R&D",
    "Greece": "EL",
    "Germany": "DEU",
    "Czechia": "Czech Republic",
    "Turkey": "Türkiye",
    "German": "deu",
    "Greek": "ell",
    "Visiting organisation": "visitor",
    "Physical or virtual": "either",
}
PROOF_COLUMNS = ["visitor_id", "host_id", "group_id", "start", "end", "stay_days", "mode",
                 "group_language", "lump_sum_eur", "score"]  # fmt: skip


def _messy(word: str, pick: float) -> str:
    """A word as a careless export writes it: another spelling, mixed case, stray spaces."""
    word = SPELLINGS.get(word, word) if pick < 0.3 else word
    cased = (str.upper, str.lower, str.title, str.swapcase, str)[int(pick * 50) % 5](word)
    return " " * (int(pick * 7) % 3) + cased + " " * (int(pick * 11) % 2)


def messy_copy(source: Path, target: Path, seed: int = 13) -> Path:
    """The campaign in ``source`` (words) with every enumerated cell spelled carelessly."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    rng = np.random.default_rng(seed)
    for table, columns in COLUMN_VOCABULARIES.items():
        path = target / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for column in columns:
            frame[column] = [
                ";".join(_messy(part.strip(), rng.random()) for part in cell.split(";"))
                if cell
                else cell
                for cell in frame[column]
            ]
        frame.to_csv(path, index=False, encoding="utf-8")
    return target


def separated_copy(source: Path, target: Path, separator: str) -> Path:
    """The campaign in ``source`` with every CSV file separated by ``separator``, as Excel
    writes "CSV" where the decimal mark is a comma (semicolons, cells holding one quoted) or
    "text" (tabs)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    for path in target.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.to_csv(path, index=False, sep=separator, encoding="utf-8-sig")
    return target


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("words")
    codes = base / "codes" / "demo"
    write_campaign(generate_campaign(*DEMO_ARGUMENTS), codes, words="codes")
    words = base / "words" / "demo"
    shutil.copytree(demo_campaign_path(), words, ignore=shutil.ignore_patterns("__init__.py"))
    messy = messy_copy(demo_campaign_path(), base / "messy" / "demo")
    semicolons = separated_copy(demo_campaign_path(), base / "semicolons" / "demo", ";")
    tabs = separated_copy(demo_campaign_path(), base / "tabs" / "demo", "\t")
    return {"codes": codes, "words": words, "messy": messy, "semicolons": semicolons, "tabs": tabs}


def test_the_demo_is_written_in_the_it_tools_words(folders) -> None:
    raw = pd.read_csv(folders["words"] / "profiles.csv", dtype=str, encoding="utf-8-sig")
    assert (folders["words"] / "profiles.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert {"Visiting organisation", "Host organisation"} == set(raw["role"])
    assert "Cluster organisation" in set(raw["org_type"])
    assert raw["exchange_types"].str.contains("Networking and events").any()
    assert raw["exchange_types"].str.contains("Learning / skills development").any()
    assert "Germany" in set(raw["country"]) and "German" in set(
        raw["languages"].str.split(";").explode()
    )
    names = " ".join(raw["org_name"])
    for word in ("Łódź", "Société", "Ελλάδα"):
        assert word in names, word


@pytest.mark.parametrize("spelling", ["words", "messy", "semicolons", "tabs"])
def test_words_load_to_the_same_campaign_as_codes(folders, spelling: str) -> None:
    codes = load_campaign(folders["codes"])
    read = read_campaign(folders[spelling])
    for table in ("profiles", "history", "quotas"):
        pd.testing.assert_frame_equal(getattr(read.campaign, table), getattr(codes, table))
    normalised = {entry.column for entry in read.normalised if entry.file == "profiles.csv"}
    assert {"org_type", "exchange_types", "country", "languages", "sectors"} <= normalised


def test_words_and_codes_give_the_same_proposals(folders) -> None:
    nights = {
        spelling: run_night(load_campaign(folders[spelling]), OPTIONS)
        for spelling in ("codes", "messy")
    }
    codes, messy = nights["codes"].proposals, nights["messy"].proposals
    assert len(codes) > 100 and nights["messy"].violations == []
    key = ["visitor_id", "host_id"]
    pd.testing.assert_frame_equal(
        messy[PROOF_COLUMNS].sort_values(key).reset_index(drop=True),
        codes[PROOF_COLUMNS].sort_values(key).reset_index(drop=True),
    )
