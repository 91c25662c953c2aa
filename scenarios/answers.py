"""The partnership's answer, from one or more :class:`~scenarios.forecast.Forecast` columns:
per partnership, each KPI's forecast against its target (a small chart and a table with the
scenarios side by side, their difference and whether it exceeds the seed spread), the SME
share of its accepted exchanges and its lump sums against its budget; and the programme's SME
share night by night against the minimum, with a comment on every night it falls below."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from engine.domain.vocabulary import label
from engine.output.formats import day, euros, number, percent, signed, spread
from engine.output.svg import PALETTE, Mark, Series, line_chart
from engine.output.words import diagnosis_in_words
from scenarios.forecast import Forecast, beyond_spread

CATEGORY_ORDER = ("total", "sme", "cluster", "technology_centre", "scaling_up", "public")
Pair = tuple[int, int]  # (reference column, compared column)


def category_label(category: str) -> str:
    return label("category", category)


def _order(category: str) -> int:
    return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)


def night_words(forecast: Forecast, night: int | None) -> str:
    if night is None:
        return "not met"
    if night == 0:
        return "met before the first night"
    return f"night {night} ({forecast.night_labels[night]})"


def partnership_answers(forecasts: Sequence[Forecast], pairs: Sequence[Pair]) -> list[dict]:
    """One block per partnership, for the template's ``partnership`` macro."""
    names = sorted(set().union(*(set(f.partnerships) for f in forecasts)))
    return [_block(name, forecasts, pairs) for name in names]


def _block(name: str, forecasts: Sequence[Forecast], pairs: Sequence[Pair]) -> dict[str, Any]:
    ends = [f.kpi_end[f.kpi_end["partnership"] == name].set_index("category") for f in forecasts]
    categories = sorted(set().union(*(set(end.index) for end in ends)), key=_order)
    rows = [_row(name, category, forecasts, ends, pairs) for category in categories]
    return {
        "name": name,
        "answers": [(f.name, _answer(f, end)) for f, end in zip(forecasts, ends, strict=True)],
        "minis": [_mini(name, category, forecasts) for category in categories],
        "rows": rows,
        "blocked": _blocked(rows, [f.name for f in forecasts]),
        "sme": _partner_sme(name, forecasts),
        "spend": _partner_spend(name, forecasts),
    }


def _blocked(rows: list[dict[str, Any]], names: list[str]) -> list[tuple[str, str, str]]:
    """What kept each KPI short, once per distinct reason: (scenarios, KPI, reason)."""
    found: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        for name, cell in zip(names, row["cells"], strict=True):
            if cell["blocked"]:
                found.setdefault((row["category"], cell["blocked"]), []).append(name)
    return [(" and ".join(who), category, text) for (category, text), who in found.items()]


def _answer(forecast: Forecast, end: pd.DataFrame) -> str:
    """'meets all 5 targets by night 3 (18 Jan)' or 'misses 2 of 5 targets: ...'."""
    if end.empty:
        return "no KPI target"
    seeds = len(forecast.seeds)
    every = end["met_seeds"] == end["seeds"]
    if every.all():
        last = end["met_night_last"].max()
        when = "before the first night" if last == 0 else f"by {night_words(forecast, int(last))}"
        tail = f" in every seed ({seeds})" if seeds > 1 else ""
        what = "its target" if len(end) == 1 else f"all {len(end)} targets"
        return f"meets {what} {when}{tail}"
    missed = end[~every]
    parts = []
    for category, row in missed.iterrows():
        text = f"{category_label(str(category))} short by {number(row['shortfall_mean'])}"
        if seeds > 1:
            text += f" in {row['seeds'] - row['met_seeds']} of {seeds} seeds"
        parts.append(text)
    what = "its target" if len(end) == 1 else f"{len(missed)} of {len(end)} targets"
    return f"misses {what}: " + "; ".join(parts)


def _night_axis(forecasts: Sequence[Forecast]) -> list[str]:
    """The charts' nights: the longest scenario's (a scenario may run more nights; the
    others' lines end where they end)."""
    return max((f.night_labels for f in forecasts), key=len)


def _marks(
    forecasts: Sequence[Forecast],
    values: Sequence[float | None],
    word: str,
    text: Callable[[float], str] = number,
) -> list[Mark]:
    """The scenarios' marks (a target, a minimum, a budget): one when they all have the same,
    else one per scenario in its colour (a scenario may change its quotas or its policy)."""
    known = [(column, float(v)) for column, v in enumerate(values) if v is not None]
    if len({v for _, v in known}) <= 1:
        return [Mark(v, f"{word} {text(v)}") for _, v in known[:1]]
    return [
        Mark(v, f"{word} {text(v)} ({forecasts[c].name})", PALETTE[c % len(PALETTE)])
        for c, v in known
    ]


def _said(
    forecasts: Sequence[Forecast], values: Sequence[float], text: Callable[[float], str]
) -> str:
    """A value the scenarios share, or each scenario's."""
    if len(set(values)) <= 1:
        return text(values[0])
    return ", ".join(f"{text(v)} ({f.name})" for f, v in zip(forecasts, values, strict=True))


