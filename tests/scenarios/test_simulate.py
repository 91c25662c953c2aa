"""Scenario files, what-if changes and the night-by-night simulation (tiny campaigns)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from engine.domain.contract import Campaign
from engine.night.expected import still_missing
from engine.night.night import run_night
from engine.night.options import RunOptions
from scenarios.figures import kpi_end, kpi_progress
from scenarios.lumpsum import lump_sums
from scenarios.simulate import _decide, simulate
from scenarios.spec import Acceptance, ScenarioInvalid, load_scenario
from scenarios.whatif import load_base, prepare

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "scenarios"

TINY = """
name = "{name}"
nights = {nights}
seed = 1
days_between_nights = 7
[base]
visitors = 60
hosts = 20
seed = 3
[engine]
time_limit_s = 30
"""


def write_scenario(folder: Path, name: str = "tiny", nights: int = 2, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(TINY.format(name=name, nights=nights) + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Campaign:
    path = write_scenario(tmp_path_factory.mktemp("scenario"))
    return load_base(load_scenario(path))


# --- scenario files -------------------------------------------------------------------------


def test_unknown_keys_and_bad_values_are_all_listed_with_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        """
nigths = 3
[policy]
min_sme_share = 1.5
colour = "red"
[[changes]]
action = "add"
role = "host"
count = 0
like = { country = "PT", flavour = 1 }
[[changes]]
action = "explode"
[acceptance]
model = "constant"
""",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    for expected in (
        "unknown key 'nigths'",
        "unknown key 'colour' in [policy]",
        "policy.min_sme_share",
        "changes[1].count",
        "unknown key 'flavour' in [changes[1].like]",
        "changes[2]: unknown action 'explode'",
        "needs 'probability'",
    ):
        assert expected in message, expected
    assert len(caught.value.problems) == 7


def test_every_example_scenario_is_valid_and_prepares_on_its_campaign():
    examples = sorted(EXAMPLES.glob("*.toml"))
    assert len(examples) >= 4
    bases: dict[str, Campaign] = {}
    for path in examples:
        loaded = load_scenario(path)
        key = repr(loaded.scenario.base)
        if key not in bases:
            bases[key] = load_base(loaded)
        prepared = prepare(loaded.scenario, bases[key], seed=0, source=str(path))
        assert len(prepared.campaign.profiles) >= len(bases[key].profiles), path.name
    assert (EXAMPLES / "README.md").is_file()


def test_what_ifs_change_the_campaign_as_described(tmp_path, tiny_base):
    path = write_scenario(
        tmp_path,
        extra="""
[policy]
min_sme_share = 0.4
[[changes]]
action = "add"
role = "host"
count = 4
like = { org_type = "technology_centre" }
set = { country = "PT", languages = ["pt", "en"] }
[[changes]]
action = "scale_capacity"
factor = 2
where = { country = "PT" }
[[changes]]
action = "remove"
role = "visitor"
where = { category = "sme" }
share = 0.5
[[changes]]
action = "set_quota"
partnership = "BLUES"
category = "sme"
target = 40
[arrivals]
visitors_per_night = 3
from_night = 2
""",
    )
    prepared = prepare(load_scenario(path).scenario, tiny_base, seed=5)
    profiles = prepared.campaign.profiles
    added = profiles[profiles["profile_id"].str.startswith("X1H")]
    assert len(added) == 4
    assert set(added["country"]) == {"PT"}
    assert all(languages == ("pt", "en") for languages in added["languages"])
    assert set(added["org_type"]) == {"technology_centre"}
    base_pt = tiny_base.hosts[tiny_base.hosts["country"] == "PT"]
    doubled = profiles.set_index("profile_id").loc[base_pt["profile_id"], "capacity"]
    assert (doubled.to_numpy() == 2 * base_pt["capacity"].to_numpy()).all()
    smes = tiny_base.visitors["org_type"] == "sme"
    published_before = (tiny_base.visitors["status"] == "published") & smes
    after = profiles.set_index("profile_id").loc[tiny_base.visitors.loc[smes, "profile_id"]]
    assert (after["status"] == "draft").sum() >= round(0.5 * smes.sum()) - (
        ~published_before & smes
    ).sum()
    quota = prepared.campaign.quotas
    assert quota.loc[
        (quota["partnership"] == "BLUES") & (quota["category"] == "sme"), "target"
    ].tolist() == [40]
    assert prepared.campaign.policy.min_sme_share == 0.4
    arrivals = prepared.arrival_night > 1
    assert arrivals.sum() == 3  # two nights, arrivals from night 2 only
    assert (prepared.arrival_night[arrivals] == 2).all()


def test_changes_the_campaign_refuses_are_listed_together(tmp_path, tiny_base):
    path = write_scenario(
        tmp_path,
        extra="""
