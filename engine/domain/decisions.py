"""Reviewers' decisions: the words a decision file and the decision log use."""

from __future__ import annotations

from engine.domain.spelling import normal_form

DECISIONS = ("accepted", "rejected", "hold")


FINAL_DECISIONS = ("accepted", "rejected")

# the words people and the IT tool use for an answer and a side (seeds 000/001: HO and VO
# agree, HOP and VOP "validate the match"), as history.csv reads its outcomes: read as the
# answer's own word (the seeds audit: 'validated', 'declined', 'VO' were refused in decision
# files while history and profiles took them)
DECISION_SPELLINGS: dict[str, tuple[str, ...]] = {
    "accepted": ("accept", "accepted", "validate", "validated", "confirm", "confirmed", "agree",
                 "agreed", "approve", "approved"),
    "rejected": ("reject", "rejected", "decline", "declined", "refuse", "refused"),
    "hold": ("hold", "on hold", "held", "pending"),
    "cancelled": ("cancel", "cancelled", "canceled", "deleted"),
    "withdrawn": ("withdraw", "withdrawn", "undo", "undone"),
}  # fmt: skip
SIDE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "visitor": ("visitor", "vo", "vop", "visitor side", "visiting organisation",
                "visiting organization", "visiting"),
    "host": ("host", "ho", "hop", "host side", "host organisation", "host organization",
             "hosting organisation", "hosting organization", "hosting"),
    "both": ("both", "both sides", "all"),
}  # fmt: skip


def _words(spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normal_form(word): code for code, words in spellings.items() for word in words}


_DECISIONS, _SIDES = _words(DECISION_SPELLINGS), _words(SIDE_SPELLINGS)


def decision_word(text: str) -> str:
    """An answer's word as written (any case, spaces, hyphens or underscores) read as its own
    (``accepted``, ``rejected``, ``hold``, ``cancelled``, ``withdrawn``); another word is kept,
    lower-cased, for the validation to name."""
    return _read(text, _DECISIONS)


def side_word(text: str) -> str:
    """A side as written (``VO``, ``Host organisation``) read as ``visitor``, ``host`` or
    ``both``; empty stays empty (both, or the reviewer's own), another word is kept."""
    return _read(text, _SIDES)


def _read(text: str, words: dict[str, str]) -> str:
    """The word's own by its normal form (the vocabularies' key), else as written, lower-cased."""
    return words.get(normal_form(str(text)), " ".join(str(text).lower().split()))
