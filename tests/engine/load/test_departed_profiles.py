"""A profile the IT tool's export no longer holds, named by the history: the message says how
to keep its exchanges counted."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.domain.problems import CampaignInvalid
from engine.load.campaign import load_campaign
from tests.factory import host, make_campaign, visitor
from tests.reviewing import run_campaign


def test_history_of_a_profile_gone_from_the_export_says_how_to_keep_it(tmp_path):
    """The scoring audit: a history row of a profile the IT tool no longer exports refused
    every night ("is not a known profile_id"). The message says the way out, and that way
    keeps the exchange counted: the profile kept as a draft is never proposed."""
    accepted = {"visitor_id": "V0", "host_id": "H1", "decided_on": "2026-11-02",
                "outcome": "completed", "mode": "physical"}  # fmt: skip
    profiles = [host("H1", country="FR", capacity=2), visitor("V1", org_id="O-V1")]
    quotas = [{"partnership": "P1", "category": "total", "target": 3}]
    make_campaign(tmp_path / "c", [host("H1"), visitor("V1")])  # a valid folder, then its files
    pd.DataFrame(profiles).to_csv(tmp_path / "c" / "profiles.csv", index=False)
    pd.DataFrame([accepted]).to_csv(tmp_path / "c" / "history.csv", index=False)
    pd.DataFrame(quotas).to_csv(tmp_path / "c" / "quotas.csv", index=False)
    with pytest.raises(CampaignInvalid) as caught:
        load_campaign(tmp_path / "c")
    (problem,) = caught.value.problems
    assert (problem.file, problem.row, problem.column) == ("history.csv", 1, "visitor_id")
    assert "keep its row in profiles with status draft" in problem.message
    gone = visitor("V0", org_id="O-V0", status="draft")
    pd.DataFrame([*profiles, gone]).to_csv(tmp_path / "c" / "profiles.csv", index=False)
    run = run_campaign(tmp_path / "c", tmp_path / "c" / "runs" / "r1", "r1")
    proposed = pd.read_csv(run / "proposals.csv", dtype=str)
    assert "V0" not in set(proposed["visitor_id"])
    kpis = pd.read_csv(run / "kpis.csv").set_index("category")
    assert kpis.loc["All exchanges", "achieved"] == 1
