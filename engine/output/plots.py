"""The report's charts as inline SVG (matplotlib, no pyplot state, no files, no network).

Labels come from the data (partnership names, countries): matplotlib's SVG writer escapes
them as XML text, and math-text parsing is off so a ``$`` in a name is just a character.
Output is deterministic: fixed hash salt, no date metadata.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from engine.domain.reference import country_name

BAND_COLOURS = {"red": "#d64541", "orange": "#f39c12", "green": "#27ae60"}
ACHIEVED, PROPOSED, SHORT = "#34495e", "#3498db", "#e0e0e0"
STYLE: Any = {
    "svg.fonttype": "none",  # text stays text: small, selectable, searchable
    "svg.hashsalt": "cxmatch",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with mpl.rc_context(STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)  # RDF boilerplate
    return text[text.index("<svg") :]


def _figure(width: float, height: float) -> Figure:
    with mpl.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def score_histogram(scores: pd.Series) -> str:
    """Proposals per score bin, coloured by the official bands (red < 60 <= orange < 80)."""
    with mpl.rc_context(STYLE):
        figure = _figure(6.0, 2.6)
        axes = figure.add_subplot()
        edges = np.arange(0, 105, 5)
        counts, _ = np.histogram(scores.to_numpy(np.float64), bins=edges)
        colours = [
            BAND_COLOURS["green" if low >= 80 else "orange" if low >= 60 else "red"]
            for low in edges[:-1]
        ]
        axes.bar(edges[:-1], counts, width=5, align="edge", color=colours, edgecolor="white")
        axes.set_xlim(0, 100)
        axes.set_xlabel("match score")
        axes.set_ylabel("proposals")
        for limit in (60, 80):
            axes.axvline(limit, color="#555555", linewidth=0.8, linestyle=":")
        return _svg(figure)


def kpi_totals(kpis: pd.DataFrame) -> str:
    """Per partnership: exchanges achieved, expected from tonight's proposals, still missing,
    and the target as a mark."""
    kpis = kpis.assign(expected=kpis["expected"] if "expected" in kpis else kpis["proposed"])
    totals = kpis[kpis["category"] == "total"].sort_values("partnership", ascending=False)
    if totals.empty:
        totals = (
            kpis.groupby("partnership", as_index=False)[["target", "achieved", "expected"]]
            .sum()
            .sort_values("partnership", ascending=False)
        )
    with mpl.rc_context(STYLE):
        figure = _figure(6.5, 0.32 * max(3, len(totals)) + 0.8)
        axes = figure.add_subplot()
        labels = totals["partnership"].astype(str).tolist()
        y = np.arange(len(totals))
        achieved = totals["achieved"].to_numpy(np.float64)
        expected = totals["expected"].to_numpy(np.float64)
        target = totals["target"].to_numpy(np.float64)
        missing = np.maximum(0, target - achieved - expected)
        axes.barh(y, achieved, color=ACHIEVED, label="achieved")
        axes.barh(y, expected, left=achieved, color=PROPOSED, label="expected from tonight")
        axes.barh(y, missing, left=achieved + expected, color=SHORT, label="still missing")
        axes.scatter(target, y, marker="|", s=200, color="#111111", label="target", zorder=3)
        axes.set_yticks(y, labels)
        axes.set_xlabel("exchanges")
        axes.legend(
            loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False, fontsize=8
        )
        return _svg(figure)


def _by_name(codes: pd.Index) -> list[str]:
    return sorted(codes, key=lambda code: country_name(str(code)))


def country_flows(proposals: pd.DataFrame) -> str:
    """Proposals by host country (rows) and visitor country (columns), in the order of their
    names (by code, Germany came before Denmark and Kosovo last: the audit)."""
    table = pd.crosstab(proposals["host_country"], proposals["visitor_country"])
    table = table.loc[_by_name(table.index), _by_name(table.columns)]
    with mpl.rc_context(STYLE):
        rows, columns = table.shape
        figure = _figure(max(4.0, 0.36 * columns + 1.8), max(2.5, 0.3 * rows + 1.2))
        axes = figure.add_subplot()
        if table.empty:
            axes.text(0.5, 0.5, "no proposals", ha="center", va="center")
            axes.set_axis_off()
            return _svg(figure)
        image = axes.imshow(table.to_numpy(), cmap="Blues", aspect="auto")
        axes.set_xticks(np.arange(columns), [country_name(str(c)) for c in table.columns],
                        rotation=90)  # fmt: skip
        axes.set_yticks(np.arange(rows), [country_name(str(r)) for r in table.index])
        axes.set_xlabel("visitor country")
        axes.set_ylabel("host country")
        peak = table.to_numpy().max()
        for (i, j), value in np.ndenumerate(table.to_numpy()):
            if value:
                colour = "white" if value > peak / 2 else "#222222"
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7, color=colour)
        figure.colorbar(image, ax=axes, shrink=0.8, label="proposals")
        return _svg(figure)


def solver_quality(solver: dict[str, object]) -> str:
    """The greedy start, the LP bound, tonight's objective and the best bound, side by side."""
    named = [
        ("greedy start", solver.get("greedy_objective")),
        ("LP-rounded start", solver.get("lp_rounded_objective")),
        ("final objective", solver.get("objective")),
        ("best bound", solver.get("best_bound")),
    ]
    shown = [(name, float(value)) for name, value in named if isinstance(value, int | float)]
    with mpl.rc_context(STYLE):
        figure = _figure(6.0, 0.35 * max(2, len(shown)) + 0.7)
        axes = figure.add_subplot()
        if not shown:
            axes.text(0.5, 0.5, "no solver figures", ha="center", va="center")
            axes.set_axis_off()
            return _svg(figure)
        values = np.array([value for _, value in shown])
        colours = [PROPOSED if name == "final objective" else "#95a5a6" for name, _ in shown]
        y = np.arange(len(shown))[::-1]
        axes.barh(y, values, color=colours)
        axes.set_yticks(y, [name for name, _ in shown])
        low = min(values.min(), 0.0)
        axes.set_xlim(low, values.max() * 1.12 if values.max() > 0 else 1)
        for yy, value in zip(y, values, strict=True):
            axes.text(value, yy, f" {value:,.0f}", va="center", fontsize=8)
        axes.ticklabel_format(axis="x", style="plain")
        axes.set_xlabel("objective units (score x 100, minus quota penalties)")
        return _svg(figure)
