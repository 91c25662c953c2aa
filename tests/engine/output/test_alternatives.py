"""alternatives.csv's next partners, and whether taking one changes nothing else tonight
(``free``): the audit saw an alternative visitor marked free whose organisation's other
profile was proposed to the host (the app then refused it), and ``free`` written 1.0 where
another run wrote True."""

from __future__ import annotations

import pandas as pd

from engine.output.alternatives import alternatives


def one_host_three_visitors() -> tuple[pd.DataFrame, pd.DataFrame]:
    """H1's candidates V4 (proposed), V5 and V6."""
    candidates = pd.DataFrame(
        {"visitor_id": ["V4", "V5", "V6"], "host_id": ["H1", "H1", "H1"],
         "score": [60.0, 50.0, 40.0], "mode": ["physical"] * 3,
         "selected": [True, False, False]}
    )  # fmt: skip
    proposals = pd.DataFrame({"visitor_id": ["V4"], "host_id": ["H1"], "score": [60.0]})
    return candidates, proposals


def test_a_visitor_whose_organisation_is_proposed_is_no_free_alternative():
    candidates, proposals = one_host_three_visitors()
    org = {"V4": "OVX", "V5": "OVX", "V6": "OV6"}
    table = alternatives(candidates, proposals, {"H1": 2}, organisation=org)
    hosts = table[table["side"] == "host"].set_index("alternative_id")
    assert not hosts.loc["V5", "free"]
    assert bool(hosts.loc["V6", "free"])
    assert table["free"].dtype == bool  # no visitor side tonight: still True/False


def test_a_non_sme_the_sme_share_takes_no_more_of_is_no_free_alternative():
    """The audit: at exactly half, non-SME alternatives were marked free, though taking one
    breaks the share (unmatched.csv said sme_share for the same visitors)."""
    candidates, proposals = one_host_three_visitors()
    table = alternatives(candidates, proposals, {"H1": 2}, non_smes_full={"V5"})
    hosts = table[table["side"] == "host"].set_index("alternative_id")
    assert not hosts.loc["V5", "free"] and bool(hosts.loc["V6", "free"])
