"""Views of two sides of the campaign that broadcast against each other.

The same feature code serves a whole block of pairs (visitors ``(b, 1)`` against hosts
``(1, h)``, giving ``(b, h)`` arrays) and a list of chosen pairs (both sides indexed to
``(n,)``). Bit masks keep their word axis last, so set operations reduce over ``axis=-1``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from scoring.encoding import SideArrays


class SideView:
    """Attribute access to a SideArrays with every array reshaped for broadcasting, each
    gathered the first time it is read (a rule or a feature reads a few of the fields: at
    20,000 visitors gathering all of them for every pair view took seconds)."""

    def __init__(self, side: SideArrays, select: Any, expand: tuple[Any, ...]):
        self._side, self._select, self._expand = side, select, expand

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_") or name not in _FIELDS:
            raise AttributeError(name)
        values = getattr(self._side, name)[self._select]
        if self._expand:
            values = values[self._expand]
        setattr(self, name, values)  # read once: later reads find the attribute itself
        return values


_FIELDS = frozenset(item.name for item in fields(SideArrays))


@dataclass(frozen=True)
class PairView:
    visitor: Any  # SideView
    host: Any  # SideView
    visitor_index: np.ndarray  # positions of the visitors in their side, (b,) or (n,)
    host_index: np.ndarray
    dense: bool  # True for a (b, h) block, False for aligned (n,) pairs

    @property
    def shape(self) -> tuple[int, ...]:
        if self.dense:
            return (len(self.visitor_index), len(self.host_index))
        return (len(self.visitor_index),)


def block_view(visitors: SideArrays, hosts: SideArrays, start: int, stop: int) -> PairView:
    """Visitors[start:stop] against every host, as a dense block."""
    return PairView(
        visitor=SideView(visitors, slice(start, stop), (slice(None), None)),
        host=SideView(hosts, slice(None), (None,)),
        visitor_index=np.arange(start, stop),
        host_index=np.arange(len(hosts)),
        dense=True,
    )


def pair_view(
    visitors: SideArrays, hosts: SideArrays, visitor_index: np.ndarray, host_index: np.ndarray
) -> PairView:
    """Aligned pairs (visitor_index[i], host_index[i])."""
    visitor_index = np.asarray(visitor_index, dtype=np.int64)
    host_index = np.asarray(host_index, dtype=np.int64)
    return PairView(
        visitor=SideView(visitors, visitor_index, ()),
        host=SideView(hosts, host_index, ()),
        visitor_index=visitor_index,
        host_index=host_index,
        dense=False,
    )


def meets(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The two sets (bit masks, word axis last) share an element."""
    return (left & right).any(axis=-1)


def count(mask: np.ndarray) -> np.ndarray:
    """Number of elements in each set of a mask (word axis last)."""
    return np.bitwise_count(mask).sum(axis=-1, dtype=np.uint8)
