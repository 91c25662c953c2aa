"""The review app's JSON API and pages through FastAPI's TestClient: 401 without a token, 403
outside the caller's scope (nothing recorded), the same validation as ``cxmatch decide``, CSRF
on cookie-authenticated posts, the security headers, escaping, revocation and the audit trail."""

from __future__ import annotations

import json

import pandas as pd
from fastapi.testclient import TestClient

import engine.web.bodies as bodies
from engine.domain.vocabulary import label
from engine.review.log import log_path, mark_read, read_log
from engine.review.state import pair_states
from engine.web.access import create_token, read_audit, revoke_token
from engine.web.app import CSP, create_app
from tests.engine.web.conftest import SCRIPT, Review


def client(review: Review, token: str | None = None) -> TestClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return TestClient(create_app(review.folder), headers=headers)


def test_without_a_valid_token_everything_is_401(review):
    anonymous = client(review)
    assert anonymous.get("/api/proposals").status_code == 401
    assert anonymous.get("/").status_code == 401
    post = anonymous.post("/api/decisions", json=[{"visitor_id": "V", "host_id": "H"}])
    assert post.status_code == 401
    assert client(review, "not-a-token").get("/api/proposals").status_code == 401
    assert not log_path(review.folder).exists()


def test_a_partnership_sees_only_its_proposals(review):
    body = client(review, review.token_a).get("/api/proposals").json()
    pairs = {(p["visitor_id"], p["host_id"]) for p in body["proposals"]}
    assert pairs == review.mine(review.a) and pairs != set(
        zip(review.proposals["visitor_id"], review.proposals["host_id"], strict=True)
    )
    first = body["proposals"][0]
    assert {"visitor", "host", "reasons", "status", "my_sides"} <= set(first)
    office = client(review, review.token_office).get("/api/proposals").json()
    assert len(office["proposals"]) == len(review.proposals)


def test_the_other_side_gets_403_on_the_visitor_side_and_nothing_is_recorded(review):
    pair = review.a_to_b().iloc[0]
    row = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "accepted"}
    refused = client(review, review.token_b).post(
        "/api/decisions", json=[{**row, "side": "visitor"}]
    )
    assert refused.status_code == 403
    assert refused.json()["results"][0]["status"] == "forbidden"
    assert read_log(log_path(review.folder)).empty

    mine = client(review, review.token_a).post("/api/decisions", json=[{**row, "note": "yes"}])
    assert mine.status_code == 200 and mine.json()["results"][0]["sides"] == ["visitor"]
    theirs = client(review, review.token_b).post("/api/decisions", json=[row])
    assert theirs.json()["results"][0]["sides"] == ["host"]
    states = pair_states(read_log(log_path(review.folder)))
    assert states[["visitor_id", "host_id", "status"]].values.tolist() == [
        [pair["visitor_id"], pair["host_id"], "exchange"]
    ]
    log = read_log(log_path(review.folder))
    assert set(log["actor"]) == {f"partnership:{review.a}", f"partnership:{review.b}"}
    assert set(log["source"]) == {"api"}


def test_the_api_lists_every_problem_row_with_the_same_validation_as_decide(review):
    pair = review.a_only().iloc[0]
    rows = [
        {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "maybe"},
        {"visitor_id": pair["visitor_id"], "host_id": "H-NOBODY", "decision": "accepted"},
        {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "rejected"},
    ]
    answer = client(review, review.token_a).post("/api/decisions", json=rows)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["invalid", "invalid", "recorded"]
    assert "is not a decision" in results[0]["problems"][0]
    assert "was proposed by no run" in results[1]["problems"][0]
    # one entry of the audit trail per row, in the rows' order (written in one transaction)
    answers = [(a, d) for _, _, _, a, d in read_audit(review.folder) if a.startswith("answer")]
    assert [action for action, _ in answers[-3:]] == [
        "answer invalid",
        "answer invalid",
        "answer recorded",
    ]
    assert answers[-2][1].startswith(f"{pair['visitor_id']} -> H-NOBODY")
    assert client(review, review.token_a).post("/api/decisions", json={"x": 1}).status_code == 422


