"""The nightly drift report on a simulated campaign whose acceptance shifts halfway.

A generated campaign (2,000 visitors, 800 hosts, seed 31) runs ``NIGHTS`` nights through the
real nightly job (:func:`engine.review.nightly.run_nightly`: inbox import, decision log,
carry-over, tonight's model chosen and recalibrated, drift report). After each night the
reviewers answer ``ANSWERED`` of the new proposals, accepting each with the generator's own
probability (:mod:`engine.synthetic.hidden_model`, its logit noise included) - until the
shift: from night ``SHIFT_AFTER + 1`` on, every logit is lowered by ``SHIFT`` (the campaign
accepts much less than its history says). Each night's manifest then compares the previous
night's expected acceptances with the decisions that came back (``drift``).

    python -m benchmarks.bench_drift          # the table (README, "Learning")
    pytest benchmarks/bench_drift.py --benchmark-only -s   # the same, asserted

What must show: a warning on the first report after the shift (acceptance below what was
expected, beyond the noise), none on the reports before it once the campaign's own decisions
have come back (the first report judges a model learned from the history alone on its own
top picks), and the drift shrinking as the nightly recalibration on the newest decisions
follows.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.night.options import RunOptions
from engine.review.nightly import NightlyOptions, night_id, run_nightly
from engine.synthetic.generator import generate_campaign, write_campaign
from engine.synthetic.hidden_model import HIDDEN_NOISE_SD, PairEncoding, sigmoid

CACHE = Path(__file__).parent / ".cache" / "drift"
NIGHTS = int(os.environ.get("CXMATCH_BENCH_DRIFT_NIGHTS", "8"))
SHIFT_AFTER = NIGHTS // 2  # decisions on the proposals of nights 1..SHIFT_AFTER: as history
SHIFT = -1.2  # added to every logit afterwards
ANSWERED = 0.5  # share of each night's new proposals the reviewers answer
SEED = 31
OPTIONS = RunOptions(time_limit_s=10, workers=2)


def working_days(start: date, n: int) -> list[date]:
    days = np.busday_offset(np.datetime64(start, "D"), np.arange(n), roll="forward")
    return [pd.Timestamp(day).date() for day in days]


def simulate(folder: Path) -> list[dict[str, Any]]:
    if folder.exists():
        shutil.rmtree(folder)
    generated = generate_campaign(2000, 800, SEED)
    write_campaign(generated, folder)
    profiles = generated.profiles.reset_index(drop=True)
    position = pd.Series(np.arange(len(profiles)), index=profiles["profile_id"].astype(str))
    encoding = PairEncoding(profiles)
    rng = np.random.default_rng(SEED)
    answered: set[tuple[str, str]] = set()
    rows = []
    nights = working_days(date(2027, 1, 4), NIGHTS + 1)
    for index, night in enumerate(nights, start=1):
        report = run_nightly(folder, NightlyOptions(run=OPTIONS, night=night))
        run = folder / "runs" / night_id(night)
        manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        proposals = pd.read_parquet(run / "proposals.parquet")
        rows.append(_row(index, manifest, proposals, report.imported))
        if index > NIGHTS:
            break
        fresh = proposals[
            [
                (v, h) not in answered
                for v, h in zip(proposals["visitor_id"], proposals["host_id"], strict=True)
            ]
        ]
        fresh = fresh[rng.random(len(fresh)) < ANSWERED]
        v = position.loc[fresh["visitor_id"].astype(str)].to_numpy()
        h = position.loc[fresh["host_id"].astype(str)].to_numpy()
        logit = encoding.logit(v, h) + rng.normal(0.0, HIDDEN_NOISE_SD, len(v))
        logit += SHIFT if index > SHIFT_AFTER else 0.0
        accepted = rng.random(len(v)) < sigmoid(logit)
        answered |= set(zip(fresh["visitor_id"], fresh["host_id"], strict=True))
        decisions = pd.DataFrame(
            {
                "visitor_id": fresh["visitor_id"],
                "host_id": fresh["host_id"],
                "decision": np.where(accepted, "accepted", "rejected"),
                "decided_on": night.isoformat(),
            }
        )
        (folder / "inbox").mkdir(exist_ok=True)
        decisions.to_csv(folder / "inbox" / f"night{index}.csv", index=False)
    return rows


def _row(
    index: int, manifest: dict[str, Any], proposals: pd.DataFrame, imported: list[Any]
) -> dict[str, Any]:
    scorer = manifest["scorer"]
    row: dict[str, Any] = {
        "night": index,
        "proposals": len(proposals),
        "mean_p_accept": round(float(proposals["p_accept"].mean()), 3),
        "model": scorer.get("family", scorer.get("kind")),
        "shift_in_last_nights_decisions": index - 1 > SHIFT_AFTER,
    }
    drift = manifest.get("drift")
    if drift and "by_band" in drift:
        overall = drift["overall"]
        row.update(
            decided=overall["decided"],
            accepted=overall["accepted"],
            expected=overall["expected"],
            sd=overall["sd"],
            z=overall["z"],
            warning=overall["warning"],
            warnings=len(drift["warnings"]),
            bands={
                b["band"]: f"{b['accepted']}/{b['expected']:.1f} (z {b['z']:+.1f})"
                for b in drift["by_band"]
            },
            partnerships_warned=[
                p["visitor_partnership"] for p in drift["by_partnership"] if p["warning"]
            ],
        )
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| night | model | proposals | mean p_accept | last night's decided | accepted | expected "
        "(sd) | z | warning | per band: accepted / expected (z) | partnerships warned |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "decided" not in row:
            lines.append(
                f"| {row['night']} | {row['model']} | {row['proposals']} | "
                f"{row['mean_p_accept']} | - | - | - | - | - | - | - |"
            )
            continue
        shifted = " (shifted)" if row["shift_in_last_nights_decisions"] else ""
        lines.append(
            f"| {row['night']} | {row['model']} | {row['proposals']} | {row['mean_p_accept']} | "
            f"{row['decided']}{shifted} | {row['accepted']} | {row['expected']:.1f} "
            f"({row['sd']:.1f}) | {row['z']:+.1f} | {'yes' if row['warning'] else 'no'} | "
            f"{'; '.join(f'{k} {v}' for k, v in row['bands'].items())} | "
            f"{', '.join(row['partnerships_warned']) or '-'} |"
        )
    return "\n".join(lines)


def test_drift_report(benchmark: Any) -> None:
    rows = benchmark.pedantic(lambda: simulate(CACHE / "campaign"), rounds=1, iterations=1)
    print("\n" + table(rows))
    reports = [row for row in rows if "decided" in row]
    before = [row for row in reports if not row["shift_in_last_nights_decisions"]]
    after = [row for row in reports if row["shift_in_last_nights_decisions"]]
    assert not any(row["warning"] for row in before[1:])
    assert after[0]["warning"] and after[0]["z"] < 0
    assert abs(after[-1]["z"]) < abs(after[0]["z"])


def main() -> None:
    rows = simulate(CACHE / "campaign")
    print(json.dumps(rows, indent=1, default=str))
    print(table(rows))


if __name__ == "__main__":
    main()
