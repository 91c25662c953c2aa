"""End-to-end: the cxmatch command's exit codes and the files it writes (or does not)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app

runner = CliRunner()
DATA = Path(__file__).parents[2] / "data"


@pytest.fixture(scope="module")
def small_campaign(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("campaign") / "small"
    result = runner.invoke(
        app, ["generate", "--visitors", "120", "--hosts", "30", "--seed", "3", "--out", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return folder


def run(*args: str):
    return runner.invoke(app, ["run", *args, "--time-limit", "10"])


def test_run_writes_a_complete_checked_run(small_campaign, tmp_path):
    out = tmp_path / "run"
    result = run(str(small_campaign), "--out", str(out))
    assert result.exit_code == exitcodes.OK, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alternatives.csv",
        "candidates.parquet",
        "changes.csv",
        "kpis.csv",
        "manifest.json",
        "proposals.csv",
        "proposals.parquet",
        "proposals.xlsx",
        "report.html",
        "unmatched.csv",
    ]
    proposals = pd.read_parquet(out / "proposals.parquet")
    assert len(proposals) > 0
    assert (proposals["category"] == "sme").mean() >= 0.5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["solver"]["status"] in ("optimal", "feasible")
    # the dated model's solver by its phases, in the manifest and the terminal alike
    assert manifest["solver"]["name"] == "group LP + HiGHS + CP-SAT search"
    assert "solver group LP + HiGHS + CP-SAT search: " in result.output
    for key in ("objective", "best_bound", "gap", "greedy_objective"):
        assert manifest["solver"][key] is not None
    assert manifest["checker"]["violations"] == 0
    # how the run's time was spent, stage by stage, and whether the wall clock cut the solve
    stages = {"load", "encode", "training", "candidates", "solve", "diagnosis", "check", "writing"}
    assert stages | {"run_total"} <= set(manifest["timings_s"])
    assert sum(manifest["timings_s"][s] for s in stages) <= manifest["timings_s"]["run_total"]
    assert manifest["solver"]["reproducible"] in (True, False)
    assert set(manifest["input_hashes"]) >= {"profiles.csv", "history.csv", "quotas.csv"}
    written = (out / "proposals.csv").read_text()
    assert "@example" not in written  # no contact data in outputs


def test_same_seed_gives_identical_proposals(small_campaign, tmp_path):
    tables = []
    for name in ("a", "b"):
        assert run(str(small_campaign), "--out", str(tmp_path / name), "--seed", "4").exit_code == 0
        tables.append(pd.read_parquet(tmp_path / name / "proposals.parquet").drop(columns="run_id"))
    pd.testing.assert_frame_equal(tables[0], tables[1])


@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_input_exits_2_lists_every_problem_and_writes_nothing(command, tmp_path):
    out = tmp_path / "run"
    args = [command, str(DATA / "bad_many_defects")] + (
        ["--out", str(out)] if command == "run" else []
    )
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.BAD_INPUT
    assert result.output.count("profiles.csv") >= 3  # several problems, each located
    assert "row" in result.output and "column" in result.output
    assert not out.exists()
    assert not any(p.name.startswith(".tmp") for p in tmp_path.iterdir())


def test_validate_accepts_a_valid_campaign(small_campaign):
    result = runner.invoke(app, ["validate", str(small_campaign)])
    assert result.exit_code == 0 and "valid" in result.output


def test_existing_run_folder_is_never_overwritten(small_campaign, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("earlier run")
    result = run(str(small_campaign), "--out", str(out))
    assert result.exit_code == exitcodes.OUTPUT_EXISTS
    assert (out / "keep.txt").read_text() == "earlier run"


def test_a_failed_write_leaves_no_partial_run(small_campaign, tmp_path, monkeypatch):
    import engine.output.run_folder

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(engine.output.run_folder, "_csv", broken)
    out = tmp_path / "run"
    result = run(str(small_campaign), "--out", str(out))
    assert result.exit_code != 0
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_checker_veto_writes_nothing(small_campaign, tmp_path, monkeypatch):
    import engine.night.night
    from engine.check.violations import Violation

    monkeypatch.setattr(
        engine.night.night, "check_proposals", lambda *_: [Violation("host_capacity", "too many")]
    )
    out = tmp_path / "run"
    result = run(str(small_campaign), "--out", str(out))
    assert result.exit_code == exitcodes.RULES_BROKEN
    assert "host_capacity" in result.output
    assert not out.exists()


def test_generate_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("mine")
    result = runner.invoke(
        app, ["generate", "--out", str(tmp_path), "--visitors", "5", "--hosts", "2"]
    )
    assert result.exit_code == exitcodes.OUTPUT_EXISTS
    assert (tmp_path / "x").read_text() == "mine"


def test_demo_campaign_is_bundled_and_valid():
    from engine.synthetic.generator import demo_campaign_path

    folder = demo_campaign_path()
    assert (folder / "profiles.csv").is_file()
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("limit", ["0", "-1", "nan", "inf"])
def test_a_time_limit_that_is_not_a_positive_number_is_refused(small_campaign, tmp_path, limit):
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(small_campaign), "--out", str(out), "--time-limit", limit]
    )
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    assert "--time-limit must be a positive number" in result.output
    assert not out.exists()


def test_exchanges_short_of_the_sme_share_do_not_block_the_night(tmp_path):
    """Accepted non-SME exchanges already break the SME share: the night is not refused for
    what was accepted before (it was: exit 4, and the same exchanges in history.csv were not
    counted at all: the audit); tonight's proposals hold the share on their own, said so."""
    from tests.factory import host, make_campaign, visitor

    folder = tmp_path / "campaign"
    profiles = [
        visitor("V1", org_type="cluster_organisation"),
        visitor("V2", org_type="technology_centre"),
        visitor("S1"),
        visitor("S2"),
        host("H1", capacity=2),
        host("H2", capacity=2),
    ]
    plan = 'plan_on = "proposals"\n'  # on the outcome, the SMEs' chances decide who else goes
    make_campaign(folder, profiles, policy=plan)
    first = tmp_path / "runs" / "first"
    assert run(str(folder), "--out", str(first)).exit_code == exitcodes.OK
    proposals = pd.read_csv(first / "proposals.csv")
    non_smes = proposals[proposals["category"] != "SME"]  # the CSV shows labels
    assert sorted(non_smes["visitor_id"]) == ["V1", "V2"]
    decisions = non_smes[["visitor_id", "host_id"]].assign(decision="accepted")
    decisions.to_csv(tmp_path / "decisions.csv", index=False)
    decided = runner.invoke(app, ["decide", str(first), str(tmp_path / "decisions.csv")])
    assert decided.exit_code == exitcodes.OK, decided.output
    for sme in profiles[2:4]:
        sme["status"] = "draft"
    profiles += [visitor("V3", org_type="technology_centre", org_id="O-V3b"), visitor("S3")]
    make_campaign(folder, profiles, policy=plan)

    second = tmp_path / "runs" / "second"
    result = run(str(folder), "--out", str(second))
    assert result.exit_code == exitcodes.OK, result.output
    assert sorted(pd.read_csv(second / "proposals.csv")["visitor_id"]) == ["S3", "V3"]
    assert "SME share 50.0% of tonight's proposals, at least 50% (the 2 exchanges" in result.output
    counts = json.loads((second / "manifest.json").read_text())["counts"]
    assert counts["exchanges_before"] == 2 and not counts["exchanges_before_in_sme_share"]


