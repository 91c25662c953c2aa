"""Seed 002: "Virtual exchanges period ended on 31 August 2021" (seed 000: "possible until
April 2021"). A campaign that says so (policy ``virtual_until``) gets no virtual exchange after
it: a visitor that takes either mode goes physically, one that takes only virtual is left out
for its mode; without the key, virtual exchanges have no end."""

from __future__ import annotations

from engine.night.night import run_night
from engine.night.options import RunOptions
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=10, workers=1, as_of=NIGHT)


def test_no_virtual_exchange_after_the_virtual_period(tmp_path):
    profiles = [
        visitor("VV", mode="virtual"),
        visitor("VE", mode="either", country="IT"),
        host("H1", mode="either", capacity=2),
    ]
    ended = make_campaign(tmp_path / "ended", profiles, policy="virtual_until = 2021-08-31\n")
    night = run_night(ended, OPTIONS)
    assert night.violations == []
    modes = dict(zip(night.proposals["visitor_id"], night.proposals["mode"], strict=True))
    assert modes == {"VE": "physical"}
    assert night.unmatched.set_index("profile_id").loc["VV", "code"] == "mode"
    open_ended = run_night(make_campaign(tmp_path / "open", profiles), OPTIONS)
    assert "VV" in set(open_ended.proposals["visitor_id"])
