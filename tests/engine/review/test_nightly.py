"""The nightly loop over three nights, re-runs, and nights killed half-way."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from engine.review.log import log_digest, log_path, read_log
from engine.review.nightly import NightlyOptions, night_id, run_nightly
from tests.reviewing import FAST, answer, decisions_csv, small_campaign

NIGHTS = [date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6)]


def nightly(folder: Path, night: date):
    return run_nightly(folder, NightlyOptions(run=FAST, night=night))


def run_folder(folder: Path, night: date) -> Path:
    return folder / "runs" / night_id(night)


def pairs(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(table["visitor_id"], table["host_id"], strict=True))


def drop_in_inbox(folder: Path, name: str, rows: list[dict]) -> Path:
    (folder / "inbox").mkdir(exist_ok=True)
    return decisions_csv(folder / "inbox" / name, rows)


def withdraw_host(folder: Path, host_id: str) -> None:
    profiles = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    profiles.loc[profiles["profile_id"] == host_id, "status"] = "draft"
    profiles.to_csv(folder / "profiles.csv", index=False)


def folder_digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory):
    """Night 1 proposes; reviewers accept 4, reject 4, hold 2, and a host withdraws; night 2;
    reviewers accept 2 more (one of them held) and reject 1; night 3; night 3 again."""
    folder = small_campaign(tmp_path_factory.mktemp("nights") / "campaign", 60, 15, seed=11)
    reports = [nightly(folder, NIGHTS[0])]
    first = pd.read_parquet(run_folder(folder, NIGHTS[0]) / "proposals.parquet")
    accepted, rejected, held = first.iloc[0:4], first.iloc[4:8], first.iloc[8:10]
    rest = first.iloc[10:]
    withdrawn = rest["host_id"].value_counts().index[-1]  # a host with an unanswered proposal
    drop_in_inbox(
        folder,
        "night1-reviews.csv",
        answer(accepted, "accepted") + answer(rejected, "rejected") + answer(held, "hold"),
    )
    withdraw_host(folder, withdrawn)
    # the same night without the churn cost, beside it
    unstable = folder.parent / "without-churn-cost"
    shutil.copytree(folder, unstable)
    with (unstable / "policy.toml").open("a") as policy:
        policy.write("\nchurn_penalty = 0\n")
    nightly(unstable, NIGHTS[1])
    reports.append(nightly(folder, NIGHTS[1]))
    second = pd.read_parquet(run_folder(folder, NIGHTS[1]) / "proposals.parquet")
    others = second[~second["visitor_id"].isin(held["visitor_id"])]
    # one held (as night 2 proposes it: its dates, and its mode, may have moved), one other
    held_now = second.merge(held.iloc[:1][["visitor_id", "host_id"]])
    later_accepted = pd.concat([held_now, others.iloc[:1]])
    later_rejected = others.iloc[-1:]
    drop_in_inbox(
        folder,
        "night2-reviews.csv",
        answer(later_accepted, "accepted") + answer(later_rejected, "rejected"),
    )
    reports.append(nightly(folder, NIGHTS[2]))
    digest = log_digest(read_log(log_path(folder)))
    again = nightly(folder, NIGHTS[2])
    return {
        "folder": folder, "reports": reports, "again": again, "digest": digest,
        "first": first, "second": second, "accepted": accepted, "rejected": rejected,
        "held": held, "withdrawn": withdrawn, "later_accepted": later_accepted,
        "later_rejected": later_rejected,
        "unstable": pd.read_parquet(run_folder(unstable, NIGHTS[1]) / "proposals.parquet"),
    }  # fmt: skip


def proposed_again(accepted: pd.DataFrame, later: pd.DataFrame) -> pd.DataFrame:
    """Later proposals to visitors whose exchange was accepted that break its rules: the same
    host again (the log answers a pair once), days the exchange takes (one exchange at a
    time), a physical one after a physical exchange (one visit per organisation; the
    campaign's organisations have one visitor profile each). Any other exchange may come
    (seeds 000/001: "plan one or more exchanges")."""
    then = accepted[["visitor_id", "host_id", "mode", "start", "end"]]
    again = later.merge(then, on="visitor_id", suffixes=("", "_then"))
    same_host = again["host_id"] == again["host_id_then"]
    shared_days = (again["start"] <= again["end_then"]) & (again["start_then"] <= again["end"])
    second_visit = (again["mode"] == "physical") & (again["mode_then"] == "physical")
    return again[same_host | shared_days | second_visit]


def test_night_two_keeps_the_accepted_and_never_reproposes_the_rejected(three_nights):
    s = three_nights
    second = s["second"]
    assert not pairs(s["rejected"]) & pairs(second)
    assert proposed_again(s["accepted"], second).empty  # locked
    assert pairs(s["held"]) <= pairs(second)  # on hold: still proposed
    assert s["withdrawn"] not in set(second["host_id"])
    manifest = json.loads((run_folder(s["folder"], NIGHTS[1]) / "manifest.json").read_text())
    assert manifest["carryover"]["locked"] == 4 and manifest["checker"]["violations"] == 0
    assert manifest["carryover"]["previous_run"] == night_id(NIGHTS[0])
    kpis = pd.read_csv(run_folder(s["folder"], NIGHTS[1]) / "kpis.csv")
    first_kpis = pd.read_csv(run_folder(s["folder"], NIGHTS[0]) / "kpis.csv")
    total = kpis.loc[kpis["category"] == "All exchanges", "achieved"].sum()  # labels
    before = first_kpis.loc[first_kpis["category"] == "All exchanges", "achieved"].sum()
    assert total == before + 4


def test_changes_explain_every_drop_and_few_pending_proposals_change(three_nights):
    s = three_nights
    changes = pd.read_csv(run_folder(s["folder"], NIGHTS[1]) / "changes.csv", keep_default_na=False)
    by_pair = changes.set_index(["visitor_id", "host_id"])
    assert set(by_pair.loc[list(pairs(s["accepted"])), "change"]) == {"locked"}
    rejected = by_pair.loc[list(pairs(s["rejected"]))]
    assert set(rejected["change"]) == {"dropped"}
    assert rejected["reason"].str.startswith("rejected by reviewers").all()
    dropped = changes[changes["change"] == "dropped"]
    assert (dropped["reason"].str.len() > 10).all()  # every drop explained
    withdrawn = dropped[dropped["host_id"] == s["withdrawn"]]
    assert len(withdrawn) >= 1 and withdrawn["reason"].str.contains("not_published").all()

    decided = pairs(s["accepted"]) | pairs(s["rejected"]) | pairs(s["held"])
    pending = {p for p in pairs(s["first"]) if p not in decided and p[1] != s["withdrawn"]}
    kept = pending & pairs(s["second"])
    # the churn cost keeps unanswered proposals (at least as many as without it; a withdrawn
    # host's visitors may take others' places where they gain more, each drop says so)
    assert len(kept) >= len(pending & pairs(s["unstable"])) and len(kept) >= len(pending) / 2
    for pair in pending - kept:
        assert by_pair.loc[pair, "reason"].startswith(("replaced", "no longer allowed")), pair
    # a kept proposal whose group moved says so (the audit read "kept" and nothing else)
    first = pd.read_csv(run_folder(s["folder"], NIGHTS[0]) / "proposals.csv", dtype=str)
    second = pd.read_csv(run_folder(s["folder"], NIGHTS[1]) / "proposals.csv", dtype=str)
    both = first.merge(second, on=["visitor_id", "host_id"], suffixes=("_1", "_2"))
    moved = both[
        (both["start_1"] != both["start_2"])
        | (both["end_1"] != both["end_2"])
        | (both["mode_1"] != both["mode_2"])
    ]
    for row in moved.to_dict("records"):
        reason = by_pair.loc[(row["visitor_id"], row["host_id"]), "reason"]
        assert reason.startswith("now ") and f"(was {row['start_1']}.." in reason, reason
    unmoved = both.drop(moved.index)
    for row in unmoved.to_dict("records"):
        assert by_pair.loc[(row["visitor_id"], row["host_id"]), "reason"] == ""
    assert set(changes["change"]) <= {"new", "kept", "locked", "dropped"}
    assert len(changes[changes["change"].isin(["new", "kept"])]) == len(s["second"])


def test_night_three_holds_every_earlier_decision(three_nights):
    s = three_nights
    third = pd.read_parquet(run_folder(s["folder"], NIGHTS[2]) / "proposals.parquet")
    rejected = pairs(s["rejected"]) | pairs(s["later_rejected"])
    assert not rejected & pairs(third)
    accepted = pd.concat([s["accepted"], s["later_accepted"]])
    locked = set(accepted["visitor_id"])
    assert proposed_again(accepted, third).empty
    manifest = json.loads((run_folder(s["folder"], NIGHTS[2]) / "manifest.json").read_text())
    assert manifest["carryover"]["locked"] == len(locked)
    assert manifest["checker"]["violations"] == 0
    report = (run_folder(s["folder"], NIGHTS[2]) / "report.html").read_text()
    assert night_id(NIGHTS[1]) in report  # "what changed since" names the previous run


def test_the_same_night_twice_changes_nothing(three_nights):
    s = three_nights
    again = s["again"]
    assert not again.ran and again.imported == []
    assert log_digest(read_log(log_path(s["folder"]))) == s["digest"]
    assert sorted(p.name for p in (s["folder"] / "runs").iterdir()) == [night_id(n) for n in NIGHTS]
    assert sorted(p.name for p in (s["folder"] / "inbox" / "imported").iterdir()) == [
        "night1-reviews.csv",
        "night2-reviews.csv",
    ]
    log = read_log(log_path(s["folder"]))
    assert not log.duplicated(["visitor_id", "host_id", "side", "decision"]).any()


KILL = textwrap.dedent(
    """
    import os, signal, sys
    import engine.{module} as target
    original = target.{function}

    def die_after(*args, **kwargs):
        original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    target.{function} = die_after
    from engine.cli.main import app
    app(sys.argv[1:])
    """
)


def nightly_killed(folder: Path, night: date, module: str, function: str) -> None:
    script = KILL.format(module=module, function=function)
    args = [
        "nightly",
        str(folder),
        "--night",
        night.isoformat(),
        "--time-limit",
        "5",
        "--workers",
        "1",
    ]
    killed = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    assert killed.returncode == -9, killed.stderr


@pytest.mark.parametrize(
    ("module", "function"),
    [("review.log", "_insert_rows"), ("output.store", "_fsync")],
    ids=["killed during the import", "killed while writing the run"],
)
def test_a_killed_night_loses_and_duplicates_nothing(tmp_path, module, function):
    folder = small_campaign(tmp_path / "campaign", 40, 10, seed=5)
    nightly(folder, NIGHTS[0])
    first_run = run_folder(folder, NIGHTS[0])
    before = folder_digest(first_run)
    first = pd.read_parquet(first_run / "proposals.parquet")
    drop_in_inbox(
        folder,
        "reviews.csv",
        answer(first.iloc[:2], "accepted") + answer(first.iloc[2:4], "rejected"),
    )
    control = tmp_path / "control"
    shutil.copytree(folder, control)

    nightly_killed(folder, NIGHTS[1], module, function)
    assert not run_folder(folder, NIGHTS[1]).exists()  # at most a hidden .tmp folder
    assert folder_digest(first_run) == before
    if module == "review.log":
        assert read_log(log_path(folder)).empty and (folder / "inbox" / "reviews.csv").exists()
    else:
        assert len(read_log(log_path(folder))) == 8  # the import was complete before the run

    report = nightly(folder, NIGHTS[1])
    assert report.ran
    log = read_log(log_path(folder))
    assert len(log) == 8 and not log.duplicated(["visitor_id", "host_id", "side"]).any()
    nightly(control, NIGHTS[1])  # the same night, never interrupted
    columns = ["visitor_id", "host_id", "start", "end", "mode", "score"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(run_folder(folder, NIGHTS[1]) / "proposals.parquet")[columns],
        pd.read_parquet(run_folder(control, NIGHTS[1]) / "proposals.parquet")[columns],
    )


def test_an_inbox_file_with_problems_records_its_valid_rows_and_lists_the_rest(tmp_path):
    folder = small_campaign(tmp_path / "campaign", 40, 10, seed=5)
    nightly(folder, NIGHTS[0])
    first = pd.read_parquet(run_folder(folder, NIGHTS[0]) / "proposals.parquet")
    rows = answer(first.iloc[:2], "rejected") + [
        {"visitor_id": "V9", "host_id": "H9", "decision": "yes"}
    ]
    drop_in_inbox(folder, "bad.csv", rows)
    report = nightly(folder, NIGHTS[1])
    assert report.ran and len(report.invalid) == 1
    assert (folder / "inbox" / "imported" / "bad.csv").exists()  # its valid rows are recorded
    problems = (folder / "inbox" / "bad.csv.problems.txt").read_text()
    assert "row 4, column decision: 'yes' is not a decision" in problems
    assert "the other 2 answered rows were recorded" in problems
    second = pd.read_parquet(run_folder(folder, NIGHTS[1]) / "proposals.parquet")
    assert not pairs(first.iloc[:2]) & pairs(second)  # the two rejections count tonight


def test_an_unreadable_inbox_file_stays_and_the_night_still_runs(tmp_path):
    folder = small_campaign(tmp_path / "campaign", 40, 10, seed=5)
    nightly(folder, NIGHTS[0])
    (folder / "inbox").mkdir()
    bad = folder / "inbox" / "bad.csv"
    bad.write_text("visitor,host\nV1,H1\n")
    report = nightly(folder, NIGHTS[1])
    assert report.ran and len(report.invalid) == 1 and bad.exists()
    assert (
        "column visitor_id: column is missing"
        in (folder / "inbox" / "bad.csv.problems.txt").read_text()
    )
    assert not log_path(folder).exists()
