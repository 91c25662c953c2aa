"""What the simulation, sweep and comparison reports say: the partnership's answer in words
and units, scenarios side by side with the seed spread, the SME share's dips commented, and
nothing a partnership cannot read (NaN, None, raw keys, JSON)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from engine.cli import exitcodes
from engine.cli.main import app
from scenarios.answers import partnership_answers, sme_programme
from scenarios.compare import Comparison
from scenarios.compare_views import text_report
from scenarios.forecast import SeedRun, beyond_spread, forecast
from scenarios.report import simulation_report
from scenarios.settings import settings_in_words
from scenarios.store import read_simulation

runner = CliRunner()
RAW = ("NaN", "<NA>", "None", "null", "[]", "sme_share_accepted", "kpi_attainment", "digest")


def visible_text(page: str) -> str:
    body = page[page.index("<body>") : page.index("<script>")]
    body = re.sub(r"<svg.*?</svg>", "", body, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", body)


def seed_run(
    seed: int,
    achieved: list[int],
    sme_tonight: list[float],
    diagnosis: str = "",
    *,
    target: int = 3,
    minimum: float = 0.5,
    budget: float = 2000.0,
):
    """One partnership P1 with an SME target (3) over as many nights as ``sme_tonight`` has
    (two in most tests: 4 and 11 January)."""
    count = len(sme_tonight)
    days = pd.to_datetime("2027-01-04") + pd.to_timedelta([7 * k for k in range(count)], "D")
    shares = pd.Series(sme_tonight)
    nights = pd.DataFrame(
        {
            "night": range(1, count + 1),
            "night_date": days,
            "accepted": [10] * count,
            "sme_share_accepted": sme_tonight,
            "sme_share_accepted_cumulative": (shares.cumsum() / (shares.index + 1)).tolist(),
        }
    )
    progress = pd.DataFrame(
        {
            "night": range(count + 1),
            "partnership": "P1",
            "category": "sme",
            "target": target,
            "achieved": achieved,
            "shortfall": [max(0, target - a) for a in achieved],
            "met": [a >= target for a in achieved],
            "expected": [0.0, 1.5, *[1.2] * (count - 1)],
            "diagnosis": [""] * count + [diagnosis],
        }
    )
    accepted = pd.DataFrame(
        {
            "night": range(1, count + 1),
            "visitor_partnership": "P1",
            "category": "sme",
            "lump_sum_eur": [400.0, 600.0, *[0.0] * (count - 2)],
        }
    )
    summary = {"min_sme_share": minimum, "budgets": {"P1": budget}}
    return SeedRun(seed, summary, nights, progress, accepted)


def test_a_target_met_and_one_missed_are_said_with_the_night_or_what_blocked_it():
    met = forecast("met", [seed_run(0, [1, 2, 3], [0.6, 0.6])])
    block = partnership_answers([met], [])[0]
    assert block["answers"] == [("met", "meets its target by night 2 (11 Jan)")]
    assert block["spend"]["texts"] == [("met", "€1,000 of €2,000 (50%)")]

    blocked = "partnership P1 cannot reach its sme target: 2 more needed, but only 0 eligible sme"
    short = forecast("short", [seed_run(0, [1, 1, 1], [0.6, 0.6], diagnosis=blocked)])
    block = partnership_answers([short], [])[0]
    assert block["answers"] == [("short", "misses its target: SME short by 2")]
    cell = block["rows"][0]["cells"][0]
    assert cell["met"] == "short by 2" and not cell["ok"]
    assert cell["blocked"] == "Cannot reach its SME target: 2 more needed, but only 0 eligible SME"


def test_a_shortfall_no_rule_caused_says_whether_acceptance_or_proposals_fell_short():
    """The audit: every proposal accepted, and the report said "too few of its proposals
    were accepted". Planned 2.7 exchanges (1.5 + 1.2) both times."""
    few_accepted = forecast("a", [seed_run(0, [1, 1, 2], [0.6, 0.6])])  # 1 gained
    cell = partnership_answers([few_accepted], [])[0]["rows"][0]["cells"][0]
    assert cell["blocked"].endswith("too few of its proposals were accepted")
    too_few = forecast("b", [seed_run(0, [0, 2, 3], [0.6, 0.6], target=4)])  # 3 gained
    cell = partnership_answers([too_few], [])[0]["rows"][0]["cells"][0]
    assert "accepted as often as planned or more: the nights proposed too few" in cell["blocked"]