[[changes]]
action = "add"
role = "host"
count = 2
like = { country = "MT", partnership = "NO-SUCH-PARTNERSHIP" }
[[changes]]
action = "add"
role = "visitor"
count = 2
set = { org_type = "large_company" }
[[changes]]
action = "remove"
role = "host"
where = { country = "NO" }
[[changes]]
action = "set_quota"
partnership = "P9"
category = "sme"
target = 5
""",
    )
    with pytest.raises(ScenarioInvalid) as caught:
        prepare(load_scenario(path).scenario, tiny_base, seed=0)
    message = str(caught.value)
    # the audit read "the quotas after the changes: 'P9' ..." (which change?)
    assert "changes[4].partnership: 'P9' is not the partnership of any profile" in message
    assert "changes[1].like.partnership: 'NO-SUCH-PARTNERSHIP' has no profile" in message
    assert "changes[1].like: matches no host profile" in message
    assert "changes[3].where.country: 'NO' is not a COSME country" in message
    # the campaign's own validation, in the same report, at the key that caused it
    assert "changes[2].set.org_type: 'large_company' may only host" in message
    assert "(2 visitors it adds)" in message and "profiles.csv" not in message


def test_large_company_visitors_are_refused_by_the_campaign_validation(tmp_path, tiny_base):
    path = write_scenario(
        tmp_path,
        extra="""
[[changes]]
action = "add"
role = "visitor"
count = 2
set = { org_type = "large_company" }
""",
    )
    with pytest.raises(ScenarioInvalid) as caught:
        prepare(load_scenario(path).scenario, tiny_base, seed=0)
    assert caught.value.problems == [
        "changes[1].set.org_type: 'large_company' may only host; this profile is a visitor "
        "(2 visitors it adds)"
    ]


# --- the simulation --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory, tiny_base):
    path = write_scenario(tmp_path_factory.mktemp("sim"), nights=3)
    prepared = prepare(load_scenario(path).scenario, tiny_base, seed=1)
    return prepared, simulate(prepared)


def test_night_one_is_exactly_the_nightly_run(tiny_result):
    prepared, result = tiny_result
    assert (
        prepared.first_night
        <= pd.Timestamp(prepared.campaign.profiles["available_from"].min()).date()
    )
    options = RunOptions(time_limit_s=30, workers=1, seed=1, as_of=prepared.first_night)
    nightly = run_night(prepared.campaign, options)
    night_one = result.proposals[result.proposals["night"] == 1]
    columns = ["visitor_id", "host_id", "start", "end", "mode", "score"]
    pd.testing.assert_frame_equal(
        night_one[columns].reset_index(drop=True), nightly.proposals[columns].reset_index(drop=True)
    )


def test_decisions_become_history_and_are_never_proposed_again(tiny_result):
    prepared, result = tiny_result
    proposals = result.proposals
    assert (result.nights["solver_status"] == "optimal").all()
    assert set(proposals["outcome"]) <= {"accepted", "rejected", "already_accepted"}
    rejected = proposals[proposals["outcome"] == "rejected"]
    accepted = proposals[proposals["outcome"] == "accepted"]
    assert len(accepted) > 0 and len(rejected) > 0
    for _, row in rejected.iterrows():  # a rejected pair never comes back
        later = proposals[
            (proposals["night"] > row["night"])
            & (proposals["visitor_id"] == row["visitor_id"])
            & (proposals["host_id"] == row["host_id"])
        ]
        assert later.empty
    # accepted exchanges are locked: their visitor may be proposed another exchange (seeds
    # 000/001, "plan one or more exchanges"), never with that host again, on its days, nor a
    # second physical one (one visit per organisation; one profile per organisation here),
    # and they occupy their host on their dates on every later night
    for row in proposals.itertuples(index=False):
        before = accepted[
            (accepted["night"] < row.night) & (accepted["visitor_id"] == row.visitor_id)
        ]
        assert row.host_id not in set(before["host_id"])
        assert not ((before["start"] <= row.end) & (row.start <= before["end"])).any()
        assert not (row.mode == "physical" and (before["mode"] == "physical").any())
    capacity = prepared.campaign.profiles.set_index("profile_id")["capacity"]
    for host_id, stays in accepted.groupby("host_id"):
        days = pd.concat(
            [
                pd.Series(pd.date_range(s, e))
                for s, e in zip(stays["start"], stays["end"], strict=True)
            ]
        )
        assert days.value_counts().max() <= capacity[host_id]  # on every day, within capacity
    # nothing starts before the night plus the lead time (14 days)
    assert (proposals["start"] >= proposals["night_date"] + pd.Timedelta(days=14)).all()
    # KPI progress adds exactly the accepted exchanges, night by night
    progress = result.kpi_progress
    totals = progress[progress["category"] == "total"].groupby("night")["achieved"].sum()
    per_night = accepted.groupby("night").size().reindex(totals.index, fill_value=0)
    assert (totals.diff().dropna().astype(int) == per_night.iloc[1:].to_numpy()).all()


def test_summary_and_lump_sums_add_up(tiny_result):
    _, result = tiny_result
    accepted = result.proposals[result.proposals["outcome"] == "accepted"]
    summary = result.summary
    assert summary["accepted"] == len(accepted) == result.nights["accepted"].sum()
    assert summary["lump_sum_eur"] == pytest.approx(accepted["lump_sum_eur"].sum())
    assert (accepted.loc[accepted["mode"] == "virtual", "lump_sum_eur"] == 0).all()
    quotas = result.kpis[result.kpis["target"] > 0]
    assert summary["kpis"] == len(quotas)
    assert summary["kpis_met"] == int((quotas["shortfall"] == 0).sum())
    # an exchange counts in its category and its partnership's total: never added up
    missing = sum(
        max(rows.loc[rows["category"] == "total", "shortfall"].sum(),
            rows.loc[rows["category"] != "total", "shortfall"].sum())
        for _, rows in quotas.groupby("partnership")
    )  # fmt: skip
    assert summary["shortfall"] == missing
    met = quotas.dropna(subset=["met_night"])
    assert (met["achieved_end"] >= met["target"]).all()


def test_exchanges_still_missing_count_each_exchange_once():
    """The scenarios audit: 28 missing in the totals and 37 in the categories were "65
    exchanges still missing"; at least 37 are (a category's exchange counts in the total)."""
    kpis = pd.DataFrame(
        {
            "partnership": ["P1", "P1", "P1", "P2", "P2"],
            "category": ["total", "sme", "cluster", "total", "sme"],
            "shortfall": [28, 20, 17, 5, 3],
        }
    )
    assert still_missing(kpis, "shortfall") == 37 + 5


