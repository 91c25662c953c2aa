"""Self-contained HTML reports (no network): tables and PNG plots embedded as base64."""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from scenarios.simulate import SimulationResult

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}
th{background:#f0f0f0} td:first-child,th:first-child{text-align:left}
img{max-width:100%} pre{background:#f7f7f7;padding:1em;font-size:.8em;overflow:auto}
.small{color:#666;font-size:.85em}
"""


def _figure(draw: Callable[[Axes], None], width: float = 9.0, height: float = 4.0) -> str:
    """An <img> with the PNG of one matplotlib axes, base64-embedded."""
    figure = Figure(figsize=(width, height), dpi=90, layout="constrained")
    draw(figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    shown = frame.head(max_rows).copy()
    for column in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[column]):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d")
    more = (
        f'<p class="small">{len(frame) - max_rows} more rows in the CSV.</p>'
        if len(frame) > max_rows
        else ""
    )
    return (
        shown.to_html(
            index=False,
            na_rep="",
            float_format=lambda x: f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}",
            escape=True,
        )
        + more
    )


def _page(title: str, body: list[str]) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


# --- one simulation ---------------------------------------------------------------------------


def simulation_report(result: SimulationResult) -> str:
    summary = result.summary
    scenario = result.scenario
    progress = result.kpi_progress[result.kpi_progress["target"] > 0]
    body = [
        f"<h1>Scenario {html.escape(summary['scenario'])} (seed {result.seed})</h1>",
        f"<p>{html.escape(str(scenario.get('description', '')))}</p>",
        _key_values(summary),
        "<h2>KPI attainment per partnership</h2>",
        '<p class="small">Achieved exchanges (capped at each target) over the targets of the '
        "partnership's quotas; night 0 is the state before the first night.</p>",
        _figure(lambda axes: _attainment_plot(axes, progress)),
        "<h2>Proposals and decisions per night</h2>",
        _figure(lambda axes: _nights_plot(axes, result.nights, summary.get("min_sme_share"))),
        "<h2>Lump sums</h2>",
        _figure(lambda axes: _spend_plot(axes, result.nights), height=3.0),
        "<h2>Nights</h2>",
        _table(result.nights),
        "<h2>KPIs at the end</h2>",
        '<p class="small">met_night 0: met before the first night; empty: not met '
        "(see the shortfall).</p>",
        _table(result.kpis[result.kpis["target"] > 0]),
        "<h2>Scenario</h2>",
        f"<pre>{html.escape(json.dumps(scenario, indent=2, default=str))}</pre>",
    ]
    return _page(f"cxmatch simulation {summary['scenario']}", body)


def _key_values(values: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_text(value))}</td></tr>"
        for key, value in values.items()
    )
    return f"<table>{rows}</table>"


def _text(value: Any) -> str:
    if value is None:
        return "not reached"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _attainment_plot(axes: Axes, progress: pd.DataFrame) -> None:
    capped = progress.assign(done=np.minimum(progress["achieved"], progress["target"]))
    by = capped.groupby(["partnership", "night"])[["done", "target"]].sum()
    share = (by["done"] / by["target"]).unstack("partnership")
    colours = matplotlib.colormaps["tab20"]
    for index, partnership in enumerate(share.columns):
        axes.plot(
            share.index, share[partnership], marker="o", markersize=3, label=partnership,
            color=colours(index % 20),
        )  # fmt: skip
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("night")
    axes.set_ylabel("share of targets achieved")
    axes.set_ylim(0, 1.05)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="lower right")


def _nights_plot(axes: Axes, nights: pd.DataFrame, minimum: float | None) -> None:
    x = nights["night"].to_numpy()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.bar(x - 0.2, nights["proposals"], width=0.4, label="proposals", color="#9ab")
    axes.bar(x + 0.2, nights["accepted"], width=0.4, label="accepted", color="#2a7")
    axes.set_xlabel("night")
    axes.set_ylabel("exchanges")
    axes.legend(loc="upper left", fontsize=8)
    share = axes.twinx()
    share.plot(
        x, nights["sme_share_accepted"], color="#c50", marker="o", label="SME share (accepted)"
    )
    if minimum is not None:
        share.axhline(minimum, color="#c50", linestyle=":", label="min SME share of proposals")
    share.set_ylim(0, 1)
    share.set_ylabel("SME share of accepted")
    share.legend(loc="upper right", fontsize=8)


def _spend_plot(axes: Axes, nights: pd.DataFrame) -> None:
    axes.plot(nights["night"], nights["lump_sum_eur"].cumsum(), marker="o", color="#46a")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("night")
    axes.set_ylabel("cumulative lump sums (EUR)")
    axes.grid(alpha=0.3)


# --- a sweep ------------------------------------------------------------------------------------


def sweep_report(
    runs: pd.DataFrame, scenarios: pd.DataFrame, kpis: pd.DataFrame, manifest: dict[str, Any]
) -> str:
    ok = runs[runs["status"] == "ok"]
    failed = runs[runs["status"] != "ok"]
    body = [
        "<h1>cxmatch sweep</h1>",
        _key_values(
            {
                key: manifest[key]
                for key in ("scenarios", "seeds", "results", "ran", "reused", "failed")
            }
        ),
        "<h2>KPI attainment</h2>",
        '<p class="small">Mean over seeds; the bars span the lowest and highest seed.</p>',
        _figure(lambda axes: _spread_plot(axes, ok, "kpi_attainment", "KPI attainment")),
        "<h2>Nights to reach every KPI</h2>",
        '<p class="small">One dot per seed; a seed that never reaches every KPI is drawn at '
        "nights + 1.</p>",
        _figure(lambda axes: _nights_to_target_plot(axes, ok)),
        "<h2>Spend</h2>",
        _figure(lambda axes: _spread_plot(axes, ok, "lump_sum_eur", "lump sums (EUR)"), height=3.5),
        "<h2>Scenarios (over seeds)</h2>",
        _table(scenarios),
        "<h2>KPIs (over seeds)</h2>",
        _table(kpis, max_rows=400),
        "<h2>Every run</h2>",
        _table(runs),
    ]
    if len(failed):
        body += ["<h2>Failed runs</h2>", _table(failed[["scenario", "seed", "error"]])]
    return _page("cxmatch sweep", body)


def _spread_plot(axes: Axes, runs: pd.DataFrame, column: str, label: str) -> None:
    stats = runs.groupby("scenario")[column].agg(["mean", "min", "max"])
    x = np.arange(len(stats))
    errors = np.vstack([stats["mean"] - stats["min"], stats["max"] - stats["mean"]])
    axes.bar(x, stats["mean"], yerr=errors, capsize=4, color="#6a9")
    axes.set_xticks(x, stats.index, rotation=15, fontsize=8)
    axes.set_ylabel(label)
    axes.grid(axis="y", alpha=0.3)


def _nights_to_target_plot(axes: Axes, runs: pd.DataFrame) -> None:
    names = sorted(runs["scenario"].unique())
    for index, name in enumerate(names):
        rows = runs[runs["scenario"] == name]
        values = rows["nights_to_target"].fillna(rows["nights"] + 1).to_numpy(np.float64)
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(1)
        axes.scatter(index + jitter, values, s=18)
    axes.set_xticks(np.arange(len(names)), names, rotation=15, fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(runs):
        never = float(runs["nights"].max()) + 1
        axes.axhline(never, color="#c33", linestyle=":", linewidth=1)
        axes.annotate("not reached", (0, never), xytext=(2, 2), textcoords="offset points",
                      xycoords=("axes fraction", "data"), color="#c33", fontsize=8)  # fmt: skip
    axes.set_ylim(bottom=0)
    axes.set_ylabel("nights to every KPI")
    axes.grid(axis="y", alpha=0.3)
