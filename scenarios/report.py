"""The simulation and sweep reports in the run report's look (``engine.output.page``): the
partnership's answer first (:mod:`scenarios.answers`), then the programme's SME share, the
nights and the scenario's settings, in words and units a partnership reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from engine.output.formats import NOTHING, day, euros, number, percent, spread
from engine.output.page import environment, render_page
from scenarios.answers import legend, night_words, partnership_answers, sme_programme
from scenarios.forecast import Forecast, SeedRun, forecast
from scenarios.settings import settings_in_words
from scenarios.simulate import SimulationResult

TEMPLATES = "scenarios"


def simulation_report(result: SimulationResult) -> str:
    one = forecast(result.summary["scenario"], [SeedRun.of(result)])
    summary = result.summary
    blocks = partnership_answers([one], [])
    reached = summary.get("nights_to_target")
    context = {
        "title": f"Scenario {summary['scenario']} · seed {result.seed}",
        "description": str(result.scenario.get("description") or ""),
        "period": f"{summary['nights']} nights from {day(summary['first_night'])} "
        f"to {day(summary['last_night'])}",
        "cards": [
            (f"{summary['kpis_met']} of {summary['kpis']}", "KPI targets met at the end", ""),
            (
                night_words(one, reached)
                if reached is not None
                else f"not within {summary['nights']} nights",
                "every KPI target met",
                "ok" if reached is not None else "short",
            ),
            (
                f"{summary['accepted']:,}",
                f"exchanges accepted of {summary['proposals']:,} proposals "
                f"({number(summary.get('expected'))} expected)",
                "",
            ),
            (
                percent(summary.get("sme_share_accepted")),
                f"SME share of accepted exchanges (minimum {percent(summary['min_sme_share'])})",
                "short"
                if (summary.get("sme_share_accepted") or 0) < summary["min_sme_share"]
                else "ok",
            ),
            (euros(summary.get("lump_sum_eur")), "lump sums of the accepted exchanges", ""),
        ],
        "blocks": blocks,
        "columns": [one.name],
        "sme": sme_programme([one]),
        "items": legend([one]),
        "nights": _night_rows(result.nights, summary["min_sme_share"]),
        "settings": settings_in_words(result.scenario),
    }
    return render_page(
        environment(TEMPLATES), "simulation.html", context, partnerships=one.partnerships
    )


def _night_rows(nights: pd.DataFrame, minimum: float) -> list[dict[str, Any]]:
    rows = []
    for row in nights.to_dict("records"):
        cumulative = row.get("sme_share_accepted_cumulative")
        rows.append(
            {
                "night": int(row["night"]),
                "date": day(row["night_date"]),
                "open": f"{int(row['visitors_open']):,} · {int(row['hosts_open']):,}",
                "proposals": f"{int(row['proposals']):,}",
                "expected": number(row.get("expected")),
                "accepted": f"{int(row['accepted']):,}",
                "sme_tonight": percent(row.get("sme_share_accepted")),
                "sme_so_far": percent(cumulative),
                "low": cumulative is not None and not pd.isna(cumulative) and cumulative < minimum,
                "spend": euros(row["lump_sum_eur"]),
                "kpis": f"{int(row['kpis_met'])} of {int(row['kpis'])}",
                "solver": str(row.get("solver_status") or NOTHING).replace("_", " "),
            }
        )
    return rows


# --- a sweep ------------------------------------------------------------------------------------


def reference_index(forecasts: Sequence[Forecast]) -> int:
    """The scenario the others are compared with: 'baseline' if there is one, else the first."""
    names = [f.name for f in forecasts]
    return names.index("baseline") if "baseline" in names else 0


def sweep_report(
    forecasts: Sequence[Forecast],
    runs: pd.DataFrame,
    manifest: dict[str, Any],
    settings: dict[str, list[tuple[str, str]]],
) -> str:
    """Scenarios side by side for every partnership, each against the reference scenario."""
    forecasts = list(forecasts)
    failed = runs[runs["status"] != "ok"]
    context: dict[str, Any] = {
        "title": "Sweep: " + ", ".join(f.name for f in forecasts) if forecasts else "Sweep",
        "cards": [
            (str(len(manifest["scenarios"])), "scenarios", ""),
            (str(len(manifest["seeds"])), "seeds each", ""),
            (
                f"{manifest['ran']} + {manifest['reused']}",
                "simulations run now + kept from before",
                "",
            ),
            (str(manifest["failed"]), "failed", "short" if manifest["failed"] else "ok"),
            (
                f"{manifest['wall_time_s']:,.0f} s" if manifest["ran"] else "—",
                f"wall time ({manifest['executor']})" if manifest["ran"] else "nothing new ran",
                "",
            ),
        ],
        "reference": None,
        "seeds": len(manifest["seeds"]),
        "overview": [],
        "blocks": [],
        "columns": [f.name for f in forecasts],
        "failed": [
            {"scenario": row["scenario"], "seed": int(row["seed"]), "error": str(row["error"])}
            for row in failed.to_dict("records")
        ],
        "settings": [(name, settings.get(name, [])) for name in manifest["scenarios"]],
        "sme": None,
        "items": legend(forecasts),
    }
    if forecasts:
        ref = reference_index(forecasts)
        pairs = [(ref, k) for k in range(len(forecasts)) if k != ref]
        context.update(
            reference=forecasts[ref].name,
            overview=[_overview(f) for f in forecasts],
            blocks=partnership_answers(forecasts, pairs),
            sme=sme_programme(forecasts),
        )
    partnerships = sorted(set().union(*(set(f.partnerships) for f in forecasts)))
    return render_page(environment(TEMPLATES), "sweep.html", context, partnerships=partnerships)


def _overview(f: Forecast) -> dict[str, str]:
    """One scenario over its seeds, in words."""
    table = pd.DataFrame.from_records(f.summaries)

    def over(column: str, as_percent: bool = False, digits: int = 1) -> str:
        values = pd.to_numeric(table[column], errors="coerce")
        return spread(values.mean(), values.min(), values.max(), digits, as_percent)

    reached = pd.to_numeric(table["nights_to_target"], errors="coerce").dropna()
    every = f"{len(reached)} of {len(table)} seeds"
    if len(reached):
        every += f", by {night_words(f, int(reached.max()))}"
    spend = pd.to_numeric(table["lump_sum_eur"], errors="coerce")
    return {
        "name": f.name,
        "seeds": str(len(table)),
        "kpis": f"{over('kpis_met')} of {int(table['kpis'].iloc[0])}",
        "every": every,
        "accepted": over("accepted"),
        "expected": over("expected") if "expected" in table else NOTHING,
        "sme": over("sme_share_accepted", as_percent=True),
        "spend": euros(spend.mean())
        + (
            f" ({euros(spend.min())}–{euros(spend.max())})"
            if euros(spend.min()) != euros(spend.max())
            else ""
        ),
    }
