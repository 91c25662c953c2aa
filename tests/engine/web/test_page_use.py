"""The review page in use (the page audit), in Chromium: Enter in a note records no answer, a
phone's narrow window stacks the page with no sideways scroll, and an answer's page opens at
the proposal answered, not at the top of 60 others."""

from __future__ import annotations

import os
import re
from pathlib import Path

from fastapi.testclient import TestClient

from engine.review.log import log_path, read_log
from engine.web.app import create_app
from tests.engine.web.test_api import sign_in
from tests.engine.web.test_browser import FLAGS, answer, article, chromium

SHOTS = os.environ.get("CXMATCH_PAGE_SHOTS")  # a folder for the screenshots, on request
DEFAULT_BUTTON = """form => [...form.elements].find(
    e => (e.tagName === 'BUTTON' && e.type === 'submit') || (e.tagName === 'INPUT' && e.type === 'submit')
)"""


def signed_in_page(browser, server: str, token: str, width: int = 1280):
    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(f"{server}/signin#{token}")
    page.wait_for_selector("article.proposal")
    return page


def pair_of(row) -> tuple[str, str]:
    return str(row["visitor_id"]), str(row["host_id"])


def test_enter_in_a_note_records_no_answer(review, server):
    from playwright.sync_api import sync_playwright

    pair = pair_of(review.a_to_b().iloc[0])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = signed_in_page(browser, server, review.token_a)
            page.evaluate("window.submitted = 0")
            page.evaluate("addEventListener('submit', () => { window.submitted += 1 }, true)")
            note = article(page, pair).locator("div.profile.visitor input[name=note]")
            note.fill("call them first")
            note.press("Enter")
            page.wait_for_load_state()
            assert page.evaluate("window.submitted") == 0  # same page, no form sent
            assert read_log(log_path(review.folder)).empty
            answer(page, pair, "visitor", "Hold")  # the button meant still answers, with its note
            assert "hold recorded for the visitor side" in page.locator(".messages").inner_text()
            for token in (review.token_a, review.token_office):
                page = signed_in_page(browser, server, token)
                forms = page.locator("form:has(input[type=text])")
                assert forms.count() > 0
                for index in range(forms.count()):  # each form's default button submits nothing
                    default = forms.nth(index).evaluate_handle(DEFAULT_BUTTON)
                    assert default.evaluate("b => b !== undefined && b.disabled && b.hidden")
        finally:
            browser.close()
    events = read_log(log_path(review.folder))
    assert list(events["decision"]) == ["hold"] and list(events["note"]) == ["call them first"]


def test_a_phone_s_narrow_window_stacks_the_page_without_sideways_scroll(review, server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            for width in (375, 1280):
                page = signed_in_page(browser, server, review.token_a, width)
                if SHOTS:
                    page.screenshot(path=str(Path(SHOTS) / f"review-{width}.png"), full_page=True)
            page = signed_in_page(browser, server, review.token_a, 375)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            for button in (
                page.locator("header button", has_text="Sign out"),
                page.locator("article.proposal button", has_text="Accept").first,
                page.locator("section.alternatives button", has_text="Take").first,
            ):
                button.scroll_into_view_if_needed()
                box = button.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
            first = page.locator("article.proposal").first
            visitor = first.locator("div.profile.visitor").bounding_box()
            host = first.locator("div.profile.host").bounding_box()
            assert visitor and host and host["y"] >= visitor["y"] + visitor["height"]  # stacked
        finally:
            browser.close()


def test_an_answer_s_page_opens_at_the_proposal_answered(review, server):
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    shown = app.get("/").text
    pair = pair_of(review.a_only().iloc[-1])
    tag = f'<article [^>]*id="([^"]+)" data-visitor="{pair[0]}" data-host="{pair[1]}"'
    found = re.search(tag, shown)
    assert found is not None  # the proposal's article has an id
    anchor = found.group(1)
    proposal = shown.split(f'id="{anchor}"')[1].split("</article>")[0]
    assert f'action="/answer#{anchor}"' in proposal  # its answers post to its own place
    alternatives = shown.split('<section class="alternatives">')[1]
    row = re.search(r'<tr id="([^"]+)" data-visitor', alternatives)  # a Take returns to its row
    assert row is not None and f'action="/take#{row.group(1)}"' in alternatives
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = signed_in_page(browser, server, review.token_a)
            answer(page, pair, "visitor", "Reject")
            assert page.url.endswith(f"#{anchor}")
            answered = page.locator(f'[id="{anchor}"]')
            assert answered.count() == 1 and answered.get_attribute("data-visitor") == pair[0]
            assert page.evaluate("window.scrollY") > 0  # not the top of the page
            assert answered.evaluate(
                "e => e.getBoundingClientRect().top >= 0 && e.getBoundingClientRect().top < innerHeight"
            )
            said = answered.locator(".messages").inner_text()  # what it said, where it is seen
            assert f"{pair[0]} -> {pair[1]}: rejected recorded for the visitor side" in said
        finally:
            browser.close()


def test_every_id_on_the_page_is_one_element_s(review):
    """The review of the page fix: a pair listed as an alternative for both its sides had
    the same id twice (and its Take's message shown twice)."""
    for token in (review.token_office, review.token_a):
        app = TestClient(create_app(review.folder))
        sign_in(app, token)
        shown = app.get("/").text
        ids = re.findall(r'\sid="([^"]*)"', shown)
        assert ids and len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1][:5]
        assert 'id=""' not in shown