def test_an_infeasible_night_exits_4_naming_the_blocking_rule(tmp_path, monkeypatch):
    """A night whose solver proves no plan keeps the hard rules says which (exit 4) and
    writes nothing."""
    import engine.night.night as night
    from solvers.result import SolveStatus
    from tests.factory import host, make_campaign, visitor

    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1", org_type="cluster_organisation"), host("H1")])
    solve = night.solve_assignment

    def proven_infeasible(problem, options):
        found = solve(problem, options)
        return replace(found, status=SolveStatus.INFEASIBLE, objective=None, best_bound=None)

    monkeypatch.setattr(night, "solve_assignment", proven_infeasible)
    out = tmp_path / "run"
    result = run(str(folder), "--out", str(out))
    assert result.exit_code == exitcodes.NO_SOLUTION, result.output
    assert "Traceback" not in result.output and not out.exists()


def test_a_quiet_first_night_writes_an_empty_run(tmp_path):
    """A new campaign's first night with no eligible pair (one visitor, one host, the same
    country), no quotas and no decisions: an empty run (0 proposals, empty KPIs), exit 0,
    never an internal error; the scorer says in words why it is not calibrated."""
    from tests.factory import host, make_campaign, visitor

    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1"), host("H1", country="DE")])
    (folder / "quotas.csv").unlink()
    (folder / "history.csv").unlink()
    out = tmp_path / "run"
    result = run(str(folder), "--out", str(out))
    assert result.exit_code == exitcodes.OK, result.output
    assert pd.read_csv(out / "proposals.csv").empty
    kpis = pd.read_csv(out / "kpis.csv")
    assert kpis.empty and "partnership" in kpis.columns
    manifest = json.loads((out / "manifest.json").read_text())
    source = manifest["scorer"]["source"]
    assert "no labelled decisions" in source and "shape" not in source
    # one accepted exchange in history: one class, said in words (the audit read the model's
    # class name, "CalibratedDefaults needs labels of exactly 2 classes")
    history = [{"visitor_id": "V1", "host_id": "H2", "decided_on": "2026-11-02",
                "outcome": "accepted", "mode": "virtual"}]  # fmt: skip
    make_campaign(folder, [visitor("V1"), host("H1", country="DE"), host("H2")], history)
    again = run(str(folder), "--out", str(tmp_path / "again"))
    assert again.exit_code == exitcodes.OK, again.output
    source = json.loads((tmp_path / "again" / "manifest.json").read_text())["scorer"]["source"]
    assert "its one labelled decision is accepted" in source and "Calibrated" not in source


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["run", "{campaign}", "--time-limit", "0", "--top-k", "0", "--seed", "-1",
             "--pace", "9", "--workers", "99", "--as-of", "2027-13-01"],
            ["--time-limit", "--top-k", "--seed", "--pace", "--workers", "--as-of"],
        ),
        (
            ["nightly", "{campaign}", "--time-limit", "-3", "--workers", "0",
             "--night", "someday"],
            ["--time-limit", "--workers", "--night"],
        ),
        (
            ["generate", "--visitors", "0", "--hosts", "-1", "--format", "xls",
             "--words", "ids", "--out", "{out}"],
            ["--visitors", "--hosts", "--format", "--words"],
        ),
    ],
    ids=["run", "nightly", "generate"],
)  # fmt: skip
def test_every_bad_option_is_listed_at_once(small_campaign, tmp_path, command, expected):
    """Bad options, like bad rows, are listed all at once (exit 2), and nothing is written."""
    out = tmp_path / "out"
    args = [a.format(campaign=small_campaign, out=out) for a in command]
    result = runner.invoke(app, args)
    assert result.exit_code == exitcodes.BAD_INPUT, result.output
    lines = result.output.strip().splitlines()
    for name in expected:
        assert sum(line.startswith(name) for line in lines) == 1, (name, result.output)
    assert not out.exists() and not (small_campaign / "runs").exists()


