"""What a refused answer says: a partnership's conflicting rows name its own side only, and a
refusal reads as a sentence whose subject is the answer."""

from __future__ import annotations

from engine.load.campaign import load_campaign
from engine.review.inbox import record_answers
from engine.review.parties import Reviewer
from engine.review.rules import Request
from tests.factory import host, make_campaign, visitor
from tests.reviewing import run_campaign

WINDOW = {"available_from": "2027-03-01", "available_to": "2027-03-03", "mode": "virtual",
          "min_days": 3, "max_days": 3}  # fmt: skip


def test_a_partnership_s_conflicting_rows_name_its_own_side_and_refusals_read(tmp_path):
    """The reviewers' audit: two rows of the visitor's partnership answering a pair differently
    were refused "for the host and visitor side" (the host side is another partnership's), and
    a refusal read "'rejected' is an exchange already"."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=2, sectors="C29", offer="car tours", partnership="P2",
             **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
        visitor("B", country="ES", sectors="C29", seek="car tours", **WINDOW),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run_campaign(folder, folder / "runs" / "r1", "r1")
    campaign = load_campaign(folder)
    rows = [Request("A", "H1", "rejected", row=2), Request("A", "H1", "hold", row=3)]
    result = record_answers(folder, campaign, rows, Reviewer(partnership="P1"))
    said = [problem.message for problem in result.problems]
    assert result.recorded == 0 and len(said) == 2
    assert all("for the visitor side: neither row is recorded" in message for message in said)
    both = [Request("B", "H1", "accepted")]
    assert record_answers(folder, campaign, both, Reviewer()).recorded == 1  # both sides
    late = record_answers(folder, campaign, [Request("B", "H1", "rejected")], Reviewer())
    (problem,) = late.problems
    assert str(problem).endswith(
        "'rejected' is refused: the pair is an exchange already (both sides accepted): cancel it"
        " instead"
    )
