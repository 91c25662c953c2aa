"""Formula-safe text cells: what a spreadsheet never evaluates, and how it reads back.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or carriage return) as a formula. :func:`neutralise` writes such text with a leading
apostrophe; :func:`restore` undoes it when a reviewer's file comes back.
"""

from __future__ import annotations

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
