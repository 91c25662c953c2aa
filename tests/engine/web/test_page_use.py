"""The review page in use (the page audit), in Chromium: Enter in a note records no answer."""

from __future__ import annotations

from engine.review.log import log_path, read_log
from tests.engine.web.test_browser import FLAGS, answer, article, chromium

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
