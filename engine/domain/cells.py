"""Formula-safe text cells: what a spreadsheet never evaluates, and how it reads back; and
text as a person sees it (:data:`INVISIBLE`, :func:`look_alike`).

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or carriage return) as a formula. :func:`neutralise` writes such text with a leading
apostrophe; :func:`restore` undoes it when a reviewer's file comes back.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


NEUTRALISER = "'"


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet will never evaluate; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return NEUTRALISER + value
    return value


def restore(value: Any) -> Any:
    """Undo :func:`neutralise` on a cell read back from one of our exports."""
    if (
        isinstance(value, str)
        and value.startswith(NEUTRALISER)
        and value[1:].startswith(FORMULA_STARTS)
    ):
        return value[1:]
    return value


# characters nobody sees in a cell: the soft hyphen, zero-width space, word joiner and
# invisible operators, byte-order mark, and the direction marks, embeddings, overrides and
# isolates (an override never closed turned the review page's ids and arrow round: the
# hostile-input audit). The joiners (U+200C, U+200D) and variation selectors stay in text:
# some scripts and emoji need them.
INVISIBLE = "[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
_UNSEEN = re.compile(INVISIBLE[:-1] + "\u200c\u200d\ufe00-\ufe0f]")


def look_alike(text: str) -> str:
    """What a person reads in ``text``: without invisible characters, in Unicode's
    compatibility form (a full-width 'Ｖ' is 'V', 'é' one way), without case. Two ids or names
    with one look-alike are one to a person and two to a program."""
    return unicodedata.normalize("NFKC", _UNSEEN.sub("", text)).casefold()
