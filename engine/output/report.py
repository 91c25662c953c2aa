"""``report.html``: one self-contained page a reviewer opens from the run folder.

KPI progress, SME share, scores by band, country flows, solver quality, what changed since
the last run, and every proposal with its reasons, alternatives and client-side filters.
Charts are inline SVG; the page loads nothing from anywhere (its Content-Security-Policy
forbids it). Every profile field is untrusted: Jinja2 autoescapes all of them, the only
script is ours and the policy allows no other (by its hash).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from engine.domain import vocabulary
from engine.night.expected import still_missing
from engine.output import plots
from engine.output.page import environment, render_page
from engine.output.words import diagnosis_in_words

FILTER_SCRIPT = """
(function () {
  "use strict";
  var keys = ["partnership", "band", "category", "mode", "change"];
  var rows = Array.prototype.slice.call(document.querySelectorAll("#proposal-table tbody tr"));
  var search = document.getElementById("f-q");
  var shown = document.getElementById("shown");
  function control(key) { return document.getElementById("f-" + key); }
  function apply() {
    var text = search.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok = !text || row.textContent.toLowerCase().indexOf(text) >= 0;
      keys.forEach(function (key) {
        var wanted = control(key).value;
        var has = key === "partnership"
          ? JSON.parse(row.dataset.partnerships).indexOf(wanted) >= 0
          : row.dataset[key] === wanted;
        if (wanted && !has) { ok = false; }
      });
      row.hidden = !ok;
      if (ok && !row.classList.contains("pt-off")) { count += 1; }
    });
    shown.textContent = String(count);
  }
  var preset = new URLSearchParams(window.location.hash.slice(1));
  preset.forEach(function (value, key) {
    if (key === "q") { search.value = value; }
    else if (keys.indexOf(key) >= 0 && key !== "partnership") { control(key).value = value; }
  });
  search.addEventListener("input", apply);
  document.addEventListener("partnership-view", apply);
  keys.forEach(function (key) { control(key).addEventListener("change", apply); });
  apply();
  document.documentElement.dataset.ready = "yes";
})();
"""


@dataclass(frozen=True)
class ReportInputs:
    run_id: str
    campaign: str
    manifest: Mapping[str, Any]
    proposals: pd.DataFrame  # proposal columns + visitor_org, host_org
    kpis: pd.DataFrame
    changes: pd.DataFrame
    alternatives: pd.DataFrame
    locked: pd.DataFrame  # visitor_id, host_id of accepted exchanges
    profiles: pd.DataFrame  # profile_id, org_type (the locked SME share), partnership
    min_sme_share: float
    # unmatched.csv: who is left out tonight, and why
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)


def render_report(inputs: ReportInputs) -> str:
    partnerships = (
        set(inputs.kpis["partnership"].astype(str))
        | set(inputs.proposals["visitor_partnership"].astype(str))
        | set(inputs.proposals["host_partnership"].astype(str))
    )
    return render_page(
        environment(),
        "report.html",
        _context(inputs),
        partnerships=partnerships,
        script=FILTER_SCRIPT,
    )


def _context(inputs: ReportInputs) -> dict[str, Any]:
    manifest = inputs.manifest
    proposals = inputs.proposals
    solver = dict(manifest.get("solver", {}))
    kpis = inputs.kpis
    change_of = _change_of(inputs.changes)
    rows = _proposal_rows(proposals, inputs.alternatives, change_of)
    bands = proposals["band"].value_counts()
    gap = solver.get("gap")
    violations = int(manifest.get("checker", {}).get("violations", 0))
    return {
        "run_id": inputs.run_id,
        "campaign": inputs.campaign,
        "counts": manifest.get("counts", {}),
        "carry": {"locked": len(inputs.locked)},
        "solver": {"status": solver.get("status", "unknown")},
        "checker_text": "no broken rule" if violations == 0 else f"{violations} broken rules",
        "sme": _sme(inputs),
        "green_share": _percent(bands.get("green", 0), len(proposals)),
        "still_missing": f"{still_missing(kpis):,.0f}",
        "gap_text": "n/a" if gap is None else f"{100 * float(gap):.2f}%",
        # a cut by the wall clock (the manifest and the terminal say it; the audit: not here)
        "cut_text": "cut by the wall clock: not guaranteed reproducible"
        if solver.get("cut_by_wall_clock")
        else "",
        "previous_run": (manifest.get("carryover") or {}).get("previous_run"),
        "change_counts": [
            (kind, int((inputs.changes["change"] == kind).sum()))
            for kind in ("new", "kept", "locked", "dropped")
        ],
        "moved": _moved(inputs),
        "kpis": _kpi_rows(kpis),
        "left_out": _left_out(inputs.unmatched),
        "rule_prices": [str(p["words"]) for p in manifest.get("rule_prices") or []],
        "band_counts": [(name, int(bands.get(name, 0))) for name in ("green", "orange", "red")],
        "scorer": _scorer(manifest.get("scorer") or {}),
        "solver_rows": _solver_rows(solver),
        "filters": [
            (
                "partnership",
                "partnership",
                _options(
                    pd.concat([proposals["visitor_partnership"], proposals["host_partnership"]])
                ),
            ),
            (
                "band",
                "band",
                [(b, b) for b in ("green", "orange", "red") if b in set(proposals["band"])],
            ),
            ("category", "category", _options(proposals["category"], "category")),
            ("mode", "mode", _options(proposals["mode"], "mode")),
            ("change", "change", _options(pd.Series(sorted(set(change_of.values()) or {"new"})))),
        ],
        "proposals": rows,
        "host_alternatives": _host_alternatives(inputs.alternatives),
        "charts": {
            "kpis": Markup(plots.kpi_totals(kpis)),
            "scores": Markup(plots.score_histogram(proposals["score"])),
            "flows": Markup(plots.country_flows(proposals)),
            "solver": Markup(plots.solver_quality(solver)),
        },
    }


def _options(values: pd.Series, field: str | None = None) -> list[tuple[str, str]]:
    """A filter's options: (value the rows carry, the words shown), sorted by the words."""
    codes = sorted(set(values.astype(str)))
    shown = [(code, vocabulary.label(field, code) if field else code) for code in codes]
    return sorted(shown, key=lambda option: option[1])