def _mini(name: str, category: str, forecasts: Sequence[Forecast]) -> dict[str, Any]:
    series: list[Series] = []
    targets: list[float | None] = []
    for column, f in enumerate(forecasts):
        rows = f.kpi_nights[
            (f.kpi_nights["partnership"] == name) & (f.kpi_nights["category"] == category)
        ].sort_values("night")
        if rows.empty:
            targets.append(None)
            continue
        targets.append(float(rows["target"].iloc[0]))  # each scenario's own target
        colour = PALETTE[column % len(PALETTE)]
        several = len(f.seeds) > 1
        series.append(
            Series(
                f.name,
                rows["achieved_mean"].tolist(),
                colour,
                low=rows["achieved_min"].tolist() if several else None,
                high=rows["achieved_max"].tolist() if several else None,
            )
        )
        if len(forecasts) == 1:
            series.append(Series("plan", rows["plan_mean"].tolist(), colour, dashed=True))
    labels = _night_axis(forecasts)
    chart = line_chart(
        labels,
        series,
        width=196,
        marks=_marks(forecasts, targets, "target"),
        title=f"{name}: {category_label(category)} exchanges by night",
    )
    return {"title": category_label(category), "chart": Markup(chart)}


def _unblocked_shortfall(row: dict[Any, Any]) -> str:
    """Why a KPI no rule blocked fell short: its proposals accepted less often than planned,
    or the nights proposed too little for it."""
    expected = float(row.get("expected_total", 1.0))
    gained = float(row.get("achieved_mean", 0.0)) - float(row.get("achieved_start", 0.0))
    if expected >= 0.5 and gained < expected:
        return "no rule kept it out of reach: too few of its proposals were accepted"
    if expected >= 0.5:
        return (
            "no rule kept it out of reach, and its proposals were accepted as often as planned "
            "or more: the nights proposed too few for it (other rules or exchanges took its "
            "candidates' places)"
        )
    return (
        "no rule made it unreachable, yet the nights' plans proposed (almost) nothing for it: "
        "other rules or exchanges took its candidates' places"
    )


def _row(
    name: str,
    category: str,
    forecasts: Sequence[Forecast],
    ends: Sequence[pd.DataFrame],
    pairs: Sequence[Pair],
) -> dict[str, Any]:
    cells: list[dict[str, Any]] = []
    for f, end in zip(forecasts, ends, strict=True):
        if category not in end.index:
            cells.append(
                {"end": "—", "met": "", "blocked": "", "ok": False, "start": "—", "delta": None}
            )
            continue
        row: dict[Any, Any] = end.loc[category].to_dict()
        seeds, met = int(row["seeds"]), int(row["met_seeds"])
        if met == seeds:
            when = night_words(f, int(row["met_night_last"]))
            met_text = f"met by {when}" if seeds > 1 and row["met_night_last"] else when
        elif met:
            met_text = f"met in {met} of {seeds} seeds"
        else:
            met_text = f"short by {number(row['shortfall_mean'])}"
        blocked = diagnosis_in_words(str(row["blocked_by"]), name) if met < seeds else ""
        if met < seeds and not blocked:
            blocked = _unblocked_shortfall(row)
        cells.append(
            {
                "start": number(row["achieved_start"]),
                "target": int(row["target"]),
                "end": spread(row["achieved_mean"], row["achieved_min"], row["achieved_max"]),
                "met": met_text,
                "ok": met == seeds,
                "blocked": blocked,
                "delta": None,
            }
        )
    target = next(
        (end.loc[category].to_dict()["target"] for end in ends if category in end.index), 0
    )
    for a, b in pairs:  # the difference from the reference, in the compared scenario's cell
        cells[b]["delta"] = _delta(name, category, forecasts[a], forecasts[b])
    for cell in cells:  # a scenario that changes the target says its own
        cell["own_target"] = (
            f"of {number(cell['target'])}" if cell.get("target", target) != target else ""
        )
    return {"category": category_label(category), "target": number(target), "cells": cells}


def _delta(name: str, category: str, a: Forecast, b: Forecast) -> dict[str, Any]:
    def values(f: Forecast) -> dict[int, float]:
        rows = f.by_seed[(f.by_seed["partnership"] == name) & (f.by_seed["category"] == category)]
        return dict(zip(rows["seed"].astype(int), rows["achieved_end"].astype(float), strict=True))

    left, right = values(a), values(b)
    if not left or not right:
        return {"text": "—", "beyond": None, "sign": ""}
    difference = float(np.mean(list(right.values())) - np.mean(list(left.values())))
    return {
        "text": signed(difference),
        "beyond": beyond_spread(left, right),
        "sign": "up" if difference > 0 else "down" if difference < 0 else "",
    }


def _partner_sme(name: str, forecasts: Sequence[Forecast]) -> dict[str, Any]:
    series, texts = [], []
    for column, f in enumerate(forecasts):
        rows = f.partner_nights[f.partner_nights["partnership"] == name].sort_values("night")
        shares = rows["sme_share_mean"].tolist()
        series.append(Series(f.name, shares, PALETTE[column % len(PALETTE)]))
        texts.append((f.name, percent(shares[-1] if shares else None)))
    chart = _share_chart(forecasts, series, f"{name}: SME share of its accepted exchanges so far")
    minimum = _said(forecasts, [f.min_sme_share for f in forecasts], percent)
    return {"chart": Markup(chart), "texts": texts, "minimum": minimum}


