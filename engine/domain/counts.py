"""A count in words: ``1 row``, ``2 rows`` (the terminal's and the messages' one plural)."""

from __future__ import annotations


def counted(n: int, thing: str) -> str:
    """``n`` and ``thing``, in the plural (an ``s``) unless ``n`` is one."""
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"