def test_the_left_out_line_adds_up_with_the_reasons_it_does_not_name():
    """The audit: '26 visitors (sme share 10, language 7, physical visit used 5)' adds to 22."""
    from engine.cli.run import left_out_summary

    codes = ["sme_share"] * 10 + ["language"] * 7 + ["physical_visit_used"] * 5
    codes += ["availability"] * 2 + ["group"] * 2
    table = pd.DataFrame({"side": "visitor", "code": codes})
    assert left_out_summary(table) == (
        "  left out: 26 visitors (sme share 10, language 7, physical visit used 5, "
        "2 other reasons 4) (unmatched.csv)"
    )


def test_an_exchange_proposed_by_a_run_written_elsewhere_may_be_cancelled(tmp_path):
    """The audit: runs written with --out outside CAMPAIGN/runs; an exchange accepted from
    the first could not be cancelled with the second's decide ('was proposed by no run of
    this campaign'), though the decision log holds it."""
    from tests.factory import host, make_campaign, visitor

    folder = tmp_path / "campaign"
    make_campaign(folder, [visitor("V1"), visitor("V2", country="IT"), host("H1", capacity=2)])
    first, second = tmp_path / "elsewhere" / "r1", tmp_path / "elsewhere" / "r2"
    assert run(str(folder), "--out", str(first)).exit_code == exitcodes.OK
    pair = pd.read_csv(first / "proposals.csv").iloc[0]
    answer = tmp_path / "accept.csv"
    pd.DataFrame([{"visitor_id": pair["visitor_id"], "host_id": pair["host_id"],
                   "decision": "accepted"}]).to_csv(answer, index=False)  # fmt: skip
    assert runner.invoke(app, ["decide", str(first), str(answer)]).exit_code == exitcodes.OK
    assert run(str(folder), "--out", str(second)).exit_code == exitcodes.OK
    cancel = tmp_path / "cancel.csv"
    pd.DataFrame([{"visitor_id": pair["visitor_id"], "host_id": pair["host_id"],
                   "decision": "cancelled"}]).to_csv(cancel, index=False)  # fmt: skip
    result = runner.invoke(app, ["decide", str(second), str(cancel)])
    assert result.exit_code == exitcodes.OK, result.output
    assert "proposed by no run" not in result.output


def test_decisions_dated_after_the_night_are_said(tmp_path):
    """The outputs audit: the demo's history holds 71 decisions dated after its night, read
    as known without a word; a night says so, in the terminal and the manifest."""
    from tests.factory import host, make_campaign, visitor

    folder = tmp_path / "campaign"
    history = [
        {"visitor_id": "V1", "host_id": "H1", "decided_on": "2026-11-02", "outcome": "rejected",
         "mode": "physical"},
        {"visitor_id": "V2", "host_id": "H1", "decided_on": "2027-01-03", "outcome": "accepted",
         "mode": "physical"},
    ]  # fmt: skip
    make_campaign(folder, [visitor("V1"), visitor("V2"), host("H1")], history=history)
    out = tmp_path / "night"
    result = run(str(folder), "--out", str(out), "--as-of", "2026-12-14")
    assert result.exit_code == exitcodes.OK, result.output
    said = "the history holds 1 decision dated after the night 2026-12-14 (1 accepted"
    assert said in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert any(said in warning for warning in manifest["warnings"])