def test_scenarios_side_by_side_with_the_difference_and_the_seed_spread():
    a = forecast("a", [seed_run(s, [1, 1, 2], [0.6, 0.6]) for s in (0, 1, 2)])
    b = forecast("b", [seed_run(s, [1, 2, 3 + s % 2], [0.6, 0.6]) for s in (0, 1, 2)])
    row = partnership_answers([a, b], [(0, 1)])[0]["rows"][0]
    assert [cell["end"] for cell in row["cells"]] == ["2", "3.3 (3–4)"]
    assert row["cells"][1]["delta"] == {"text": "+1.3", "beyond": True, "sign": "up"}
    assert row["cells"][0]["delta"] is None  # the reference
    assert row["cells"][1]["met"] == "met by night 2 (11 Jan)"


def test_beyond_the_seed_spread_means_every_paired_seed_moves_the_same_way():
    assert beyond_spread({0: 1, 1: 2}, {0: 2, 1: 3}) is True
    assert beyond_spread({0: 1, 1: 2}, {0: 2, 1: 2}) is False  # seed 1 did not move
    assert beyond_spread({0: 1}, {0: 5}) is None  # one seed: no spread to judge
    assert beyond_spread({0: 1, 1: 2}, {5: 3, 6: 4}) is True  # unpaired: ranges apart
    assert beyond_spread({0: 1, 1: 3}, {5: 2, 6: 4}) is False


def test_every_night_the_sme_share_falls_below_its_minimum_is_commented():
    low = forecast("low", [seed_run(0, [1, 2, 3], [0.6, 0.3])])
    comments = sme_programme([low])["comments"]
    assert len(comments) == 1
    assert comments[0].startswith("night 2 (11 Jan): SMEs had 30% of the 10 exchanges")
    assert "45% of all accepted so far, below the 50% minimum" in comments[0]

    dip = forecast("dip", [seed_run(0, [1, 2, 3], [0.8, 0.4])])  # that night only
    comments = sme_programme([dip])["comments"]
    assert len(comments) == 1
    assert "accepted that night, below the 50% minimum; of all accepted so far 60%" in comments[0]


def test_each_scenario_is_measured_against_its_own_target_minimum_and_budget():
    """A scenario may change the quotas, the SME minimum or the budgets: each is drawn and
    said in its colour against its own, not the first scenario's."""
    a = forecast("a", [seed_run(0, [1, 2, 3], [0.6, 0.6])])
    b = forecast("b", [seed_run(0, [1, 2, 3], [0.6, 0.55], target=5, minimum=0.6, budget=3e3)])
    block = partnership_answers([a, b], [(0, 1)])[0]
    chart = str(block["minis"][0]["chart"])
    assert "target 3 (a)" in chart and "target 5 (b)" in chart
    assert 'stroke="#2c6fb7" stroke-width="1" stroke-dasharray' in chart  # a's colour
    assert block["answers"] == [
        ("a", "meets its target by night 2 (11 Jan)"),
        ("b", "misses its target: SME short by 2"),
    ]
    assert block["sme"]["minimum"] == "50% (a), 60% (b)"
    assert "min 60% (b)" in str(block["sme"]["chart"])
    assert block["spend"]["budget"] == "€2,000 (a), €3,000 (b)"
    assert [text for _, text in block["spend"]["texts"]] == [
        "€1,000 of €2,000 (50%)",
        "€1,000 of €3,000 (33%)",
    ]
    comments = sme_programme([a, b])["comments"]  # 55% is below b's 60%, not a's 50%
    assert len(comments) == 1 and comments[0].startswith("b: night 2 (11 Jan)")
    assert "below the 60% minimum" in comments[0]
    same = partnership_answers([a, forecast("c", [seed_run(1, [1, 2, 3], [0.6, 0.6])])], [])
    assert "target 3</text>" in str(same[0]["minis"][0]["chart"])  # one mark when alike


def test_a_scenario_with_more_nights_sets_the_charts_nights():
    """Charts run over the longest scenario's nights (a scenario may run more nights): no
    line beyond the plot, the last night labelled."""
    two = forecast("two", [seed_run(0, [1, 2, 3], [0.6, 0.6])])
    four = forecast("four", [seed_run(0, [1, 2, 3, 3, 4], [0.6, 0.6, 0.6, 0.6])])
    block = partnership_answers([two, four], [(0, 1)])[0]
    charts = [str(block["minis"][0]["chart"]), str(block["sme"]["chart"])]
    charts += [str(block["spend"]["chart"]), str(sme_programme([two, four])["chart"])]
    for chart in charts:
        width = float(re.search(r'width="(\d+)"', chart).group(1))
        xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', chart)]
        assert xs and max(xs) <= width - 16  # the plot's right edge
        assert ">25 Jan</text>" in chart  # the fourth night


