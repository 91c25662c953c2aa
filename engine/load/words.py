"""A campaign's words read as codes, at the boundary: every enumerated cell (each element of a
list cell) goes through its field's vocabulary (:mod:`engine.domain.vocabulary`), so that
everything downstream sees canonical codes. A value no vocabulary knows stays as written, for
validation to report with its file, row, column and a did-you-mean.

Also here: the campaign's own words (``vocabulary.toml``), how many values were normalised
per field (``cxmatch validate`` prints it), and partnership spellings that differ only in case
or spaces (they would silently split a partnership's KPIs).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from engine.domain.cells import look_alike
from engine.domain.contract import LIST_SEPARATOR, PROFILE_LIST_COLUMNS, STAY_DAYS
from engine.domain.problems import Problem
from engine.domain.spelling import Vocabulary, normal_form
from engine.domain.vocabulary import Vocabularies

VOCABULARY_FILE = "vocabulary.toml"
EXAMPLES = 3  # distinct examples shown per field


@dataclass(frozen=True)
class Normalised:
    """Values of one column written otherwise than as their code: how many, and examples."""

    file: str
    column: str
    count: int
    examples: tuple[tuple[str, str], ...]  # (as written, code)

    def __str__(self) -> str:
        shown = ", ".join(f"'{written}' -> {code}" for written, code in self.examples)
        values = "value" if self.count == 1 else "values"
        return f"{self.file}, column {self.column}: {self.count:,} {values} (e.g. {shown})"


def split_words(cell: str, vocab: Vocabulary) -> list[str]:
    """The elements of a ``;``-joined cell. Two neighbours joined again form one element when
    that is a known spelling: a few NACE names hold a ``;`` themselves ("Architectural and
    engineering activities; technical testing and analysis"); an element of known spellings
    joined by ``,`` is those elements."""
    parts = [part.strip() for part in cell.split(LIST_SEPARATOR)]
    elements: list[str] = []
    position = 0
    while position < len(parts):
        joined = (
            f"{parts[position]}{LIST_SEPARATOR} {parts[position + 1]}"
            if (position + 1 < len(parts))
            else None
        )
        if joined is not None and vocab.lookup(joined) is not None:
            elements.append(joined)
            position += 2
        else:
            elements.extend(_comma_list(parts[position], vocab))
            position += 1
    return [element for element in elements if element]


def _comma_list(element: str, vocab: Vocabulary) -> list[str]:
    """An element as the IT tool's screens list values, ``,``-joined ("English, Spanish",
    seed 001: the seeds audit saw them refused with a hint that dropped one): its parts where
    each is a known spelling and the whole is not (a NACE name may hold a comma)."""
    if "," not in element or vocab.lookup(element) is not None:
        return [element]
    parts = [part.strip() for part in element.split(",")]
    found: list[str] = []
    start = 0
    while start < len(parts):  # the longest run of parts that is a known spelling, in turn
        for end in range(len(parts), start, -1):
            candidate = ", ".join(parts[start:end])
            if candidate and vocab.lookup(candidate) is not None:
                found.append(candidate)
                start = end
                break
        else:
            return [element]  # a part no spelling holds: the cell as written, a problem
    return found


def _word_map(values: pd.Series, vocab: Vocabulary, listed: bool) -> dict[str, tuple[str, list]]:
    """Each distinct cell -> (its text in codes, the (written, code) pairs it changed)."""
    mapped: dict[str, tuple[str, list]] = {}
    for cell in pd.unique(values.astype(str)):
        elements = split_words(cell, vocab) if listed else ([cell] if cell.strip() else [])
        codes, changed = [], []
        for element in elements:
            code = vocab.lookup(element)
            codes.append(element if code is None else code)
            if code is not None and code != element:
                changed.append((element, code))
        text = LIST_SEPARATOR.join(codes) if listed else (codes[0] if codes else cell)
        mapped[cell] = (text, changed)
    return mapped


def normalise_table(
    frame: pd.DataFrame, table: str, file: str, vocabularies: Vocabularies
) -> tuple[pd.DataFrame, list[Normalised]]:
    """The frame with every enumerated cell in codes where its vocabulary knows it, and per
    column how many values were written otherwise (``table``: profiles, history or quotas)."""
    out = frame.copy()
    report: list[Normalised] = []
    for column in frame.columns:
        vocab = vocabularies.for_column(table, column)
        if vocab is None:
            continue
        mapped = _word_map(frame[column], vocab, column in PROFILE_LIST_COLUMNS)
        cells = frame[column].astype(str)
        out[column] = cells.map(lambda cell, m=mapped: m[cell][0])
        changes = [pair for cell in cells for pair in mapped[cell][1]]
        if changes:
            examples = tuple(dict.fromkeys(changes))[:EXAMPLES]
            report.append(Normalised(file, column, len(changes), examples))
    if "partnership" in frame.columns and vocabularies.partnerships:
        cells = frame["partnership"].astype(str)
        out["partnership"] = cells.map(vocabularies.partnership)
        changed = cells != out["partnership"]
        if changed.any():
            pairs = list(zip(cells[changed], out["partnership"][changed], strict=True))
            examples = tuple(dict.fromkeys(pairs))[:EXAMPLES]
            report.append(Normalised(file, "partnership", int(changed.sum()), examples))
    return out, report


def _spelling_key(name: str) -> str:
    return re.sub(r"\s+", "", look_alike(name))


def partnership_spelling_problems(frame: pd.DataFrame, file: str) -> list[Problem]:
    """Rows whose partnership differs from a more common spelling only in case, spaces or
    what nobody sees (``look_alike``): the engine would count them as two partnerships with
    split KPIs."""
    if "partnership" not in frame.columns:
        return []
    names = frame["partnership"].astype(str).reset_index(drop=True)
    names = names[names.str.strip() != ""]
    spellings: dict[str, Counter[str]] = {}
    for name in names:
        spellings.setdefault(_spelling_key(name), Counter())[name] += 1
    main = {
        key: counts.most_common(1)[0][0] for key, counts in spellings.items() if len(counts) > 1
    }
    problems = []
    for index, name in zip(names.index.tolist(), names.tolist(), strict=True):
        usual = main.get(_spelling_key(name))
        if usual is not None and name != usual:
            count = spellings[_spelling_key(name)][usual]
            plain = re.sub(r"\s+", "", name).casefold() == re.sub(r"\s+", "", usual).casefold()
            how = "case or spaces" if plain else "case, spaces or characters that look alike"
            message = (
                f"differs only in {how} from '{usual}' ({count} rows): one partnership "
                f"needs one spelling (write '{usual}', or map it in {VOCABULARY_FILE})"
            )
            problems.append(Problem(file, int(index) + 1, "partnership", name, message))
    return problems


def campaign_words(
    data: Mapping[str, Any], vocabularies: Vocabularies
) -> tuple[Vocabularies, list[Problem]]:
    """The vocabularies extended with a campaign's ``vocabulary.toml`` (parsed), and every
    problem of it as ``vocabulary.toml, column [section] word``."""
    extended, word_problems = vocabularies.with_campaign_words(data)
    problems = [
        Problem(
            VOCABULARY_FILE,
            None,
            f"[{p.section}]" if p.word is None else f"[{p.section}] {p.word}",
            p.value,
            p.message,
        )
        for p in word_problems
    ]
    return extended, problems


def nearest_partnership(value: str, known: list[str]) -> str | None:
    """The known partnership nearest to ``value`` (for a did-you-mean), or None."""
    import difflib

    keys = {normal_form(name): name for name in known}
    close = difflib.get_close_matches(normal_form(value), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


# a stay as the IT tool and the seeds write it: "3 working days" (seed 002's "Planned stay
# duration"), "5 days", "a month" (seeds 000/004: "3 days to 1 month"; a month holds at most 23
# working days, and the month rule ends a stay before the same date a month later)
_STAY = re.compile(r"([0-9]{1,3})\s*(?:working\s+|work\s+)?days?")
_MONTH = re.compile(r"(?:a|one|1)\s+month")
STAY_COLUMNS = ("min_days", "max_days")


def stay_words(frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Normalised]]:
    """The profiles with their stays written in words read as working days (the seeds audit:
    '3 working days' and '1 month' were 'not an integer'), and what was read so."""
    out, report = frame.copy(), []
    for column in STAY_COLUMNS:
        if column not in frame.columns:
            continue
        cells = frame[column].astype(str)
        read = cells.map(_stay_days)
        changed = read != cells
        out[column] = read
        if changed.any():
            pairs = list(zip(cells[changed], read[changed], strict=True))
            examples = tuple(dict.fromkeys(pairs))[:EXAMPLES]
            report.append(Normalised(file, column, int(changed.sum()), examples))
    return out, report


def _stay_days(cell: str) -> str:
    text = " ".join(cell.strip().lower().split())
    if match := _STAY.fullmatch(text):
        return match.group(1)
    return str(STAY_DAYS[1]) if _MONTH.fullmatch(text) else cell