def sign_in(app: TestClient, token: str):
    """Sign in as a browser does: the sign-in page, then its form with the token."""
    page = app.get("/signin").text
    nonce = page.split('name="signin" value="')[1].split('"')[0]
    return app.post("/signin", data={"token": token, "signin": nonce}, follow_redirects=False)


def test_a_sign_in_from_another_site_s_page_is_refused(review):
    """Login CSRF (the audit): a form another site's page posts with that site's own token
    signed the reviewer in as the token's partnership. A browser sends where the form comes
    from: another site's, without this page's own value, is refused; a program signing in
    (no such headers) and this page's own form (even behind a proxy that rewrites the host)
    are not."""
    evil = {"origin": "https://evil.example"}
    for headers in (evil, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
        app = TestClient(create_app(review.folder))
        forged = app.post("/signin", data={"token": review.token_a}, headers=headers,
                          follow_redirects=False)  # fmt: skip
        assert forged.status_code == 403, headers
        assert "cxmatch_review" not in forged.headers.get("set-cookie", "")
    stranger = TestClient(create_app(review.folder))
    other = stranger.get("/signin").text.split('name="signin" value="')[1].split('"')[0]
    app = TestClient(create_app(review.folder))
    app.get("/signin")  # this browser's own value differs from the stranger's
    crossed = app.post("/signin", data={"token": review.token_a, "signin": other},
                       headers=evil, follow_redirects=False)  # fmt: skip
    assert crossed.status_code == 403
    behind_a_proxy = {"origin": "https://reviews.example.org"}  # the host is the proxy's
    page = app.get("/signin").text.split('name="signin" value="')[1].split('"')[0]
    own = app.post("/signin", data={"token": review.token_a, "signin": page},
                   headers=behind_a_proxy, follow_redirects=False)  # fmt: skip
    assert own.status_code == 303
    script = TestClient(create_app(review.folder))
    assert script.post("/signin", data={"token": review.token_a},
                       follow_redirects=False).status_code == 303  # fmt: skip


def test_forms_need_the_csrf_token_and_pages_escape_and_carry_a_csp(review):
    app = TestClient(create_app(review.folder))
    signed = sign_in(app, review.token_a)
    assert signed.status_code == 303 and "httponly" in signed.headers["set-cookie"].lower()
    page = app.get("/")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text
    pair = review.a_only().iloc[0]
    form = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "hold"}
    assert app.post("/answer", data=form).status_code == 403  # no CSRF token
    assert app.post("/api/decisions", json=[form]).status_code == 403  # cookie, no header
    assert read_log(log_path(review.folder)).empty
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    assert app.post("/answer", data={**form, "csrf": csrf}).status_code == 200
    assert set(pair_states(read_log(log_path(review.folder)))["status"]) == {"hold"}


def test_a_form_past_its_size_or_fields_is_a_413_and_records_nothing(review):
    """The pages' forms, URL-encoded or multipart, past 64 KiB (said or streamed), more fields
    than a form has, or a file: 413, nothing recorded; the same form within them is."""
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    csrf = app.get("/").text.split('name="csrf" value="')[1].split('"')[0]
    pair = review.a_only().iloc[0]
    form = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "hold"}
    form["csrf"] = csrf
    padded = {**form, "note": "x" * (bodies.MOST_FORM_BYTES + 1)}
    fields = {**form, **{f"extra{k}": "1" for k in range(bodies.MOST_FORM_FIELDS)}}
    for path in ("/answer", "/take", "/signout", "/signin"):
        assert app.post(path, data=padded).status_code == 413, path
        too_many = app.post(path, data=fields)
        assert too_many.status_code == 413, path
        assert "at most 20 fields" in too_many.text  # the limit hit (the audit read "64 KiB")
        encoded = "&".join(f"{key}={value}" for key, value in padded.items()).encode()

        def streamed(body: bytes = encoded):
            for start in range(0, len(body), 4096):
                yield body[start : start + 4096]

        kind = {"Content-Type": "application/x-www-form-urlencoded"}
        assert app.post(path, content=streamed(), headers=kind).status_code == 413, path
        multipart = app.post(path, data=padded, files={"file": ("a.txt", b"x")})
        assert multipart.status_code == 413, path
    assert read_log(log_path(review.folder)).empty
    assert app.post("/answer", data=form).status_code == 200  # within: recorded
    assert set(pair_states(read_log(log_path(review.folder)))["status"]) == {"hold"}