def test_the_scenario_is_said_in_words():
    words = dict(
        settings_in_words(
            {
                "base": "demo", "nights": 5, "days_between_nights": 7, "first_night": None,
                "policy": {"min_sme_share": 0.33},
                "changes": [
                    {"action": "add", "role": "host", "count": 20, "source": "clone",
                     "like": {"country": [], "partnership": []},
                     "set": {"country": "PT", "languages": ["pt", "en"], "mode": None}},
                    {"action": "remove", "role": "visitor", "where": {"category": ["cluster"]},
                     "share": 0.1},
                ],
                "arrivals": {"visitors_per_night": 0, "hosts_per_night": 0},
                "acceptance": {"model": "score", "probability": None, "scale": 0.8},
                "engine": {"time_limit_s": 5.0}, "seed": 0,
            }
        )
    )  # fmt: skip
    assert words["minimum SME share"] == "33%"
    assert words["change 1"] == (
        "add 20 hosts, cloned from any host, with country Portugal; languages Portuguese, English"
    )
    assert words["change 2"] == "withdraw 10% of the visitors with category Cluster organisation"
    assert words["decisions"].endswith("× 0.8")


def test_the_simulation_report_reads_in_words(small_sweep):
    result = read_simulation(small_sweep.result("plain", 0))
    page = simulation_report(result)
    text = visible_text(page)
    for raw in RAW:
        assert raw not in text, raw
    partnerships = set(result.kpis.loc[result.kpis["target"] > 0, "partnership"])
    for name in partnerships:
        assert f'<section class="partner" id="p-{name}" data-partnership="{name}">' in page
        assert f'<option value="{name}">' in page  # the header's partnership view
    assert "KPI targets met at the end" in text and "SME share of accepted exchanges" in text


def test_the_sweep_report_puts_the_scenarios_side_by_side(small_sweep):
    page = (small_sweep.folder / "report.html").read_text()
    text = visible_text(page)
    for raw in RAW:
        assert raw not in text, raw
    assert "Every scenario against plain" in text
    assert "its difference from plain" in text and "beyond the seed spread" in text
    assert page.count('class="partner"') == len(
        set(pd.read_csv(small_sweep.folder / "kpis.csv")["partnership"])
    )


def test_compare_writes_an_html_comparison_and_a_readable_terminal_summary(small_sweep, tmp_path):
    a, b = small_sweep.result("plain", 0), small_sweep.result("wide", 0)
    out = tmp_path / "comparison.html"
    result = runner.invoke(app, ["compare", str(a), str(b), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"A = {a}" and lines[1] == f"B = {b}"
    assert lines[-1] == f"comparison -> {out}"
    assert max(len(line) for line in lines[2:-1]) <= 100  # beside the files' paths
    assert not re.search(r"NaN|None|\d\.\d{4}", result.output)  # no raw floats or missing
    assert any(line.strip().startswith("exchanges accepted") for line in lines)
    page = out.read_text()
    assert "Comparison:" in page and 'class="partner"' in page and "its difference from A" in page
    again = runner.invoke(app, ["compare", str(a), str(b), "--out", str(out)])
    assert again.exit_code == exitcodes.OUTPUT_EXISTS  # never overwrites
    assert "A = " not in again.output  # refused before the comparison, not after printing it


def test_compare_says_both_targets_when_the_scenarios_quotas_differ():
    """The audit: B doubled every quota and the terminal said "3 -> 2 (-1; target 2)", A's
    target only, though B's was 4."""
    kpis = pd.DataFrame(
        {
            "scenario": [""],
            "partnership": ["AeroSpace4EU"],
            "category": ["sme"],
            "target_a": [2.0],
            "target_b": [4.0],
            "achieved_mean_a": [3.0],
            "achieved_mean_b": [2.0],
            "delta": [-1.0],
        }
    )
    headlines = pd.DataFrame(
        columns=["scenario", "figure", "label", "kind", "a", "b", "delta", "beyond_spread"]
    )
    pairs = pd.DataFrame({"only_in": pd.Series([], dtype=str)})
    text = text_report(Comparison("simulation", headlines, kpis, pairs), Path("a"), Path("b"))
    assert "(\u22121; target 2 -> 4, met in A only)" in text
