"""One ``cxmatch run`` as users run it, in a process of its own, keeping the dated problem.

    python -m benchmarks.dated_run CAMPAIGN OUT --time-limit 60 --problem P.npz --facts F.json

Runs the command line's ``run`` (loading to writing, the time limit as the user gives it)
and, on the way, saves the night's dated problem (``benchmarks.problem_npz``: slot layer,
rooms, join slots, limited sets, as the night built it) for HiGHS, timing the save so that
it can be taken off the run's wall time. ``F.json`` gets the process' peak RSS and the
save's time.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

AS_OF = "2026-12-21"  # the generator's campaigns start on 2027-01-04: two weeks' notice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campaign", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--problem", type=Path)
    parser.add_argument("--facts", type=Path, required=True)
    args = parser.parse_args()
    facts: dict[str, float] = {"save_s": 0.0}

    import engine.night.night as night
    from benchmarks.problem_npz import save_problem
    from engine.cli.main import main as cli

    solve_assignment = night.solve_assignment

    def keeping(problem, options):  # type: ignore[no-untyped-def]
        if args.problem is not None and not args.problem.exists():
            clock = time.perf_counter()
            save_problem(args.problem, problem)
            facts["save_s"] = time.perf_counter() - clock
            # the solver's clock as if the save had not happened (taken off the wall too)
            if options.started is not None:
                options = replace(options, started=options.started + facts["save_s"])
        return solve_assignment(problem, options)

    night.solve_assignment = keeping  # type: ignore[assignment]
    sys.argv = [
        "cxmatch", "run", str(args.campaign), "--out", str(args.out),
        "--time-limit", str(args.time_limit), "--as-of", AS_OF,
    ]  # fmt: skip
    code = 0
    try:
        cli()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    facts["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    facts["exit_code"] = code
    args.facts.write_text(json.dumps(facts))
    sys.exit(code)


if __name__ == "__main__":
    main()
