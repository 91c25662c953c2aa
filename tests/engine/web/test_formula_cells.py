"""Ids and partnership names a spreadsheet would read as formulas (``-A``, ``-P2``): the run's
CSVs write them with a leading apostrophe, and the review page reads them back as they are
(the hostile-input audit: Take posted ``'-V3`` and was refused, a partnership ``-2+3`` saw
no KPI targets and nobody left out)."""

from __future__ import annotations

from engine.review.parties import Reviewer
from engine.web.views import CampaignCache, alternatives, kpis, left_out, tonight
from tests.factory import host, make_campaign, visitor
from tests.reviewing import run_campaign

WINDOW = {"available_from": "2027-03-01", "available_to": "2027-03-03", "mode": "virtual",
          "min_days": 3, "max_days": 3}  # fmt: skip


def test_the_review_page_reads_formula_like_ids_and_partnerships_as_they_are(tmp_path):
    folder = tmp_path / "campaign"
    profiles = [
        host("+H1", country="DE", capacity=1, sectors="C29", offer="car tours",
             partnership="-P2", **WINDOW),
        host("@H2", country="FR", capacity=1, sectors="C29", offer="car tours",
             partnership="-P2", **WINDOW),
        visitor("-A", country="IT", sectors="C29", seek="car tours", partnership="-P2", **WINDOW),
        visitor("=B", country="ES", sectors="C29", seek="car tours", partnership="-P2", **WINDOW),
        visitor("-C", country="PL", sectors="C29", seek="car tours", partnership="-P2", **WINDOW),
    ]  # fmt: skip
    quotas = [{"partnership": "-P2", "category": "total", "target": 3}]
    make_campaign(folder, profiles, quotas=quotas, policy="lead_days = 0\n")
    run = run_campaign(folder, folder / "runs" / "r1", "r1")
    assert "'-P2" in (run / "kpis.csv").read_text()  # written safe for a spreadsheet
    night = tonight(CampaignCache(folder))
    assert night is not None
    mine = Reviewer(partnership="-P2")
    assert {row["partnership"] for row in kpis(night, mine)} == {"-P2"}
    (out,) = left_out(night, mine)  # two hosts of one place, three visitors
    assert out["profile_id"] in ("-A", "=B", "-C")
    listed = alternatives(night, mine)
    assert listed, "the left-out visitor's other host, at least"
    ids = {row["visitor_id"] for row in listed} | {row["host_id"] for row in listed}
    assert ids <= {"+H1", "@H2", "-A", "=B", "-C"}
