"""Group dates in the model: model size and solve quality with and without the slot layer.

For the 1,000- and 5,000-visitor benchmark instances (``benchmarks/instances.py``), the same
candidate pairs are solved twice within the same time limit: as a plain assignment (no
dates) and with group slots (weekly-grid dates, stay length, language and mode shared by
each host's group). Both solutions must pass the independent checker; the dated one must
stay within 1% of its best bound.

    .venv/bin/pytest benchmarks/bench_dates.py --benchmark-only -s
    .venv/bin/python -m benchmarks.bench_dates        # the table for benchmarks/README.md
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from benchmarks.instances import instance
from engine.check.groups import check_groups
from engine.check.rules import check_proposals
from engine.night.groups import assign_slots, dated_columns, with_slots
from engine.night.slots import build_slots
from solvers.options import SolverOptions
from solvers.solve import solve

TIME_LIMIT_S = 60.0
SIZES = (1_000, 5_000)


def measure(n_visitors: int, time_limit_s: float = TIME_LIMIT_S) -> dict[str, object]:
    bench = instance(n_visitors)
    campaign, encoded = bench.campaign, bench.encoded
    options = SolverOptions(time_limit_s=time_limit_s, workers=2)

    plain = solve(bench.problem, options)
    plain_violations = check_proposals(campaign, bench.proposals(plain.selected))

    clock = time.perf_counter()
    slots = build_slots(bench.candidates, encoded, campaign.policy, campaign.policy.slots_per_host)
    dated_problem = with_slots(bench.problem, slots, encoded, campaign)
    slot_time = time.perf_counter() - clock
    dated = solve(dated_problem, options)
    index = np.flatnonzero(dated.selected)
    chosen = bench.candidates.iloc[index].reset_index(drop=True)
    assert dated.open_slots is not None
    columns = dated_columns(
        chosen, assign_slots(index, dated.open_slots, slots), slots, encoded, campaign
    )
    proposals = pd.concat(
        [
            pd.DataFrame(
                {
                    "visitor_id": encoded.visitors.ids[chosen["visitor"].to_numpy()],
                    "host_id": encoded.hosts.ids[chosen["host"].to_numpy()],
                }
            ),
            columns,
        ],
        axis=1,
    )
    dated_violations = check_proposals(campaign, proposals) + check_groups(campaign, proposals)
    return {
        "visitors": n_visitors,
        "pairs": bench.problem.n_pairs,
        "slots": dated_problem.n_slots,
        "pair_slot_links": len(slots.fits),
        "slot_build_s": round(slot_time, 2),
        "plain_time_s": round(plain.wall_time_s, 1),
        "plain_objective": plain.objective,
        "plain_gap": plain.gap,
        "dated_time_s": round(dated.wall_time_s, 1),
        "dated_objective": dated.objective,
        "dated_bound": dated.best_bound,
        "dated_gap": dated.gap,
        "dated_vs_plain": (dated.objective or 0) / max(1, plain.objective or 1),
        "groups": int(proposals["group_id"].nunique()),
        "proposals": len(proposals),
        "plain_violations": len(plain_violations),
        "dated_violations": len(dated_violations),
        "stats": dated.stats,
    }


@pytest.mark.parametrize("n_visitors", SIZES)
def test_dates_keep_the_gap_within_one_percent(benchmark, n_visitors):
    row = benchmark.pedantic(measure, args=(n_visitors,), rounds=1, iterations=1)
    benchmark.extra_info.update({k: v for k, v in row.items() if k != "stats"})
    assert row["plain_violations"] == 0 and row["dated_violations"] == 0
    assert row["dated_gap"] is not None and row["dated_gap"] <= 0.01


if __name__ == "__main__":  # pragma: no cover - prints the README table
    for size in SIZES:
        result = measure(size)
        print({k: v for k, v in result.items() if k != "stats"})
        print(result["stats"])
