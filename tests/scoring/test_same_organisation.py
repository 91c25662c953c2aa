"""Issue 16: an organisation is never proposed to itself (its visitor profile to its own host
profile), in eligibility, in the reason it gives for a left-out profile, and in the night."""

from __future__ import annotations

import numpy as np

from engine.night.night import run_night
from engine.night.options import RunOptions
from scoring.eligibility import EXCLUSIONS, eligibility, eligibility_context, exclusion
from scoring.encoding import encode_campaign
from scoring.pairs import block_view
from tests.factory import NIGHT, host, make_campaign, visitor


def test_the_profiles_of_one_organisation_are_not_eligible_together(tmp_path):
    profiles = [visitor("V1", org_id="ACME"), host("H1", org_id="ACME"), host("H2")]
    campaign = make_campaign(tmp_path, profiles)
    encoded = encode_campaign(campaign)
    context = eligibility_context(campaign, encoded)
    view = block_view(encoded.visitors, encoded.hosts, 0, len(encoded.visitors))
    assert eligibility(view, context).eligible.tolist() == [[False, True]]
    codes = exclusion(view, context)
    assert [EXCLUSIONS[int(code)] for code in codes[0]] == ["same_organisation", "eligible"]


def test_a_night_never_proposes_an_organisation_to_itself(tmp_path):
    """V1's best host is its own organisation's (same sector, offer and seek); it goes to H2."""
    profiles = [
        visitor("V1", org_id="ACME", offer="robots", seek="robots"),
        host("H1", org_id="ACME", offer="robots", seek="robots"),
        host("H2", country="IT", offer="textiles", seek="textiles"),
    ]
    campaign = make_campaign(tmp_path, profiles)
    result = run_night(campaign, RunOptions(time_limit_s=2, workers=1, as_of=NIGHT))
    assert result.violations == []
    pairs = set(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True))
    assert pairs == {("V1", "H2")}


def test_an_organisation_with_only_itself_to_visit_is_told_why(tmp_path):
    profiles = [visitor("V1", org_id="ACME"), host("H1", org_id="ACME")]
    campaign = make_campaign(tmp_path, profiles)
    result = run_night(campaign, RunOptions(time_limit_s=2, workers=1, as_of=NIGHT))
    assert result.proposals.empty
    left = result.unmatched.set_index("profile_id")
    assert left.loc["V1", "code"] == "same_organisation"
    assert "its own organisation" in left.loc["V1", "reason"]
    assert np.all(left["code"] == "same_organisation")
