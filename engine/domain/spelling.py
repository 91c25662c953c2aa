"""Spellings of a value: the one normal form that two spellings of the same word share, and a
:class:`Vocabulary` that maps every known spelling of a field to its canonical code.

People and the IT tool write ``Cluster Organisation``, ``cluster organization``,
``CLUSTER_ORGANISATION`` or `` Cluster-organisation ``; :func:`normal_form` makes them one
key: accents dropped, case folded, ``&`` read as ``and``, every run of punctuation, ``/``,
hyphens and underscores read as one space. A vocabulary looks a value up by that key and,
for a value it does not know, suggests the nearest known spelling (``difflib``, standard
library) so an error can say "did you mean 'Technology centre'?".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

_SEPARATORS = re.compile(r"[\W_]+")
# letters each followed by a dot, two or more: an acronym written with its dots ("S.M.E.")
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}")
SUGGESTION_CUTOFF = 0.6  # difflib ratio below which a known spelling is not suggested


@lru_cache(maxsize=65536)
def normal_form(text: str) -> str:
    """The key two spellings of one word share: no accents, case folded, ``&`` as ``and``, an
    acronym's dots dropped (``S.M.E.``: the IT-tool audit), punctuation, slashes, hyphens and
    underscores as single spaces, trimmed."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = _DOTTED.sub(lambda dotted: dotted.group().replace(".", ""), plain)
    words = _SEPARATORS.sub(" ", plain.casefold().replace("&", " and "))
    return " ".join(words.split())


@dataclass(frozen=True)
class Vocabulary:
    """The spellings of one field.

    ``codes``: the canonical codes, in their documented order; ``labels``: the words a person
    reads for each code (the IT tool's where it has one); ``aliases``: normal form of every
    accepted spelling -> code (codes and labels included). ``kind`` names the field in
    messages ("organisation type"); ``hint`` says what a valid value looks like.
    """

    kind: str
    codes: tuple[str, ...]
    labels: Mapping[str, str]
    aliases: Mapping[str, str]
    hint: str = ""
    show_code: bool = False  # suggestions name the code too: 'Germany' (DE)
    parse: Callable[[str], str | None] | None = None  # codes in forms no list can hold (29.1)
    near: Callable[[str], str | None] | None = None  # a code near an unknown value, tried first
    refused: Mapping[str, str] = field(default_factory=dict)  # normal form -> why not a value
    _keys: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def lookup(self, value: object) -> str | None:
        """The canonical code of a spelling, or None when the field does not know it."""
        if self.parse is not None:
            code = self.parse(str(value))
            if code is not None:
                return code
        return self.aliases.get(normal_form(str(value)))

    def label(self, code: str) -> str:
        """The words a person reads for a code (the code itself when it has no label)."""
        return self.labels.get(code, code)

    def suggest(self, value: object) -> str | None:
        """The nearest known code to an unknown spelling, or None if nothing is near."""
        key = normal_form(str(value))
        if not key:
            return None
        if self.near is not None:
            code = self.near(str(value))
            if code is not None:
                return code
        keys = self._keys or tuple(self.aliases)
        close = difflib.get_close_matches(key, keys, n=1, cutoff=SUGGESTION_CUTOFF)
        return self.aliases[close[0]] if close else None

    def unknown(self, value: object) -> str:
        """The message for a value the field does not know: its kind and the nearest spelling."""
        reason = self.refused.get(normal_form(str(value)))
        if reason is not None:
            article = "an" if self.kind[:1] in "aeiou" else "a"
            return f"is not {article} {self.kind}: {reason}"
        message = f"is not a known {self.kind}"
        code = self.suggest(value)
        if code is not None:
            name = self.label(code)
            shown = f"'{name}' ({code})" if self.show_code and name != code else f"'{name}'"
            return f"{message}; did you mean {shown}?"
        return f"{message} ({self.hint})" if self.hint else message

    def extended(self, spellings: Mapping[str, str]) -> Vocabulary:
        """This vocabulary with more spellings (spelling -> code); they win over built-in ones."""
        aliases = {**self.aliases, **{normal_form(word): code for word, code in spellings.items()}}
        aliases = {key: code for key, code in aliases.items() if key}
        return replace(self, aliases=aliases, _keys=tuple(sorted(aliases)))


def vocabulary(
    kind: str,
    codes: Iterable[str],
    labels: Mapping[str, str],
    spellings: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    *,
    hint: str = "",
    show_code: bool = False,
    parse: Callable[[str], str | None] | None = None,
    near: Callable[[str], str | None] | None = None,
    refused: Mapping[str, str] | None = None,
) -> Vocabulary:
    """A vocabulary whose aliases are the codes, the labels and ``spellings`` (word -> code).

    The first spelling of a normal form wins: codes, then labels, then the others in order,
    so a generated alias never takes a code or a label away from its own value.
    """
    codes = tuple(codes)
    aliases: dict[str, str] = {}
    pairs = spellings.items() if isinstance(spellings, Mapping) else spellings
    ordered = [*((code, code) for code in codes), *((labels[c], c) for c in codes if c in labels)]
    for word, code in [*ordered, *pairs]:
        key = normal_form(word)
        if key and key not in aliases:
            aliases[key] = code
    refusals = {normal_form(word): reason for word, reason in (refused or {}).items()}
    return Vocabulary(
        kind, codes, dict(labels), aliases, hint, show_code, parse, near, refusals,
        tuple(sorted(aliases)),
    )  # fmt: skip