def _share_chart(
    forecasts: Sequence[Forecast],
    series: list[Series],
    title: str,
    width: int = 240,
    height: int = 120,
) -> str:
    """Shares night by night on a 0-100% axis, against the SME minimum (each scenario's)."""
    minimum = [f.min_sme_share for f in forecasts]
    return line_chart(
        _night_axis(forecasts),
        series,
        marks=_marks(forecasts, minimum, "min", percent),
        y_max=1.0,
        y_text=lambda v: percent(v),
        title=title,
        width=width,
        height=height,
    )


def _partner_spend(name: str, forecasts: Sequence[Forecast]) -> dict[str, Any]:
    budgets = [f.budgets.get(name) for f in forecasts]  # a scenario may change them
    series, texts = [], []
    for column, f in enumerate(forecasts):
        budget = budgets[column]
        rows = f.partner_nights[f.partner_nights["partnership"] == name].sort_values("night")
        several = len(f.seeds) > 1
        series.append(
            Series(
                f.name,
                rows["spent_mean"].tolist(),
                PALETTE[column % len(PALETTE)],
                low=rows["spent_min"].tolist() if several else None,
                high=rows["spent_max"].tolist() if several else None,
            )
        )
        last = rows.iloc[-1] if len(rows) else None
        spent = None if last is None else float(last["spent_mean"])
        words = "—" if last is None else _money_spread(last)
        if budget and spent is not None:
            words += f" of {euros(budget)} ({percent(spent / budget)})"
        texts.append((f.name, words))
    chart = line_chart(
        _night_axis(forecasts),
        series,
        marks=_marks(forecasts, [b or None for b in budgets], "budget", euros),
        y_text=lambda v: euros(v) if v < 1000 else f"€{v / 1000:,.0f}k",
        title=f"{name}: lump sums spent so far",
    )
    return {
        "chart": Markup(chart),
        "texts": texts,
        "budget": _said(
            forecasts, [b or 0.0 for b in budgets], lambda b: euros(b) if b else "none set"
        ),
    }


def _money_spread(row: pd.Series) -> str:
    if euros(row["spent_min"]) == euros(row["spent_max"]):
        return euros(row["spent_mean"])
    return f"{euros(row['spent_mean'])} ({euros(row['spent_min'])}–{euros(row['spent_max'])})"


def sme_programme(forecasts: Sequence[Forecast]) -> dict[str, Any]:
    """The SME share of accepted exchanges night by night (all partnerships) against the
    minimum, and a comment for every night a scenario's share falls below it."""
    series, comments = [], []
    for column, f in enumerate(forecasts):
        minimum = f.min_sme_share  # each scenario's own (a scenario may change it)
        rows = f.sme_nights.sort_values("night")
        several = len(f.seeds) > 1
        start = [np.nan]  # no exchange accepted before the first night
        series.append(
            Series(
                f.name,
                start + rows["cumulative_mean"].tolist(),
                PALETTE[column % len(PALETTE)],
                low=start + rows["cumulative_min"].tolist() if several else None,
                high=start + rows["cumulative_max"].tolist() if several else None,
            )
        )
        if len(forecasts) == 1:
            series.append(
                Series("tonight", start + rows["night_mean"].tolist(), "#7f8c8d", dashed=True)
            )
        prefix = f"{f.name}: " if len(forecasts) > 1 else ""
        for row in rows.to_dict("records"):
            night, tonight, so_far = int(row["night"]), row["night_mean"], row["cumulative_mean"]
            if tonight < minimum or so_far < minimum:
                night_text = (
                    f"{prefix}night {night} ({f.night_labels[night]}): SMEs had "
                    f"{percent(tonight)} of the {number(row['accepted_mean'])} exchanges "
                    "accepted that night"
                )
                if so_far < minimum:
                    said = (
                        f"{night_text} and {percent(so_far)} of all accepted so far, "
                        f"below the {percent(minimum)} minimum"
                    )
                else:
                    said = (
                        f"{night_text}, below the {percent(minimum)} minimum; of all accepted "
                        f"so far {percent(so_far)}"
                    )
                comments.append(
                    f"{said}. The plan keeps the minimum on the proposals and on the expected "
                    "exchanges; that night the SMEs' proposals were accepted less often than "
                    "expected."
                )
    chart = _share_chart(
        forecasts, series, "SME share of accepted exchanges", width=520, height=180
    )
    minimum_said = _said(forecasts, [f.min_sme_share for f in forecasts], percent)
    return {"chart": Markup(chart), "comments": comments, "minimum": minimum_said}


def legend(forecasts: Sequence[Forecast]) -> list[tuple[str, str]]:
    return [(f.name, PALETTE[column % len(PALETTE)]) for column, f in enumerate(forecasts)]


__all__ = ["day", "legend", "partnership_answers", "sme_programme"]