def test_lump_sum_is_the_host_country_threshold_whatever_the_stay_unless_the_policy_says():
    """Seed 002: "Planned stay duration: 3 working days · Max Lump Sum: 830 € · Host country:
    Belgium"; the public page's halving under 5 working days is ``short_stay_rate = 0.5``."""
    stays = (
        pd.Series(["BE", "BE", "BE", "PT"]),
        pd.Series([5, 3, 3, 10]),
        pd.Series(["physical", "physical", "virtual", "physical"]),
    )
    assert lump_sums(*stays).tolist() == [830.0, 830.0, 0.0, 780.0]
    assert lump_sums(*stays, short_stay_rate=0.5).tolist() == [830.0, 415.0, 0.0, 780.0]


def test_same_scenario_and_seed_give_identical_results(tmp_path, tiny_base, tiny_result):
    prepared, first = tiny_result
    again = simulate(prepare(prepared.scenario, tiny_base, seed=1))
    assert again.summary == first.summary
    for name in ("nights", "proposals", "kpi_progress", "kpis"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(first, name))
    other = simulate(prepare(prepared.scenario, tiny_base, seed=2))
    assert not other.proposals[["visitor_id", "host_id", "outcome"]].equals(
        first.proposals[["visitor_id", "host_id", "outcome"]]
    )


def test_constant_acceptance_of_one_accepts_every_proposal(tmp_path, tiny_base):
    path = write_scenario(
        tmp_path, nights=1, extra='[acceptance]\nmodel = "constant"\nprobability = 1.0\n'
    )
    result = simulate(prepare(load_scenario(path).scenario, tiny_base, seed=0))
    # an exchange history holds already is not decided twice in its own mode
    assert set(result.proposals["outcome"]) <= {"accepted", "already_accepted"}
    assert (result.proposals["outcome"] == "accepted").sum() > 0
    assert np.allclose(result.proposals["acceptance_probability"], 1.0)


def test_a_physical_proposal_after_a_virtual_exchange_is_decided(tiny_result, tiny_base):
    """The audit: a pair the engine proposed physically after its virtual exchange (seed 001:
    a virtual exchange does not prevent a physical one) was marked already accepted, never
    decided, and proposed again every night, holding its host's places."""
    _, result = tiny_result
    night = result.proposals[result.proposals["night"] == 1].head(2)
    assert len(night) == 2
    modes = ["virtual", "physical"]
    history = pd.DataFrame(
        {
            "visitor_id": night["visitor_id"].to_numpy(),
            "host_id": night["host_id"].to_numpy(),
            "decided_on": pd.Timestamp("2026-01-05"),
            "outcome": "completed",
            "mode": modes,
        }
    )
    proposals = night.assign(mode="physical")
    campaign = tiny_base.replace(history=pd.concat([tiny_base.history, history], ignore_index=True))
    acceptance = Acceptance(model="constant", probability=1.0)
    decided = _decide(campaign, proposals, acceptance, seed=1, night=2)
    # after the virtual exchange: decided; the physical exchange proposed again: not twice
    assert decided["outcome"].tolist() == ["accepted", "already_accepted"]
    assert decided["lump_sum_eur"].iloc[0] > 0