def _scorer(described: dict[str, Any]) -> dict[str, str]:
    """Which score model ran and why (the manifest's ``scorer``), in words."""
    calibrated = described.get("calibrated", True) is not False
    return {
        "source": str(described.get("source", described.get("kind", "default weights"))),
        "choice": str(described.get("choice", "")),
        # the scoring audit: an uncalibrated score read as a chance was called calibrated
        "chance": "that calibrated probability, p_accept"
        if calibrated
        else "p_accept, the 0-100 score read as a probability (not calibrated: see below)",
    }


def _percent(part: float, whole: float) -> str:
    return "n/a" if not whole else f"{100 * part / whole:.0f}%"


def _moved(inputs: ReportInputs) -> list[dict[str, Any]]:
    """What changed's rows of dropped and locked pairs, each with its two sides' partnerships
    (the partnership view shows a row of either: the audit saw every partnership's rows)."""
    moved = inputs.changes[inputs.changes["change"].isin(["dropped", "locked"])]
    rows = [
        {str(k): v for k, v in r.items()}
        for r in moved.astype(object).fillna("").to_dict("records")
    ]
    profiles = inputs.profiles
    of: dict[str, str] = {}
    if "partnership" in profiles.columns:
        ids, names = profiles["profile_id"].astype(str), profiles["partnership"].astype(str)
        of = dict(zip(ids, names, strict=True))
    for row in rows:
        sides = (of.get(str(row["visitor_id"]), ""), of.get(str(row["host_id"]), ""))
        row["partnerships"] = [name for name in dict.fromkeys(sides) if name]
    return rows


def _sme(inputs: ReportInputs) -> dict[str, Any]:
    """The share the rule holds on: tonight's proposals and the generation's exchanges
    accepted before (the manifest's counts), unless those are short of it already."""
    counts = inputs.manifest.get("counts", {})
    smes = int((inputs.proposals["category"] == "sme").sum())
    total = len(inputs.proposals)
    before = bool(counts.get("exchanges_before_in_sme_share", True))
    if before:
        smes += int(counts.get("sme_exchanges_before", 0))
        total += int(counts.get("exchanges_before", 0))
    share = smes / total if total else 0.0
    return {
        "smes": smes,
        "total": total,
        "percent": _percent(smes, total),
        "minimum": f"{100 * inputs.min_sme_share:.0f}%",
        "width": round(100 * share, 1),
        "min_width": round(100 * inputs.min_sme_share, 1),
        "low": total > 0 and share < inputs.min_sme_share,
        "with_before": before and int(counts.get("exchanges_before", 0)) > 0,
        "before": int(counts.get("exchanges_before", 0)),
    }


def _kpi_rows(kpis: pd.DataFrame) -> list[dict[Any, Any]]:
    """Each target's row: achieved, tonight's expected exchanges and what is still missing as
    parts of a bar whose target is a mark, and the diagnosis when it cannot be met."""
    rows = []
    for row in kpis.to_dict("records"):
        if not (row["target"] or row["achieved"] or row["proposed"]):
            continue  # nothing to show
        achieved, expected = float(row["achieved"]), float(row.get("expected") or 0.0)
        target = float(row["target"])
        whole = max(target, achieved + expected, 1.0)
        rows.append(
            {
                **row,
                "expected": f"{expected:.1f}",
                "still_needed": f"{float(row.get('still_needed') or 0.0):.1f}",
                "reachable": "" if pd.isna(row.get("reachable")) else int(row["reachable"]),
                "diagnosis": diagnosis_in_words(str(row.get("diagnosis") or "")),
                "category_label": vocabulary.label("category", str(row["category"])),
                "achieved_width": round(100 * achieved / whole, 1),
                "expected_width": round(100 * expected / whole, 1),
                "target_at": round(100 * target / whole, 1),
            }
        )
    return rows


