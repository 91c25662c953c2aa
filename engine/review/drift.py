"""Does the campaign still accept as the model expects? Last night's expected acceptances
against the decisions that came back.

Each night (``cxmatch nightly``) takes the previous run's proposals that reviewers have since
accepted or rejected (decisions recorded against that run; holds and unanswered proposals
have not come back yet) and compares, overall, per score band and per (visitor's)
partnership:

* **expected** acceptances: the sum of their ``p_accept``;
* **accepted**: how many were accepted;
* the **noise**: if the model is right, accepted - expected has standard deviation
  ``sqrt(sum p (1 - p))`` (a sum of independent Bernoulli draws), so ``z = (accepted -
  expected) / sd`` is the drift in units of the noise.

It **warns** when the drift exceeds the noise: ``|z| >= 2`` overall (a 5% false alarm rate),
``|z| >= 3`` for a band or a partnership (about 5% over the 15-20 groups of a night). The
report goes into the night's manifest (``drift``) and the warnings into the log. The models
already follow the campaign: they are recalibrated every night on the newest decisions,
time-weighted (:mod:`scoring.calibration`); a warning says the shift is larger than that
recalibration has absorbed yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.review.log import current_decisions

OVERALL_Z = 2.0
GROUP_Z = 3.0


def _row(group: pd.DataFrame, threshold: float) -> dict[str, Any]:
    p = group["p_accept"].to_numpy(np.float64)
    accepted = int(group["accepted"].sum())
    expected = float(p.sum())
    sd = float(np.sqrt(np.sum(p * (1 - p))))
    z = (accepted - expected) / sd if sd > 0 else 0.0
    return {
        "decided": len(group),
        "accepted": accepted,
        "expected": round(expected, 2),
        "sd": round(sd, 2),
        "z": round(z, 2),
        "drift": round(accepted - expected, 2),
        "warning": bool(abs(z) >= threshold),
    }


def _groups(decided: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    return [
        {column: str(name), **_row(group, GROUP_Z)}
        for name, group in decided.groupby(column, sort=True)
    ]


def drift_report(
    previous_proposals: pd.DataFrame, previous_run_id: str, records: pd.DataFrame
) -> dict[str, Any]:
    """Last night's expectations against the decisions recorded on its proposals since."""
    out: dict[str, Any] = {"previous_run": previous_run_id, "warnings": []}
    if "p_accept" not in previous_proposals.columns:
        out["note"] = "the previous run has no p_accept (written before it existed)"
        return out
    final = current_decisions(records) if len(records) else records
    if len(final):
        final = final[
            final["decision"].isin(["accepted", "rejected"])
            & (final["run_id"].astype(str) == previous_run_id)
        ]
    answers = final[["visitor_id", "host_id", "decision"]].astype(str) if len(final) else None
    proposals = previous_proposals.assign(
        visitor_id=previous_proposals["visitor_id"].astype(str),
        host_id=previous_proposals["host_id"].astype(str),
    )
    if answers is None:
        decided = proposals.iloc[:0].assign(accepted=pd.Series([], dtype=bool))
    else:
        decided = proposals.merge(answers, on=["visitor_id", "host_id"], how="inner")
        decided = decided.assign(accepted=decided["decision"] == "accepted")
    out["proposed"] = len(proposals)
    out["overall"] = _row(decided, OVERALL_Z)
    if decided.empty:
        out["note"] = "no decision on the previous run's proposals has come back yet"
        return out
    out["by_band"] = _groups(decided, "band")
    out["by_partnership"] = _groups(decided, "visitor_partnership")
    for scope, rows, key in (
        ("overall", [out["overall"]], None),
        ("band", out["by_band"], "band"),
        ("partnership", out["by_partnership"], "visitor_partnership"),
    ):
        for row in rows:
            if row["warning"]:
                where = "overall" if key is None else f"{scope} {row[key]}"
                out["warnings"].append(
                    f"acceptance drift ({where}): {row['accepted']} of {row['decided']} "
                    f"decided proposals of {previous_run_id} accepted where the model expected "
                    f"{row['expected']:.1f} (z = {row['z']:+.1f}, beyond the noise)"
                )
    return out
