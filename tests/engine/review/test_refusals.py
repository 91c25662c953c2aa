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


def test_an_answer_with_a_problem_of_its_own_still_conflicts_with_an_opposite_one(tmp_path):
    """The IT-tool audit: one file accepted and rejected the visitor side of a pair; the
    acceptance's date was 31/02/2027 (refused for it), so the rejection was recorded alone,
    for good (a rejected pair is never proposed again). Neither is recorded: the dated row
    says its date and the conflict, the other the conflict."""
    folder = tmp_path / "campaign"
    profiles = [
        host("H1", country="DE", capacity=2, sectors="C29", offer="car tours", **WINDOW),
        visitor("A", country="IT", sectors="C29", seek="car tours", **WINDOW),
    ]  # fmt: skip
    make_campaign(folder, profiles, policy="lead_days = 0\n")
    run_campaign(folder, folder / "runs" / "r1", "r1")
    campaign = load_campaign(folder)
    rows = [
        Request("A", "H1", "accepted", side="visitor", decided_on="2026-02-31", row=2),
        Request("A", "H1", "rejected", side="visitor", row=3),
    ]
    result = record_answers(folder, campaign, rows, Reviewer())
    assert result.recorded == 0
    said = sorted((problem.row, problem.column, problem.message) for problem in result.problems)
    assert [(row, column) for row, column, _ in said] == [
        (2, "decided_on"),
        (2, "decision"),
        (3, "decision"),
    ]
    assert "conflicts with row 2 (accepted) for the visitor side" in said[2][2]
    # the accepted row put right is recorded alone
    rows[0] = Request("A", "H1", "accepted", side="visitor", row=2)
    assert record_answers(folder, campaign, rows[:1], Reviewer()).recorded == 1
