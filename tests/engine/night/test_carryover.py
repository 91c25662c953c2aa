"""Earlier nights in tonight's model and in the independent checker: locked exchanges, holds,
pending proposals (churn cost), on tiny hand-checked campaigns."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from engine.check.rules import check_proposals
from engine.night.carryover import LOCK_COLUMNS, Carryover
from engine.night.night import run_night
from engine.night.options import RunOptions
from scoring.carried import carry_candidates
from scoring.eligibility import eligibility_context
from scoring.encoding import encode_campaign
from scoring.linear import LinearScore
from scoring.text import TextSimilarity
from tests.factory import NIGHT, host, make_campaign, visitor

OPTIONS = RunOptions(time_limit_s=5, workers=1, as_of=NIGHT)


def locked(*pairs: tuple[str, str]) -> pd.DataFrame:
    rows = [
        {"visitor_id": v, "host_id": h, "mode": "physical", "start": pd.Timestamp("2027-01-04"),
         "end": pd.Timestamp("2027-01-06"), "score": 70.0, "decided_on": "2027-01-02"}
        for v, h in pairs
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(LOCK_COLUMNS))


def carry(locks=(), held=(), pending=()) -> Carryover:
    def pairs(items):
        return pd.DataFrame(list(items), columns=["visitor_id", "host_id"], dtype=object)

    decisions = pd.DataFrame(columns=["visitor_id", "host_id", "decision", "decided_on", "run_id"])
    return Carryover(locked(*locks), pairs(held), pairs(pending), decisions)


def proposal(v: str, h: str) -> dict[str, object]:
    return {"visitor_id": v, "host_id": h, "group_id": f"{h}-G1", "mode": "physical",
            "start": pd.Timestamp("2027-01-04"), "end": pd.Timestamp("2027-01-06")}  # fmt: skip


def rules(violations) -> set[tuple[str, str | None, str | None]]:
    return {(v.rule, v.visitor_id, v.host_id) for v in violations}


@pytest.fixture
def four(tmp_path):
    """V1..V3 SMEs and V4 a cluster organisation (DE), hosts H1 (capacity 1) and H2 (FR)."""
    profiles = [
        visitor("V1"), visitor("V2"), visitor("V3"),
        visitor("V4", org_type="cluster_organisation"),
        host("H1", capacity=1), host("H2", capacity=3),
    ]  # fmt: skip
    return make_campaign(tmp_path, profiles)


# --------------------------------------------------------------------------- checker


def test_a_visitor_with_an_accepted_exchange_is_not_proposed_again(four):
    proposals = pd.DataFrame([proposal("V1", "H2")])
    assert check_proposals(four, proposals) == []
    found = rules(check_proposals(four, proposals, locked(("V1", "H1"))))
    # the accepted physical exchange is V1's organisation's physical visit too, on the same
    # days as the proposal (a visitor is in one exchange at a time)
    assert found == {("physical_visit_used", "V1", "H2"), ("dates", "V1", "H2")}


def test_accepted_exchanges_use_their_host_capacity(four):
    proposals = pd.DataFrame([proposal("V2", "H1")])
    assert check_proposals(four, proposals) == []
    violations = check_proposals(four, proposals, locked(("V1", "H1")))
    assert rules(violations) == {("host_capacity", None, "H1")}
    assert "1 of them accepted before" in violations[0].message
    assert check_proposals(four, pd.DataFrame([proposal("V2", "H2")]), locked(("V1", "H1"))) == []


def test_accepted_exchanges_count_in_the_sme_share(four):
    """The log's and the history's exchanges of the generation count beside tonight's
    proposals; where they are short of the share already, tonight's hold it on their own."""
    proposals = pd.DataFrame([proposal("V4", "H2")])  # a non-SME
    assert check_proposals(four, proposals, locked(("V1", "H1"))) == []  # 1 SME of 2: half
    share = four.replace(policy=four.policy.model_copy(update={"min_sme_share": 0.6}))
    assert rules(check_proposals(share, proposals, locked(("V1", "H1")))) == {
        ("sme_share", None, None)
    }
    history = pd.DataFrame(  # the same exchange in history.csv counts the same
        [{"visitor_id": "V1", "host_id": "H1", "decided_on": pd.Timestamp("2027-01-02"),
          "outcome": "completed", "mode": "physical", "start": pd.NaT, "end": pd.NaT}]
    )  # fmt: skip
    with_history = four.replace(history=pd.concat([four.history, history], ignore_index=True))
    assert check_proposals(with_history, proposals) == []
    assert rules(check_proposals(with_history.replace(policy=share.policy), proposals)) == {
        ("sme_share", None, None)
    }
    # short already (a non-SME exchange alone, 0 of 1): tonight's proposals hold the share
    # on their own (1 of 1), not 1 of 2 with it (below 0.6: the night was refused, exit 4)
    sme = pd.DataFrame([proposal("V1", "H2")])
    assert check_proposals(share, sme, locked(("V4", "H1"))) == []


