"""The one entry point: ``solve(problem, options)`` picks the strategy for the problem.

* Without group slots: ``solvers.plain`` (min-cost flow, LP relaxation, CP-SAT on a core).
* With group slots: ``solvers.slotted`` (the slot-free LP, the LP over whole groups by
  column generation, plain re-solves of the slots they choose, CP-SAT on small
  neighbourhoods), which builds on the plain strategy.

Before either, a quick proof of infeasibility (``solvers.infeasibility``): when the exchanges
accepted before already break a hard rule that no assignment of the candidates can mend (the
SME share, an overspent budget), the result is ``infeasible`` at once, with the rule named in
``stats["blocking"]``.

Either way the result's ``stats`` report the baselines the solve was measured against:
``greedy_objective`` and ``mcf_objective``, the min-cost-flow optimum without side rules
(no SME share, quotas, slots or budgets): what the rules cost.
"""

from __future__ import annotations

import time

from solvers.infeasibility import blocking_rules
from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.problem import AssignmentProblem
from solvers.result import SolveResult, SolveStatus, solve_result
from solvers.slotted import solve_slotted


def solve(problem: AssignmentProblem, options: SolverOptions | None = None) -> SolveResult:
    """The best assignment (and open slots) within the options' budget."""
    options = options or SolverOptions()
    blocking = blocking_rules(problem)
    if blocking:
        return solve_result(
            problem,
            SolveStatus.INFEASIBLE,
            None,
            None,
            started=time.perf_counter(),
            seed=options.seed,
            workers=options.workers,
            stats={"blocking": "; ".join(blocking)},
        )
    if problem.slot_host is None:
        return solve_plain(problem, options)
    return solve_slotted(problem, options)