def test_a_revoked_token_signs_in_no_more_and_the_audit_trail_says_who_did_what(review):
    token_id, token = create_token(review.folder, review.a, "tester")
    assert client(review, token).get("/api/proposals").status_code == 200
    assert revoke_token(review.folder, token_id)
    assert client(review, token).get("/api/proposals").status_code == 401
    pair = review.a_only().iloc[0]
    client(review, review.token_a).post(
        "/api/decisions",
        json=[{"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "hold"}],
    )
    actions = [(actor, action) for _, _, actor, action, _ in read_audit(review.folder)]
    assert ("cxmatch access", "token revoked") in actions
    assert (f"partnership:{review.a}", "answer recorded") in actions
    assert ("anonymous", "refused: no valid token") in actions


def test_a_damaged_decision_log_is_said_not_read_as_empty(review):
    """Issue 16: the app refuses a 0-byte log (503 with the sentence) rather than showing every
    proposal unanswered."""
    log_path(review.folder).write_bytes(b"")
    response = client(review, review.token_office).get("/api/proposals")
    assert response.status_code == 503
    assert "is empty (0 bytes)" in response.text and "cxmatch log restore" in response.text


def test_a_body_that_is_not_the_json_asked_for_is_a_422_and_records_nothing(review):
    """Anything a person can type is untrusted: text that is not JSON, or JSON of the wrong
    shape, on either post is a 422 saying what to send, never a server error."""
    api = client(review, review.token_a)
    for path in ("/api/decisions", "/api/alternatives"):
        for body in ("not json", "[1, 2", "42"):
            answer = api.post(path, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == 422, (path, body)
            assert "send a JSON" in answer.json()["detail"]
    for shape in ([["V", "H"]], "text", {}):  # {}: the audit saw a 200 recording nothing
        assert api.post("/api/decisions", json=shape).status_code == 422
    for shape in ([{"visitor_id": "V", "host_id": "H"}], "text", 3):
        assert api.post("/api/alternatives", json=shape).status_code == 422
    assert read_log(log_path(review.folder)).empty


def test_a_post_past_its_size_is_a_413_and_records_nothing(review, monkeypatch):
    """More answers than one request may carry, or more bytes (said by Content-Length or
    streamed without it), on either post: 413 saying the limits, nothing recorded."""
    api = client(review, review.token_a)
    visitor, host = sorted(review.mine(review.a))[0]
    one = {"visitor_id": visitor, "host_id": host, "decision": "accepted"}
    many = api.post("/api/decisions", json=[one] * (bodies.MOST_ANSWERS + 1))
    assert many.status_code == 413 and "at most 10,000 answers" in many.json()["detail"]
    monkeypatch.setattr(bodies, "MOST_BODY_BYTES", 200)
    padded = {**one, "note": "x" * 300}
    for path, body in (("/api/decisions", [padded]), ("/api/alternatives", padded)):
        assert api.post(path, json=body).status_code == 413, path

        def streamed(text: str = json.dumps(body)):
            for start in range(0, len(text), 50):
                yield text[start : start + 50].encode()

        answer = api.post(path, content=streamed(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 413, path
        # one alternative is one object: its limit says bytes, not answers (the audit)
        assert ("answers" in answer.json()["detail"]) == (path == "/api/decisions"), path
    assert read_log(log_path(review.folder)).empty
    assert api.post("/api/decisions", json=[one]).status_code == 200  # within: recorded
    assert len(read_log(log_path(review.folder))) >= 1


def test_an_alternative_refused_says_why_with_its_status(review):
    """Unknown profiles 404, a pair of neither of the caller's partnership's sides 403, a pair
    taken already 409 naming who took it (it once said the visitor was locked), each reason
    once."""
    office = client(review, review.token_office)
    unknown = office.post("/api/alternatives", json={"visitor_id": "NOPE", "host_id": "H"})
    assert unknown.status_code == 404 and "no such visitor or host" in unknown.json()["message"]
    run = next((review.folder / "runs").iterdir())
    lines = pd.read_csv(run / "alternatives.csv", dtype=str)
    visitor_side = lines["side"] == "visitor"
    pairs = list(
        zip(
            lines["profile_id"].where(visitor_side, lines["alternative_id"]),
            lines["alternative_id"].where(visitor_side, lines["profile_id"]),
            strict=True,
        )
    )
    profiles = pd.read_csv(review.folder / "profiles.csv", dtype=str, keep_default_na=False)
    partnership = dict(zip(profiles["profile_id"], profiles["partnership"], strict=True))
    outsider = [p for p in pairs if review.b not in {partnership[p[0]], partnership[p[1]]}]
    if outsider:
        body = {"visitor_id": outsider[0][0], "host_id": outsider[0][1]}
        assert (
            client(review, review.token_b).post("/api/alternatives", json=body).status_code == 403
        )
    taken = None
    for visitor_id, host_id in dict.fromkeys(pairs):
        body = {"visitor_id": visitor_id, "host_id": host_id}
        answer = office.post("/api/alternatives", json=body)
        if answer.status_code == 200:
            taken = body
            break
        assert answer.status_code == 409
        reasons = answer.json()["message"].split(": ", 1)[1].split("; ")
        assert len(reasons) == len(set(reasons)), answer.json()["message"]
    assert taken is not None, "no alternative could be taken"
    again = office.post("/api/alternatives", json=taken)
    assert again.status_code == 409
    assert "was taken already (by support-office)" in again.json()["message"]
    # a proposal rejected is never proposed again, not "proposed already: answer it" (audit)
    run_pairs = pd.read_csv(run / "proposals.csv", dtype=str)
    first = {"visitor_id": run_pairs["visitor_id"][0], "host_id": run_pairs["host_id"][0]}
    proposed = office.post("/api/alternatives", json=first)
    assert proposed.status_code == 409 and "is proposed already (run " in proposed.json()["message"]
    rejected = office.post("/api/decisions", json=[{**first, "decision": "rejected"}])
    assert rejected.status_code == 200, rejected.json()
    refused = office.post("/api/alternatives", json=first)
    assert refused.status_code == 409
    assert "was rejected: it is never proposed again" in refused.json()["message"]


def test_the_page_shows_each_kpi_s_still_needed(review):
    """The audit: the KPI table's last column read a column kpis.csv does not have, and was
    empty on every row (an empty cell reads as no shortfall)."""
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    page = app.get("/").text
    run = next((review.folder / "runs").iterdir())
    kpis = pd.read_csv(run / "kpis.csv", keep_default_na=False)
    mine = kpis[kpis["partnership"] == review.a]
    assert len(mine) and "<th>still needed</th>" in page
    for row in mine.to_dict("records"):
        cells = (
            f"<td>{row['proposed']}</td><td>{row['expected']}</td><td>{row['still_needed']}</td>"
        )
        assert cells in page, cells


def test_nobody_left_out_is_said_so(review):
    """The audit: an empty unmatched.csv read "This run does not list who is left out"."""
    run = next((review.folder / "runs").iterdir())
    header = (run / "unmatched.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (run / "unmatched.csv").write_text(header + "\n", encoding="utf-8-sig")
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    page = app.get("/").text
    assert "Nobody is left out tonight." in page and "does not list" not in page
    (run / "unmatched.csv").unlink()
    assert "This run does not list who is left out." in app.get("/").text


def test_profiles_read_in_the_it_tools_words(review):
    """The audit: the pages showed `org_type sme`, `country IT`, `languages it, en`."""
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    page = app.get("/").text
    profiles = pd.read_csv(review.folder / "profiles.csv", dtype=str, keep_default_na=False)
    visitor = profiles.set_index("profile_id").loc[review.a_only().iloc[0]["visitor_id"]]
    assert "<dt>type</dt>" in page and "<dt>org_type</dt>" not in page
    assert f"<dd>{label('country', str(visitor['country']))}</dd>" in page


def _article(page: str, visitor_id: str, host_id: str) -> str:
    start = page.index(f'data-visitor="{visitor_id}" data-host="{host_id}"')
    return page[start : page.index("</article>", start)]


def test_a_rejected_or_cancelled_pair_offers_no_answer_buttons(review):
    """The audit: a pair one side rejected (blocked for good) still offered the other side
    Accept / Reject / Hold, which the log then refuses; an exchange, Cancel exchange."""
    first, second = (review.a_to_b().iloc[i] for i in (0, 1))
    pairs = [{"visitor_id": p["visitor_id"], "host_id": p["host_id"]} for p in (first, second)]
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_b)
    before = _article(app.get("/").text, **pairs[0])
    assert 'value="accepted"' in before and "never proposed again" not in before
    a = client(review, review.token_a)
    assert a.post("/api/decisions", json=[{**pairs[0], "decision": "rejected"}]).status_code == 200
    office = client(review, review.token_office)
    made = office.post("/api/decisions", json=[{**pairs[1], "decision": "accepted"}])
    assert made.status_code == 200, made.json()
    page = app.get("/").text
    assert 'value="cancelled"' in _article(page, **pairs[1])
    assert (
        office.post("/api/decisions", json=[{**pairs[1], "decision": "cancelled"}]).json()[
            "results"
        ][0]["status"]
        == "recorded"
    )
    page = app.get("/").text
    for pair, status in zip(pairs, ("rejected", "cancelled"), strict=True):
        article = _article(page, **pair)
        assert f"{status}: never proposed again" in article
        assert not any(f'value="{d}"' in article for d in ("accepted", "rejected", "hold"))


def test_an_exchange_locked_by_a_later_night_is_still_shown_and_may_be_cancelled(review):
    """The audit: after the next night an exchange was no longer among tonight's proposals,
    so neither the page nor the API showed it, and it could not be cancelled there."""
    from tests.engine.web.conftest import NIGHTS, nightly

    pair = review.a_to_b().iloc[0]
    row = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"]}
    office = client(review, review.token_office)
    assert office.post("/api/decisions", json=[{**row, "decision": "accepted"}]).status_code == 200
    nightly(review.folder, NIGHTS[1])
    listed = client(review, review.token_a).get("/api/proposals").json()["proposals"]
    mine = [p for p in listed if (p["visitor_id"], p["host_id"]) == tuple(row.values())]
    assert len(mine) == 1 and mine[0]["status"] == "exchange"
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    assert 'value="cancelled"' in _article(app.get("/").text, **row)
    cancelled = client(review, review.token_a).post(
        "/api/decisions", json=[{**row, "decision": "cancelled"}]
    )
    assert cancelled.json()["results"][0]["status"] == "recorded", cancelled.json()


def test_the_api_reads_words_as_decide_does_and_a_deep_body_is_a_422(review):
    """The audit: 'Hold' was refused by the API ('is not a decision') and recorded by decide;
    a body nested 2,000 deep crashed the API (500, RecursionError)."""
    pair = review.a_only().iloc[0]
    row = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": " Hold"}
    held = client(review, review.token_a).post("/api/decisions", json=[row])
    assert held.status_code == 200 and held.json()["results"][0]["status"] == "recorded"
    deep = "[" * 2000 + "]" * 2000
    headers = {"Content-Type": "application/json"}
    for path in ("/api/decisions", "/api/alternatives"):
        refused = client(review, review.token_a).post(path, content=deep, headers=headers)
        assert refused.status_code == 422, (path, refused.status_code)


def test_an_alternative_of_swapped_or_missing_ids_is_a_404_or_a_422(review):
    """The audit: swapped ids (a host as the visitor) got 409 with role rules, a missing
    host_id or a number as an id 404 'no such profile'."""
    office = client(review, review.token_office)
    pair = review.proposals.iloc[0]
    swapped = {"visitor_id": pair["host_id"], "host_id": pair["visitor_id"]}
    answer = office.post("/api/alternatives", json=swapped)
    assert answer.status_code == 404 and "no such visitor or host" in answer.json()["message"]
    for body in ({"visitor_id": pair["visitor_id"]}, {"visitor_id": 7, "host_id": 8}):
        assert office.post("/api/alternatives", json=body).status_code == 422


def test_the_free_column_and_a_stray_sign_out_read_in_words(review):
    """The audit: the alternatives' 'free' read Python's True/False; a signed-in sign-out
    without its form token answered 401 with the sign-in page, not the form's 403."""
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    table = app.get("/").text.split('<section class="alternatives">')[1].split("</section>")[0]
    assert ">True</td>" not in table and ">False</td>" not in table
    assert '"free">yes</td>' in table or '"free">no</td>' in table  # <td data-label="free">
    stray = app.post("/signout", data={}, follow_redirects=False)
    assert stray.status_code == 403
    assert app.get("/").status_code == 200  # still signed in


def test_refusals_of_a_form_token_or_a_size_are_in_the_audit_trail(review, monkeypatch):
    """The audit: an API call without its X-CSRF-Token (403) and any 413 left no row in the
    audit trail, which records 'each sign-in, answer, refusal and revocation'."""
    app = TestClient(create_app(review.folder))
    sign_in(app, review.token_a)
    visitor, host = sorted(review.mine(review.a))[0]
    one = {"visitor_id": visitor, "host_id": host, "decision": "accepted"}
    assert app.post("/api/decisions", json=[one]).status_code == 403  # no X-CSRF-Token
    monkeypatch.setattr(bodies, "MOST_BODY_BYTES", 200)
    api = client(review, review.token_a)
    assert api.post("/api/decisions", json=[{**one, "note": "x" * 300}]).status_code == 413
    actions = [(action, detail) for _, _, _, action, detail in read_audit(review.folder)]
    assert ("refused: bad form token", "/api/decisions") in actions
    assert ("refused: too large", "/api/decisions") in actions


def test_values_that_are_not_text_are_each_named_and_a_long_note_is_refused(review):
    """The reviewers' audit: {"visitor_id": 123, "host_id": ["H00020"], "decision": true}
    came back as the texts "123" and "['H00020']" with one problem listed, and a note of
    200,000 characters was stored (every later workbook carries it)."""
    api = client(review, review.token_a)
    body = [{"visitor_id": 123, "host_id": ["H00020"], "decision": True}]
    answer = api.post("/api/decisions", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        "answer 0: visitor_id must be text, not 123",
        'answer 0: host_id must be text, not ["H00020"]',
        "answer 0: decision must be text, not true",
    ]
    pair = review.a_only().iloc[0]
    long = {"visitor_id": pair["visitor_id"], "host_id": pair["host_id"], "decision": "hold"}
    answer = api.post("/api/decisions", json=[{**long, "note": "x" * 200_000}])
    assert answer.status_code == 422
    assert answer.json()["results"][0]["problems"] == ["holds 200,000 characters; at most 2,000"]
    assert read_log(log_path(review.folder)).empty


def test_the_support_office_reopens_a_rejected_pair_from_the_page(review):
    """Seed 002: recreating a rejected match needs the Support Office's intervention. Its page
    offers Reopen on the rejected side (a partnership's page does not), and the pair is open
    again once it withdraws the rejection, though a run has read it."""
    row = review.a_to_b().iloc[0]
    pair = {"visitor_id": row["visitor_id"], "host_id": row["host_id"]}
    a = client(review, review.token_a)
    assert a.post("/api/decisions", json=[{**pair, "decision": "rejected"}]).status_code == 200
    mark_read(log_path(review.folder), "later", read_log(log_path(review.folder)))
    partnership = TestClient(create_app(review.folder))
    sign_in(partnership, review.token_a)
    assert "Reopen" not in _article(partnership.get("/").text, **pair)
    office = TestClient(create_app(review.folder))
    sign_in(office, review.token_office)
    article = _article(office.get("/").text, **pair)
    assert article.count(">Reopen</button>") == 1  # the visitor side's rejection
    undone = client(review, review.token_office).post(
        "/api/decisions", json=[{**pair, "decision": "withdrawn", "side": "visitor"}]
    )
    assert undone.json()["results"][0]["status"] == "recorded", undone.json()
    states = pair_states(read_log(log_path(review.folder)))
    assert not (
        (states["visitor_id"] == pair["visitor_id"]) & (states["host_id"] == pair["host_id"])
    ).any()
    assert 'value="accepted"' in _article(office.get("/").text, **pair)


def test_an_alternative_taken_before_any_run_is_a_409_not_a_crash(review):
    """The web fix's review: ``_take`` without a run gave no status, and the API's answer
    raised a KeyError (a 500)."""
    import shutil

    shutil.rmtree(review.folder / "runs")
    office = client(review, review.token_office)
    answer = office.post("/api/alternatives", json={"visitor_id": "V1", "host_id": "H1"})
    assert answer.status_code == 409
    assert answer.json()["message"] == "the campaign has no run yet"
    assert not log_path(review.folder).exists() or read_log(log_path(review.folder)).empty