def test_a_rejected_pair_in_history_is_a_blocked_pair(tmp_path):
    history = [{"visitor_id": "V1", "host_id": "H1", "decided_on": "2027-01-02",
                "outcome": "rejected", "mode": "physical"}]  # fmt: skip
    campaign = make_campaign(tmp_path, [visitor("V1"), host("H1")], history=history)
    assert rules(check_proposals(campaign, pd.DataFrame([proposal("V1", "H1")]))) == {
        ("blocked_pair", "V1", "H1")
    }


# --------------------------------------------------------------------------- the night


def pairs(result) -> set[tuple[str, str]]:
    return set(zip(result.proposals["visitor_id"], result.proposals["host_id"], strict=True))


def test_a_locked_exchange_fills_its_host_on_its_dates_and_takes_its_visitor_out(four):
    free = run_night(four, OPTIONS)
    assert {h for _, h in pairs(free)} == {"H1", "H2"}
    # as every run reads it, the log's exchange is in the history too (``with_decisions``):
    # the physical visit of V1 (a physical-only visitor) is used
    exchange = locked(("V1", "H1")).assign(outcome="accepted").drop(columns="score")
    history = pd.concat([four.history, exchange[list(four.history.columns)]], ignore_index=True)
    night = run_night(
        four.replace(history=history),
        RunOptions(time_limit_s=5, workers=1, as_of=NIGHT, carryover=carry(locks=[("V1", "H1")])),
    )
    assert night.violations == []
    assert "V1" not in {v for v, _ in pairs(night)}
    assert len(night.proposals) == 3  # V2, V3 and V4 each get a place
    at_h1 = night.proposals[night.proposals["host_id"] == "H1"]
    # H1's one place is taken from 4 to 6 January only: it receives the next visitor later
    assert (at_h1["start"] > pd.Timestamp("2027-01-06")).all()


def test_a_pair_on_hold_stays_proposed(four):
    free = pairs(run_night(four, OPTIONS))
    hold = next(("V4", h) for h in ("H1", "H2") if ("V4", h) not in free)
    night = run_night(
        four, RunOptions(time_limit_s=5, workers=1, as_of=NIGHT, carryover=carry(held=[hold]))
    )
    assert hold in pairs(night) and night.violations == []


def test_the_churn_cost_keeps_an_unanswered_proposal_unless_the_gain_is_larger(tmp_path):
    profiles = [
        visitor("V1", sectors="C29", seek="battery testing"),
        host("H1", sectors="C29", offer="battery testing"),
        host("H2", sectors="J62", offer="cloud software", country="IT"),
    ]
    campaign = make_campaign(tmp_path / "a", profiles)
    free = run_night(campaign, OPTIONS)
    assert pairs(free) == {("V1", "H1")}
    # the solver's pair value (score points) is 100 x p_accept; a pair may have several options
    scores = 100 * free.candidates.groupby("host_id")["p_accept"].max()
    gain = float(scores["H1"] - scores["H2"])
    assert gain > 0

    def night(churn: float) -> set[tuple[str, str]]:
        policy = f"churn_penalty = {churn}\n"
        moved = make_campaign(tmp_path / f"c{churn}", profiles, policy=policy)
        options = RunOptions(
            time_limit_s=5, workers=1, as_of=NIGHT, carryover=carry(pending=[("V1", "H2")])
        )
        return pairs(run_night(moved, options))

    assert night(round(gain + 1, 2)) == {("V1", "H2")}  # keeping it is worth more than the gain
    assert night(round(max(gain - 1, 0), 2)) == {("V1", "H1")}  # a larger gain moves it


