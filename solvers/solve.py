"""The one entry point: ``solve(problem, options)`` picks the strategy for the problem.

* Without group slots: ``solvers.plain`` (min-cost flow, LP relaxation, CP-SAT on a core).
* With group slots: ``solvers.slotted`` (slot choices and plain re-solves, the slot LP,
  CP-SAT on the full model), which builds on the plain strategy.

Either way the result's ``stats`` report the baselines the solve was measured against:
``greedy_objective`` and ``mcf_objective``, the min-cost-flow optimum without side rules
(no SME share, quotas, slots or budgets): what the rules cost.
"""

from __future__ import annotations

from solvers.options import SolverOptions
from solvers.plain import solve_plain
from solvers.problem import AssignmentProblem
from solvers.result import SolveResult
from solvers.slotted import solve_slotted


def solve(problem: AssignmentProblem, options: SolverOptions | None = None) -> SolveResult:
    """The best assignment (and open slots) within the options' budget."""
    options = options or SolverOptions()
    if problem.slot_host is None:
        return solve_plain(problem, options)
    return solve_slotted(problem, options)
