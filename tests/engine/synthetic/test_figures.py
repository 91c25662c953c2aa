"""The demo's figures next to the pilot's (docs/demo.md): counted right, and the bundled demo
follows the seeds' shape."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.domain.contract import Campaign
from engine.load.campaign import load_campaign
from engine.synthetic.figures import (
    SEED_RECIPE_TARGETS,
    exchange_figures,
    history_exchanges,
)
from engine.synthetic.generator import demo_campaign_path


def test_exchange_figures_count_sessions_stays_and_group_sizes() -> None:
    day = pd.Timestamp("2027-03-01")
    later = pd.Timestamp("2027-04-05")
    table = pd.DataFrame(
        {
            "host_id": ["H1", "H1", "H1", "H2", "H2", "H3"],
            "start": [day, day, later, day, day, day],
            "end": [day, day, later, day, day, day],
            "mode": ["physical", "physical", "physical", "virtual", "virtual", "physical"],
            "stay_days": [3, 3, 5, 3, 3, 3],
        }
    )
    figures = exchange_figures(table)
    assert figures.exchanges == {"physical": 4, "virtual": 2}
    assert figures.stays == {"physical": {3: 3, 5: 1}, "virtual": {3: 2}}
    assert figures.grouped == {"physical": 1, "virtual": 1}
    assert figures.single == {"physical": 2, "virtual": 0}
    assert figures.group_sizes == {"physical": [2], "virtual": [2]}
    assert figures.stay_text("physical") == "3 x 3 d, 1 x 5 d"
    assert figures.group_text("physical") == "1 grouped (sizes 2-2, mean 2.0) vs 2 single"


@pytest.fixture(scope="module")
def demo() -> Campaign:
    return load_campaign(demo_campaign_path())


def test_the_demo_has_the_pilots_partnerships_and_targets(demo: Campaign) -> None:
    quotas = demo.quotas
    assert quotas["partnership"].nunique() == 13
    recipe = quotas[quotas["partnership"] == "RECiPE4Mobility"].set_index("category")["target"]
    assert recipe.to_dict() == SEED_RECIPE_TARGETS
    assert quotas.loc[quotas["category"] == "total", "target"].sum() == 695


def test_the_demo_history_follows_the_pilot(demo: Campaign) -> None:
    figures = exchange_figures(history_exchanges(demo))
    for mode in ("physical", "virtual"):
        stays = figures.stays[mode]
        assert stays.get(3, 0) / sum(stays.values()) > 0.75, mode  # mostly 3 working days
        assert figures.grouped[mode] > figures.single[mode], mode  # grouped are the rule
        assert sum(figures.group_sizes[mode]) > 0.8 * figures.exchanges[mode], mode
    assert max(figures.group_sizes["physical"] + figures.group_sizes["virtual"]) >= 8
    total = sum(figures.exchanges.values())
    assert 0.3 <= figures.exchanges["virtual"] / total <= 0.8  # virtual exchanges common
    achieved = total / demo.quotas.loc[demo.quotas["category"] == "total", "target"].sum()
    assert 0.25 <= achieved <= 0.5  # the pilot: 228 of 695 after two years


def test_the_demo_names_organisations_in_their_own_letters(demo: Campaign) -> None:
    names = " ".join(demo.profiles["org_name"])
    for word in ("Łódź", "Société", "Ελλάδα"):
        assert word in names