def test_sticky_pairs_missing_from_the_shortlist_are_scored_and_added_back(four):
    encoded = encode_campaign(four)
    context = eligibility_context(four, encoded)
    text = TextSimilarity.fit(
        encoded.seek, encoded.visitor_offer, encoded.host_offer, encoded.host_seek
    )
    shortlist = pd.DataFrame(
        {"visitor": pd.Series([0], dtype="int32"), "host": pd.Series([0], dtype="int32"),
         "score": pd.Series([50.0], dtype="float32"), "physical": [True], "virtual": [False],
         "stay_days": pd.Series([3], dtype="int16"), "overlap_days": pd.Series([100], dtype="int32")}
    )  # fmt: skip
    sticky = carry(pending=[("V2", "H2"), ("V3", "H9")], locks=[("V1", "H1")])
    pairs = pd.concat([sticky.held, sticky.pending], ignore_index=True)
    table = carry_candidates(pairs, encoded, text, context, LinearScore().score, shortlist)
    ids = list(
        zip(encoded.visitors.ids[table["visitor"]], encoded.hosts.ids[table["host"]], strict=True)
    )
    # the shortlist as it came (eligibility blocks a locked pair before); H9 does not exist
    assert ids == [("V1", "H1"), ("V2", "H2")]
    assert table["score"].iloc[0] > 0 and table.dtypes.equals(shortlist.dtypes)


def test_after_a_virtual_exchange_of_the_log_another_virtual_one_with_another_host(tmp_path):
    """The seeds audit: V1's virtual exchange with H1 in the log left it no other virtual
    exchange (one in history did): seeds 000/001, "plan one or more exchanges"; only the
    physical visit is one per visiting organisation. Not with H1 again, not on its days."""
    profiles = [
        visitor("V1", mode="virtual"),
        host("H1", capacity=2, mode="virtual"),
        host("H2", capacity=2, mode="virtual"),
    ]
    campaign = make_campaign(tmp_path, profiles)
    after = carry(locks=[("V1", "H1")])
    after = replace(after, locked=after.locked.assign(mode="virtual"))
    night = run_night(campaign, RunOptions(time_limit_s=5, workers=1, as_of=NIGHT, carryover=after))
    assert night.violations == []
    row = night.proposals.iloc[0]
    assert (len(night.proposals), row["host_id"], row["mode"]) == (1, "H2", "virtual")
    exchange = after.locked.iloc[0]
    assert row["start"] > pd.Timestamp(exchange["end"]) or row["end"] < exchange["start"]


def test_after_a_virtual_exchange_of_the_log_a_physical_one_with_another_host(tmp_path):
    """V1's virtual exchange with H1 is in the log: V1 may still go physically, to H2 (the
    log answers a pair once, so not H1 again), whose capacity fits."""
    profiles = [visitor("V1", mode="either"), host("H1", capacity=2), host("H2", capacity=2)]
    campaign = make_campaign(tmp_path, profiles)
    after = carry(locks=[("V1", "H1")])
    after = replace(after, locked=after.locked.assign(mode="virtual"))
    night = run_night(campaign, RunOptions(time_limit_s=5, workers=1, as_of=NIGHT, carryover=after))
    assert night.violations == []
    assert night.proposals[["visitor_id", "host_id", "mode"]].values.tolist() == [
        ["V1", "H2", "physical"]
    ]