def test_a_kpi_target_of_zero_is_met_from_the_start(tiny_base):
    """The audit: kpi_progress.csv said met False for a target of 0 whatever was achieved."""
    progress = kpi_progress(tiny_base, 0, None)
    zero = progress[progress["target"] == 0]
    assert len(zero) and zero["met"].all()
    assert (progress["met"] == (progress["achieved"] >= progress["target"])).all()


def test_a_kpi_target_of_zero_first_listed_later_is_met_from_the_start():
    """The scenarios' audit: a category without a quota (target 0), listed from night 2 when
    something was proposed in it, had met_night 2 and a met_date."""
    rows = [(0, "P1", "sme", 2, 0, False), (1, "P1", "sme", 2, 1, False),
            (2, "P1", "sme", 2, 2, True), (2, "P1", "public", 0, 1, True)]  # fmt: skip
    progress = pd.DataFrame(
        rows, columns=["night", "partnership", "category", "target", "achieved", "met"]
    ).assign(shortfall=lambda t: (t["target"] - t["achieved"]).clip(lower=0))
    end = kpi_end(progress, [date(2027, 1, 4), date(2027, 1, 11)]).set_index("category")
    assert end.loc["public", "met_night"] == 0 and pd.isna(end.loc["public", "met_date"])
    assert end.loc["sme", "met_night"] == 2
    assert end.loc["sme", "met_date"] == pd.Timestamp("2027-01-11")


# --- the command line ------------------------------------------------------------------------


def test_simulate_command_writes_every_file_atomically(tmp_path):
    scenario = write_scenario(tmp_path / "in")
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(scenario), "--out", str(out)])
    assert result.exit_code == exitcodes.OK, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "accepted.csv",
        "kpi_progress.csv",
        "kpis.csv",
        "manifest.json",
        "nights.csv",
        "proposals.parquet",
        "report.html",
        "summary.json",
    ]
    report = (out / "report.html").read_text()
    assert "<svg" in report and "data:image/png" not in report  # charts inline, as SVG
    assert "http://" not in report and "https://" not in report  # self-contained
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert summary["nights"] == 2
    # the manifest's input hashes: the scenario file's and the base campaign's files'
    manifest = json.loads((out / "manifest.json").read_text())
    digest = hashlib.sha256(scenario.read_bytes()).hexdigest()
    assert manifest["input_hashes"]["tiny.toml"] == digest
    assert {"profiles.csv", "history.csv"} <= set(manifest["input_hashes"])
    assert "@example" not in (out / "accepted.csv").read_text()
    again = runner.invoke(app, ["simulate", str(scenario), "--out", str(out)])
    assert again.exit_code == exitcodes.OUTPUT_EXISTS


def test_simulate_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    scenario = write_scenario(tmp_path / "in", extra="[acceptance]\nmodle = 'score'\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(scenario), "--out", str(out)])
    assert result.exit_code == exitcodes.BAD_INPUT
    assert "unknown key 'modle' in [acceptance]" in result.output
    assert not out.exists()
    assert not any(p.name.startswith(".tmp") for p in tmp_path.iterdir())


def test_compare_two_simulations(tmp_path):
    base = write_scenario(tmp_path / "in", name="base")
    bigger = write_scenario(
        tmp_path / "in", name="bigger", extra="[[changes]]\naction = 'scale_capacity'\nfactor = 3\n"
    )
    for scenario, out in ((base, "a"), (bigger, "b")):
        assert (
            runner.invoke(app, ["simulate", str(scenario), "--out", str(tmp_path / out)]).exit_code
            == 0
        )
    result = runner.invoke(
        app, ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "diff")]
    )
    assert result.exit_code == 0, result.output
    assert "Accepted pairs only in A" in result.output
    headlines = pd.read_csv(tmp_path / "diff" / "headlines.csv").set_index("figure")
    summaries = [
        json.loads((tmp_path / side / "summary.json").read_text())["summary"] for side in "ab"
    ]
    assert headlines.loc["accepted", "delta"] == summaries[1]["accepted"] - summaries[0]["accepted"]
    pairs = pd.read_csv(tmp_path / "diff" / "pairs.csv")
    accepted = [
        set(
            map(
                tuple,
                pd.read_csv(tmp_path / side / "accepted.csv")[["visitor_id", "host_id"]].to_numpy(),
            )
        )
        for side in "ab"
    ]
    assert len(pairs) == len(accepted[0] ^ accepted[1])
    same = runner.invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "a")])
    assert "only in A: 0; only in B: 0" in same.output
    mixed = runner.invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "in")])
    assert mixed.exit_code == exitcodes.BAD_INPUT
