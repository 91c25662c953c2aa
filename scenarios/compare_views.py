"""A comparison said on a terminal (under 100 columns, in words and units) and as an HTML
page in the reports' look (scenarios side by side per partnership)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from engine.output.formats import NOTHING, euros, missing, number, percent, signed
from engine.output.page import environment, render_page
from scenarios.answers import category_label, legend, partnership_answers, sme_programme
from scenarios.compare import Comparison


def value_text(kind: str, value: Any) -> str:
    if missing(value):
        return "not met" if kind == "night" else NOTHING
    if kind == "share":
        return percent(value, 1)
    if kind == "euros":
        return euros(value)
    return number(value)


def delta_text(kind: str, value: Any) -> str:
    if kind == "share":
        return signed(None if missing(value) else 100 * float(value), 1, " pts")
    if kind == "euros":
        if missing(value):
            return NOTHING
        return ("+" if value > 0 else "−" if value < 0 else "") + euros(abs(float(value)))
    return signed(value)


def spread_text(beyond: Any) -> str:
    if beyond is None or missing(beyond):
        return ""
    return "beyond the seed spread" if beyond else "within the seed spread"


def text_report(comparison: Comparison, a: Path, b: Path) -> str:
    """A terminal summary: headline figures, the KPIs that changed, the pairs only one has."""
    lines = [f"A = {a}", f"B = {b}", *comparison.notes]
    for scenario, rows in comparison.headlines.groupby("scenario", sort=True):
        name = str(scenario)
        lines += ["", f"Scenario {name} (means over seeds)" if name else "Headline figures"]
        lines.append(f"  {'':<44}{'A':>12}{'B':>12}{'B - A':>12}")
        for row in rows.to_dict("records"):
            kind = str(row["kind"])
            lines.append(
                f"  {str(row['label'])[:43]:<44}{value_text(kind, row['a']):>12}"
                f"{value_text(kind, row['b']):>12}{delta_text(kind, row['delta']):>12}"
                + (f"  {spread_text(row['beyond_spread'])}" if row["beyond_spread"] else "")
            )
    kpis = comparison.kpis
    changed = kpis[kpis["delta"].fillna(1.0) != 0] if len(kpis) else kpis
    lines += ["", f"KPIs whose exchanges at the end changed: {len(changed)} of {len(kpis)}"]
    for row in changed.head(60).to_dict("records"):
        where = f"{row['scenario']}: " if row["scenario"] else ""
        targets = [row[f"target_{side}"] for side in "ab"]
        targets = [t if not missing(t) else targets[1 - i] for i, t in enumerate(targets)]
        met = [
            not missing(v) and v >= t
            for v, t in zip((row["achieved_mean_a"], row["achieved_mean_b"]), targets, strict=True)
        ]
        target = (
            number(targets[0])
            if targets[0] == targets[1]
            else f"{number(targets[0])} -> {number(targets[1])}"
        )
        turn = {(False, True): ", met in B only", (True, False): ", met in A only"}.get(
            (met[0], met[1]), ""
        )
        lines.append(
            f"  {where}{row['partnership']:<16} {category_label(str(row['category'])):<32}"
            f"{number(row['achieved_mean_a']):>7} -> {number(row['achieved_mean_b']):<7}"
            f"({signed(row['delta'])}; target {target}{turn})"
        )
    if len(changed) > 60:
        lines.append(f"  ... and {len(changed) - 60} more (compare --out FILE.html shows them all)")
    only_a = int((comparison.pairs["only_in"] == "a").sum())
    only_b = int((comparison.pairs["only_in"] == "b").sum())
    lines += ["", f"Accepted pairs only in A: {only_a}; only in B: {only_b}"]
    return "\n".join(lines)


def comparison_report(comparison: Comparison, a: Path, b: Path) -> str:
    """The comparison as a self-contained page: headline figures, then per partnership the two
    sides next to each other, the SME share and the pairs only one side has."""
    forecasts = comparison.forecasts
    headlines = []
    for scenario, rows in comparison.headlines.groupby("scenario", sort=True):
        headlines.append(
            {
                "scenario": scenario,
                "rows": [
                    {
                        "label": row["label"],
                        "a": value_text(str(row["kind"]), row["a"]),
                        "b": value_text(str(row["kind"]), row["b"]),
                        "delta": delta_text(str(row["kind"]), row["delta"]),
                        "spread": spread_text(row["beyond_spread"]),
                    }
                    for row in rows.to_dict("records")
                ],
            }
        )
    pairs = comparison.pairs
    context: dict[str, Any] = {
        "title": _title(comparison, a, b),
        "spread": comparison.headlines["beyond_spread"].notna().any(),
        "a": str(a),
        "b": str(b),
        "notes": comparison.notes,
        "headlines": headlines,
        "columns": [f.name for f in forecasts],
        "blocks": partnership_answers(forecasts, comparison.column_pairs) if forecasts else [],
        "sme": sme_programme(forecasts) if forecasts else None,
        "items": legend(forecasts),
        "pair_counts": _pair_counts(pairs),
        "pairs": [
            {**row, "score": number(row["score"]), "side": "A" if row["only_in"] == "a" else "B"}
            for row in pairs.head(500).astype(object).to_dict("records")
        ],
        "pairs_total": len(pairs),
    }
    partnerships = sorted(set().union(*(set(f.partnerships) for f in forecasts)))
    return render_page(
        environment("scenarios"), "comparison.html", context, partnerships=partnerships
    )


def _title(comparison: Comparison, a: Path, b: Path) -> str:
    if comparison.kind == "simulation" and len(comparison.forecasts) == 2:
        names = [f.name.split(": ", 1)[-1] for f in comparison.forecasts]
        return f"Comparison: {names[1]} (B) against {names[0]} (A)"
    return f"Comparison: sweep {Path(b).name} (B) against sweep {Path(a).name} (A)"


def _pair_counts(pairs: pd.DataFrame) -> list[dict[str, Any]]:
    if pairs.empty:
        return []
    counts = pairs.groupby(["visitor_partnership", "only_in"]).size().unstack(fill_value=0)
    return [
        {"partnership": str(name), "a": int(row.get("a", 0)), "b": int(row.get("b", 0))}
        for name, row in counts.iterrows()
    ]
