"""What the review pages offer and refuse (the browser audit): an answer from a page of an
earlier night is refused, a side's final answer offers no other, an exchange of an earlier
night is no "taken" alternative and has its stay, a cancelled one stays on the page with its
Undo, and an alternative is tried only on groups the visitor could join."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engine.review.log import log_path, read_log
from engine.review.state import pair_states
from engine.web.app import create_app
from tests.engine.web.conftest import NIGHTS, Review, nightly
from tests.engine.web.test_api import _article, client, sign_in


def signed_in(review: Review, token: str) -> tuple[TestClient, str, str]:
    """A browser signed in: its client, the page's form token and the night the page shows."""
    app = TestClient(create_app(review.folder))
    sign_in(app, token)
    page = app.get("/").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    night = page.split('name="run_id" value="')[1].split('"')[0]
    return app, csrf, night


def pair_of(row) -> dict[str, str]:
    return {"visitor_id": row["visitor_id"], "host_id": row["host_id"]}


def test_an_answer_from_a_page_of_an_earlier_night_is_refused(review):
    app, csrf, shown = signed_in(review, review.token_a)
    pair = pair_of(review.a_only().iloc[0])
    nightly(review.folder, NIGHTS[1])  # a night runs while the page is open
    form = {**pair, "decision": "accepted", "side": "visitor", "csrf": csrf, "run_id": shown}
    stale = app.post("/answer", data=form)
    assert stale.status_code == 409 and f"this page shows the night {shown}" in stale.text
    assert read_log(log_path(review.folder)).empty  # nothing recorded
    taken = app.post("/take", data={**pair, "csrf": csrf, "run_id": shown})
    assert taken.status_code == 409 and read_log(log_path(review.folder)).empty
    _, _, fresh = signed_in(review, review.token_a)
    assert fresh != shown


def test_a_side_s_final_answer_offers_no_other(review):
    app, csrf, night = signed_in(review, review.token_a)
    row = review.a_to_b().iloc[0]
    pair = pair_of(row)
    form = {**pair, "decision": "accepted", "side": "visitor", "csrf": csrf, "run_id": night}
    assert app.post("/answer", data=form).status_code == 200
    article = _article(app.get("/").text, **pair)
    visitor_part = article.split("visitor side:")[1].split("host side:")[0]
    assert "accepted: final" in visitor_part and 'value="hold"' not in visitor_part
    assert 'value="withdrawn"' in visitor_part  # its own answer, no run read it: Undo


def test_an_exchange_of_an_earlier_night_is_shown_as_such_and_its_cancellation_stays(review):
    row = review.a_to_b().iloc[0]
    pair = pair_of(row)
    office = client(review, review.token_office)
    assert office.post("/api/decisions", json=[{**pair, "decision": "accepted"}]).status_code == 200
    nightly(review.folder, NIGHTS[1])  # locks it: the new run no longer proposes it
    app, csrf, night = signed_in(review, review.token_b)
    article = _article(app.get("/").text, **pair)
    band = article.split('<span class="band band-')[1].split("</span>")[0]
    assert "exchange" in band and "taken" not in band  # no reviewer took it: a night proposed it
    assert "( working days" not in article and " working days, " in article
    form = {**pair, "decision": "cancelled", "side": "host", "csrf": csrf, "run_id": night}
    assert app.post("/answer", data=form).status_code == 200
    article = _article(app.get("/").text, **pair)  # still shown, with the Undo of its author
    assert "cancelled" in article and 'value="withdrawn"' in article
    undo = {**pair, "decision": "withdrawn", "side": "host", "csrf": csrf, "run_id": night}
    assert app.post("/answer", data=undo).status_code == 200
    states = pair_states(read_log(log_path(review.folder))).set_index(["visitor_id", "host_id"])
    assert states.loc[(pair["visitor_id"], pair["host_id"]), "status"] == "exchange"


def test_a_rejected_pair_of_an_earlier_night_stays_on_the_office_s_page_to_reopen(review):
    """The log audit: after a night, a rejected pair was on no page, and the Support Office's
    Reopen with it; a partnership's page does not list the earlier nights' rejections."""
    row = review.a_to_b().iloc[0]
    pair = pair_of(row)
    a = client(review, review.token_a)
    assert a.post("/api/decisions", json=[{**pair, "decision": "rejected"}]).status_code == 200
    nightly(review.folder, NIGHTS[1])  # never proposed again
    office, csrf, night = signed_in(review, review.token_office)
    article = _article(office.get("/").text, **pair)
    assert ">Reopen</button>" in article
    partnership, _, _ = signed_in(review, review.token_a)
    assert f'data-visitor="{pair["visitor_id"]}" data-host="{pair["host_id"]}"' not in (
        partnership.get("/").text
    )
    form = {**pair, "decision": "withdrawn", "side": "visitor", "csrf": csrf, "run_id": night}
    assert office.post("/answer", data=form).status_code == 200
    states = pair_states(read_log(log_path(review.folder)))
    assert not (states["visitor_id"] == pair["visitor_id"]).any()
