"""What a request to the review app may carry, read no further than that: a JSON body of
answers, a form (sign in, sign out, one answer, one alternative taken); past the limits a
:class:`TooLarge` (a 413 saying them), nothing recorded."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.exceptions import HTTPException

from engine.domain.decisions import decision_word, side_word
from engine.review.rules import Request as Answer

# the most one API post may carry (anything a person can type is untrusted: a body past these
# is refused before it is read whole, nothing recorded): a night at 5,000 visitors has about
# 3,200 proposals, two sides each
MOST_ANSWERS = 10_000
MOST_BODY_BYTES = 8 * 1024 * 1024
ONE_TOO_LARGE = f"send at most {MOST_BODY_BYTES // 2**20} MiB in one request"  # one object
TOO_LARGE = (
    f"send at most {MOST_ANSWERS:,} answers and {MOST_BODY_BYTES // 2**20} MiB in one request"
)
# a form (sign in, sign out, one answer, one alternative taken) carries a few short fields
# and a note: read no further than this, and no more fields or files than that
MOST_FORM_BYTES = 64 * 1024
MOST_FORM_FIELDS = 20
FORM_TOO_LARGE = (
    f"a form carries at most {MOST_FORM_FIELDS} fields and {MOST_FORM_BYTES // 1024} KiB"
)


class TooLarge(Exception):
    """A request past what it may carry; ``detail`` says the limits (a 413: ``too_large``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def json_body(request: Request, detail: str = TOO_LARGE) -> Any:
    """The request's JSON, read no further than ``MOST_BODY_BYTES`` (by its Content-Length
    when it says, else as it streams): ``TooLarge(detail)`` past them, ``ValueError`` for text
    that is not JSON."""
    text = await read_body(request, MOST_BODY_BYTES, detail)
    try:
        return json.loads(text)
    except RecursionError:  # nested deeper than the parser goes: no such list or object
        raise ValueError("nested too deeply to be a list of answers or an answer") from None


async def read_body(request: Request, most: int, detail: str) -> bytes:
    """The request's body, read no further than ``most`` bytes: ``TooLarge(detail)`` past
    them."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > most:
        raise TooLarge(detail)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            raise TooLarge(detail)
        chunks.append(chunk)
    return b"".join(chunks)


async def form_fields(request: Request) -> Mapping[str, Any]:
    """A posted form's fields, read no further than ``MOST_FORM_BYTES`` (``TooLarge`` past
    them): an URL-encoded form (what the pages post) read here, a multipart one by Starlette
    within limits of its fields, files and parts."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind == "multipart/form-data":
            return await request.form(
                max_files=0, max_fields=MOST_FORM_FIELDS, max_part_size=MOST_FORM_BYTES
            )
        text = (await read_body(request, MOST_FORM_BYTES, FORM_TOO_LARGE)).decode(errors="replace")
        return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MOST_FORM_FIELDS))
    except (HTTPException, ValueError):  # Starlette's multipart limits, more fields than a form
        raise TooLarge(FORM_TOO_LARGE) from None


ANSWER_KEYS = ("visitor_id", "host_id", "decision", "side", "note", "decided_by")


class WrongTypes(ValueError):
    """Answers whose values are not text (the reviewers' audit: 123 and ["H00020"] were read
    as the texts "123" and "['H00020']", and one problem was listed)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def answers_of(body: list[Any]) -> list[Answer]:
    """Every answer of the list, or WrongTypes with every value of every answer that is not
    text (null reads as empty)."""
    if not all(isinstance(item, dict) for item in body):
        raise TypeError("each answer is an object")
    wrong = [
        f"answer {index}: {key} must be text, not {json.dumps(item[key])[:40]}"
        for index, item in enumerate(body)
        for key in ANSWER_KEYS
        if item.get(key) is not None and not isinstance(item[key], str)
    ]
    if wrong:
        raise WrongTypes(wrong)
    return [_answer(item, index) for index, item in enumerate(body)]


def _answer(item: dict[str, Any], index: int) -> Answer:
    if not isinstance(item, dict):
        raise TypeError("each answer is an object")
    text = {key: str(item.get(key, "") or "") for key in ANSWER_KEYS}
    # as a decision file's cells are read ("Hold", "validated", "VO")
    text["decision"], text["side"] = decision_word(text["decision"]), side_word(text["side"])
    return Answer(**text, row=index)
