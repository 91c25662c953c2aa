"""The partnership view in a real browser (Playwright driving Debian's chromium): each report
opened at ``#partnership=NAME`` shows that partnership's sections and rows only, hides the
whole-campaign overviews, and the header's selector switches to another partnership."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from typer.testing import CliRunner

from engine.cli.main import app
from scenarios.report import simulation_report
from scenarios.store import read_simulation
from tests.engine.web.test_browser import FLAGS, chromium

runner = CliRunner()


@pytest.fixture(scope="module")
def reports(small_sweep, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    simulation = folder / "simulation.html"
    simulation.write_text(
        simulation_report(read_simulation(small_sweep.result("plain", 0))), encoding="utf-8"
    )
    comparison = folder / "comparison.html"
    a, b = small_sweep.result("plain", 1), small_sweep.result("wide", 1)
    compared = runner.invoke(app, ["compare", str(a), str(b), "--out", str(comparison)])
    assert compared.exit_code == 0, compared.output
    return {
        "simulation": simulation,
        "sweep": small_sweep.folder / "report.html",
        "comparison": comparison,
    }


def shown_partnerships(page) -> tuple[set[str], set[str]]:
    """The partnerships of the elements shown and of those hidden."""
    found = page.eval_on_selector_all(
        "[data-partnership]",
        "els => els.map(e => [e.dataset.partnership, e.getClientRects().length > 0])",
    )
    shown = {name for name, visible in found if visible}
    hidden = {name for name, visible in found if not visible}
    return shown, hidden


@pytest.mark.parametrize("report", ["simulation", "sweep", "comparison"])
def test_the_partnership_view_shows_only_that_partnership(reports, report, tmp_path):
    from playwright.sync_api import sync_playwright

    path = reports[report]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text))
            page.goto(path.as_uri())
            page.wait_for_selector("html[data-ready=yes]")
            everyone, nobody = shown_partnerships(page)
            assert len(everyone) >= 2 and not nobody  # every partnership, nothing hidden

            first, second = sorted(everyone)[:2]
            page.goto(f"{path.as_uri()}#partnership={quote(first)}")
            page.wait_for_selector("html[data-ready=yes]")
            page.wait_for_function(f"document.documentElement.dataset.view === {json.dumps(first)}")
            shown, hidden = shown_partnerships(page)
            assert shown == {first}  # its sections, rows and charts only
            assert hidden == everyone - {first}
            assert page.locator(f'section.partner[data-partnership="{first}"]').is_visible()
            assert page.locator("#view-note").is_visible()
            for overview in page.locator("[data-overview]").all():
                assert not overview.is_visible()
            page.screenshot(path=str(tmp_path / f"{report}-{first}.png"), full_page=True)

            page.select_option("#view-partnership", second)  # the header's selector
            page.wait_for_function(
                f"document.documentElement.dataset.view === {json.dumps(second)}"
            )
            assert shown_partnerships(page)[0] == {second}
            assert page.evaluate("window.location.hash") == "#" + urlencode({"partnership": second})

            page.select_option("#view-partnership", "")  # every partnership again
            page.wait_for_function("document.documentElement.dataset.view === ''")
            assert shown_partnerships(page) == (everyone, set())
            assert errors == []  # no script error, nothing refused by the page's policy
        finally:
            browser.close()