def _left_out(unmatched: pd.DataFrame) -> list[dict[str, Any]]:
    """Per partnership: how many visitors and hosts tonight leaves out, by reason."""
    if unmatched.empty:
        return []
    found = []
    for partnership, rows in unmatched.groupby("partnership", sort=True):
        counted = Counter(zip(rows["side"], rows["reason"], strict=True)).most_common(6)
        found.append(
            {
                "partnership": partnership,
                "visitors": int((rows["side"] == "visitor").sum()),
                "hosts": int((rows["side"] == "host").sum()),
                "reasons": [
                    {"side": side, "reason": reason, "count": count}
                    for (side, reason), count in counted
                ],
            }
        )
    return found


def _solver_rows(solver: Mapping[str, Any]) -> list[tuple[str, str]]:
    names = [
        ("status", "status"),
        ("objective", "objective"),
        ("best bound", "best_bound"),
        ("gap", "gap"),
        ("greedy start objective", "greedy_objective"),
        ("LP bound", "lp_bound"),
        ("candidate options (a pair once per mode, budget and staying option)", "pairs"),
        ("pairs after reduced-cost fixing", "pairs_after_fixing"),
        ("quota shortfall: exchanges summed over every KPI row", "quota_shortfall_total"),
        ("wall time (s)", "wall_time_s"),
        ("workers", "workers"),
        ("seed", "seed"),
    ]
    rows = []
    for label, key in names:
        if key not in solver or solver[key] is None:
            continue
        value = solver[key]
        if key == "gap":
            value = f"{100 * float(value):.3f}%"
        elif isinstance(value, int):
            value = f"{value:,}"
        rows.append((label, str(value)))
    return rows


def _change_of(changes: pd.DataFrame) -> dict[tuple[str, str], str]:
    tonight = changes[changes["change"].isin(["new", "kept"])]
    return dict(
        zip(
            zip(tonight["visitor_id"], tonight["host_id"], strict=True),
            tonight["change"],
            strict=True,
        )
    )


def _proposal_rows(
    proposals: pd.DataFrame, alternatives: pd.DataFrame, change_of: dict[tuple[str, str], str]
) -> list[dict[Any, Any]]:
    visitor_side = alternatives[alternatives["side"] == "visitor"]
    next_hosts: dict[str, list[str]] = {}
    for profile, other, score, free in zip(
        visitor_side["profile_id"],
        visitor_side["alternative_id"],
        visitor_side["score"],
        visitor_side["free"],
        strict=True,
    ):
        next_hosts.setdefault(profile, []).append(
            f"{other} ({score:.1f}{'' if free else ', full'})"
        )
    rows = []
    for p in proposals.to_dict("records"):
        rows.append(
            {
                **p,
                "words": {
                    "mode": vocabulary.label("mode", str(p["mode"])),
                    "category": vocabulary.label("category", str(p["category"])),
                    "visitor_country": vocabulary.label("country", str(p["visitor_country"])),
                    "host_country": vocabulary.label("country", str(p["host_country"])),
                    "group_language": vocabulary.label("language", str(p["group_language"])),
                },
                "start": pd.Timestamp(p["start"]).date().isoformat(),
                "end": pd.Timestamp(p["end"]).date().isoformat(),
                "score": f"{float(p['score']):.1f}",
                "p_accept": f"{100 * float(p.get('p_accept', float('nan'))):.0f}%",
                "next_hosts": ", ".join(next_hosts.get(p["visitor_id"], [])) or "none",
                "change": change_of.get((p["visitor_id"], p["host_id"]), "new"),
            }
        )
    return rows


def _host_alternatives(alternatives: pd.DataFrame) -> list[dict[str, str]]:
    host_side = alternatives[alternatives["side"] == "host"]
    rows = []
    for host, group in host_side.groupby("profile_id", sort=True):
        rows.append(
            {
                "host": str(host),
                "proposed": str(group["proposed_with"].iloc[0]).replace(";", ", "),
                "next": ", ".join(
                    f"{v} ({s:.1f}{'' if free else ', proposed elsewhere'})"
                    for v, s, free in zip(
                        group["alternative_id"], group["score"], group["free"], strict=True
                    )
                ),
            }
        )
    return rows
