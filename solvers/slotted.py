"""The assignment with group slots: which slots each host opens, and who joins them.

A pair may be chosen only if one of the slots it fits (dates, length, language, mode) is
open, and a host opens at most ``max_groups_per_host`` new slots. Once the open slots are
chosen, what remains is a plain assignment, which the slot-free solver handles very well
(``refit``); the search chooses slots from LPs, then improves whole groups with CP-SAT:

0. Baselines: the greedy assignment (every rule, slots included) and the min-cost-flow
   optimum without side rules or slots (``solvers.flow``): what no rule would cost.
1. The slot-free LP (``solvers.relaxation`` on the problem without its slot layer, each pair
   earning ``bonus x (1 - 1/capacity)`` of its host's group bonus, at least what the group
   can earn): a valid bound, since slots only restrict; its slot mass opens a first choice
   of slots, refitted.
2. The LP over whole groups (``solvers.group_lp``, column generation from the slot-free
   LP's prices and the solutions so far): a much tighter bound (each round's prices prove
   one), and its slots, refitted.
2b. The integer program over the group LP's groups (``solvers.group_ip``: HiGHS' MIP solver
   from the incumbent's groups, while its share of the budget allows its first sub-MIP; a
   pool too large for its root LP in windows of hosts, the others fixed; a pool taken whole
   with each host's best groups at the LP's prices besides): better groups traded across
   hosts and quotas.
2c. The polish (``solvers.refit.polish``, after the phases named in ``POLISH_AFTER``): the
   incumbent's slots fixed, its members re-chosen across every host at once by the LP over
   the pairs fitting them and HiGHS' MIP over the pairs where that LP and the incumbent
   differ (moves that trade the SME share's margin and the quotas across many hosts, which
   neighbourhoods of a few hosts miss).
2d. Where the group LP's work budget stopped it short of converging, its rounds go on in a
   thread of their own beside the phases after it (``solvers.more_rounds``): a tighter bound
   on a core those phases (but the search) leave idle; the answer never depends on it.
3. Large-neighbourhood search with CP-SAT (``solvers.lns``): a few hosts at a time, first
   where the group LP disagrees with the incumbent, then every other host by what its best
   pair of a free visitor would add (``solvers.seeds``), and the hosts furthest from their
   best group at the group LP's prices together (``solvers.priced``); each a small model
   CP-SAT closes. A small problem (at most ``WHOLE_PAIRS`` pairs) is one neighbourhood:
   CP-SAT solves it whole, and may prove it.
4. The polish of the search's answer (without HiGHS' bindings, a last refit of its slots:
   every pair re-chosen under them by ``solvers.plain``, from the incumbent).

Budgets are work (HiGHS iterations, CP-SAT deterministic time), shares of the time limit;
``SolverOptions.deadline`` is the wall-clock safety net: a phase that meets it stops with
what it has, and ``stats["cut_by_wall_clock"]`` names it (the answer may then differ from
run to run).
"""

from __future__ import annotations

import math
import time

import numpy as np

from solvers.cpsat_model import run_cpsat
from solvers.flow import max_weight_assignment
from solvers.greedy import best_slots, greedy_solution
from solvers.group_ip import choose_groups
from solvers.group_lp import GroupBound, group_bound, integer_bound
from solvers.lns import improve, search_speedup
from solvers.more_rounds import join_rounds, more_rounds
from solvers.options import SolverOptions, past_deadline
from solvers.priced import PricedHosts
from solvers.problem import AssignmentProblem
from solvers.refit import polish, polish_need, refit, without_slots
from solvers.relaxation import solve_relaxation
from solvers.result import Solution, SolveResult, SolveStatus, solve_result
from solvers.seeds import seed_hosts

# shares of the time budget (work: HiGHS iterations, CP-SAT deterministic time)
SLOT_FREE_SHARE = 0.08
SLOT_FREE_MINIMUM_S = 2.0  # the slot-free LP's work whatever the budget: a bound, a refit
# ... and per pair: its first core LP needs that much (at 423,000 pairs, 3.3 s of work gave
# no LP and the bound fell back to the group LP's from zero prices, 575% above the solution;
# 8 s gave the first LP)
SLOT_FREE_S_PER_PAIR = 2.2e-5
REFIT_SHARE = 0.04  # each of the three refits
# the group LP's work, a share of the budget: its bound, and the slot choice its refit starts
# the search from. Measured at 5,000 tight visitors (seed 3, 33.7 s of work; the LP converges
# at 800 and 1,500 visitors within any of these): group LP 0.3 and search 0.5 gave -186.64 M,
# gap 4.75%; 0.45 and 0.3, -184.88 M, 3.28%; 0.6 and 0.2, -185.02 M, 2.99%; 0.7 and 0.1,
# -185.46 M, 2.92% (the group LP converged alone takes ~100 s there: bound -164.4 M of seed 11).
# Giving the group IP's windows some of it does not pay: at 38.1 s of work, group LP 0.55 and
# search 0.1 with the windows between against 0.6 and 0.2 gave gaps 3.70/2.39/2.84% against
# 2.67/2.04/2.42% (tight seeds 11, 12, 3; the bound was most of the gap there). Since the
# master is boxed (``solvers.group_lp``) the LP is within 0.1% of its optimum after 0.4 to
# 0.5 of this budget, and the solution is most of the gap: at 34.6 s of work, tight seeds 3
# and 4, group LP shares 0.4 / 0.5 / 0.6 gave gaps 1.32 / 0.91 / 1.17% and 1.46 / 1.13 /
# 1.46% (the search 0.2; the windows what is left)
GROUP_LP_SHARE = 0.5
# the integer program over the group LP's groups (``solvers.group_ip``): at most this share.
# At 1,500 tight visitors (seed 11), 41 s of solver work: -76.39 M without it, -76.19 M with
# it (HiGHS on the whole model: -76.21 M in 200 s); at 88 s -76.25 M -> -76.16 M. Where its
# first sub-MIP finds nothing better it costs the search that work (seed 3: -85.171 M ->
# -85.176 M), and at 800 visitors the search alone does a little better (-56.736 M against
# -56.763 M at 42 s). It takes no more than the phases before it leave the search beyond its
# least share: where the group LP takes its whole share (5,000 visitors and up) the windows
# get what is left (at 5,000 tight visitors, 85 s of work: gap 0.87% -> 0.47% at seed 12,
# 0.91% -> 0.57% at seed 3; at 38 s nothing is left)
GROUP_IP_SHARE = 0.3
# the search's (LNS: CP-SAT deterministic seconds and model building) least share of the
# budget: it gets whatever the phases before it leave, and at least this
LNS_SHARE = 0.2
# the phases before the search take, besides the group LP, about this (greedy, the flow, the
# slot-free LP, the refits; unloaded 1.5 s at 13,800 pairs, 8.5 s at 98,800); the search the rest
BASE_S = 0.5
BASE_S_PER_PAIR = 8e-5
# the polish (``solvers.refit.polish``: the incumbent's slots fixed, its members re-chosen
# across every host by an LP and a MIP over the pairs where it differs) after these phases,
# each at most this share of the budget, its work taken from the search. Over eight 5,000
# tight seeds (34.6 s of solver work) mean gaps 0.77% without it; after the search 0.60%;
# after the group IP and the search 0.56%; after the group LP's refit too 0.55% (at 800 and
# 1,500 visitors worse at three of four problems); after the search's first pass too 0.61%
POLISH_SHARE = 0.08
# ... or, where that share is less than its LP needs, what it needs up to this share (a
# smaller budget, as on a slower machine: at 5,000 tight visitors, 23.8 s of work, 0.08 did
# not fit, the polishes never ran and the gap was 1.97% (seed 11); with what they need
# (1.8 s of work each), 1.00%)
POLISH_MOST_SHARE = 0.12
POLISH_AFTER = ("group_ip", "search")
# the group LP's rounds go on where its work budget stopped them, in a thread of their own
# beside the phases after it (``solvers.more_rounds``), with this share of the budget. At
# 5,000 tight visitors (seed 11, 23.8 s of work, pace 1.30) 3 more rounds in 11.4 s of wall:
# bound -163.84 M -> -164.06 M, gap 1.00% -> 0.86%, the same answer, 0.8 s more wall (their
# rounds and the search's share the cores); with 0.7 of the work the phases after the group
# LP are planned (2 rounds) 0.89%. Converged there: -164.41 M. The group LP's own share
# lowered instead, its rounds going on further (0.4 with 0.35, 0.3 with 0.45): mean gaps
# 0.95 / 1.15% against 0.96% (seeds 11 to 13, 23.8 s of work)
MORE_ROUNDS_SHARE = 0.25
WHOLE_PAIRS = 1_500  # up to this many pairs, CP-SAT solves the whole problem
SETTLED_GAP = 0.005  # the group LP's prices guide the search's seeds when this near (_settled)
# what the manifest and the terminal name the solver (its phases, above)
NAME = "group LP + HiGHS + CP-SAT search"


def solve_slotted(problem: AssignmentProblem, options: SolverOptions) -> SolveResult:
    """The best assignment and open slots of a problem with a slot layer (see the module)."""
    if problem.slot_host is None:
        raise ValueError("solve_slotted takes a problem with group slots (see solvers.solve)")
    started = time.perf_counter()
    budget = options.time_limit_s
    stats: dict[str, float | int | str] = {"pairs": problem.n_pairs, "slots": problem.n_slots}
    cuts: list[str] = []

    def result(status: SolveStatus, solution: Solution | None, bound: int | None) -> SolveResult:
        if cuts:
            stats["cut_by_wall_clock"] = ", ".join(cuts)
        return solve_result(
            problem,
            status,
            solution,
            bound,
            started=started,
            seed=options.seed,
            workers=options.workers,
            stats=stats,
            solver=NAME,
        )

    best: Solution = greedy_solution(problem)
    stats["greedy_objective"] = problem.objective(*best)
    stats["start"] = "greedy"
    # the unconstrained optimum (no SME share, quotas, slots or budgets): what rules cost
    flow = max_weight_assignment(problem, problem.pair_value)
    stats["mcf_objective"] = int(problem.pair_value[flow].sum())

    def consider(name: str, solution: Solution | None) -> None:
        nonlocal best
        if solution is None:
            return
        value = problem.objective(*solution)
        stats[f"{name}_objective"] = value
        if value > problem.objective(*best):
            best = solution
            stats["start"] = name

    def lap(name: str, since: float) -> None:
        stats[f"{name}_time_s"] = round(time.perf_counter() - since, 3)

    polish_work = 0.0  # the polishes' work before the search (counted, as the group IP's)

    def polished(after: str) -> bool:
        """Polish the incumbent after the phase ``after`` (``POLISH_AFTER``); False when it
        did not run (not there, past the deadline, no HiGHS)."""
        nonlocal polish_work
        if after not in POLISH_AFTER or problem.n_pairs <= WHOLE_PAIRS or past_deadline(options):
            return False
        clock = time.perf_counter()
        work = _polish_work(problem, best[1], budget)
        step = polish(problem, best, work, options.seed, options.deadline)
        polish_work += step.work_s
        lap(f"polish_{after}", clock)
        stats[f"polish_{after}_free"] = step.free
        stats[f"polish_{after}_work_s"] = round(step.work_s, 3)
        if step.cut:
            cuts.append("polish")
        consider(f"polish_{after}", step.solution)
        return step.work_s > 0

    bound: int | None = None
    group = None
    priced: PricedHosts | None = None  # each host's best group at the group LP's prices
    ip_work = 0.0
    bound_more = None  # the group LP's further rounds, beside the phases after it
    if options.use_relaxation and problem.n_pairs:
        clock = time.perf_counter()
        upper = without_slots(problem, np.ones(problem.n_pairs, dtype=bool), bonus_all=True)
        slot_free = solve_relaxation(
            upper,
            [best[0], flow],
            time_limit_s=max(
                SLOT_FREE_MINIMUM_S,
                budget * SLOT_FREE_SHARE,
                SLOT_FREE_S_PER_PAIR * problem.n_pairs,
            ),
            deterministic=True,
            deadline=options.deadline,
        )
        lap("slot_free_lp", clock)
        if slot_free is not None:
            bound = math.floor(slot_free.bound + 1e-6)
            stats["slot_free_bound"] = bound
            opened = best_slots(problem, problem.slot_mass(slot_free.values))
            consider("slot_free_refit", refit(problem, opened, options, budget * REFIT_SHARE))
        if past_deadline(options):
            cuts.append("slot-free LP")
        else:
            clock = time.perf_counter()
            group = group_bound(
                problem,
                None if slot_free is None else slot_free.row_duals,
                [best],
                work_s=budget * GROUP_LP_SHARE,
                deadline=_group_deadline(options.deadline, budget),
            )
            lap("group_lp", clock)
        bound_more = more_rounds(group, MORE_ROUNDS_SHARE * budget, options)
        if group is not None:
            group_value = integer_bound(group.bound)
            bound = group_value if bound is None else min(bound, group_value)
            stats.update(
                group_lp_bound=group_value,
                group_lp_master=round(group.master, 1),
                group_lp_rounds=group.rounds,
                group_lp_groups=group.groups,
                # the master's pair value (no group bonus, no penalty): what grouped dates
                # and languages leave of the slot-free LP's (engine.night.rule_prices)
                group_lp_score=round(float(problem.pair_value @ group.pair_mass), 2),
            )
            if group.cut:
                cuts.append("group LP")
            opened = best_slots(
                problem, group.slot_mass + 1e-3 * problem.slot_mass(group.pair_mass)
            )
            consider("group_lp_refit", refit(problem, opened, options, budget * REFIT_SHARE))
            groups = None if group.pool is None else group.pool.groups
            priced = PricedHosts(problem, group.duals, _settled(group), groups)
            if not past_deadline(options):
                clock = time.perf_counter()
                choice = choose_groups(
                    problem,
                    group,
                    best,
                    work_s=_group_ip_work(problem, budget, group),
                    seed=options.seed,
                    deadline=_group_deadline(options.deadline, budget),
                    priced=priced,
                )
                lap("group_ip", clock)
                if choice is not None:
                    ip_work = choice.work_s
                    stats.update(
                        group_ip_calls=choice.calls,
                        group_ip_windows=choice.windows,
                        group_ip_work_s=round(ip_work, 3),
                    )
                    if choice.cut:
                        cuts.append("group IP")
                    consider("group_ip", choice.solution)
            polished("group_ip")

    objective = problem.objective(*best)
    if bound is not None and objective >= bound:
        join_rounds(bound_more, stats)
        stats["cp_sat"] = "skipped: the start reaches the bound (proven optimal)"
        return result(SolveStatus.OPTIMAL, best, objective)

    clock = time.perf_counter()
    if problem.n_pairs <= WHOLE_PAIRS or not options.use_relaxation:
        # small enough to solve whole: CP-SAT closes it (and its bound is exact)
        keep = np.ones(problem.n_pairs, dtype=bool)
        status, found, cp_bound = run_cpsat(problem, keep, best, options, started, stats)
        if status is SolveStatus.INFEASIBLE or status is SolveStatus.MODEL_INVALID:
            join_rounds(bound_more, stats)
            return result(status, None, None)
        if status.has_solution and problem.objective(*found) > objective:
            consider("cp-sat", found)
        if cp_bound is not None:
            bound = cp_bound if bound is None else min(bound, cp_bound)
    elif not past_deadline(options):
        seeds = seed_hosts(problem, best, group, priced)
        search_work = _search_work(problem, budget, group, ip_work + polish_work)
        last_polish = _polish_work(problem, best[1], budget) if "search" in POLISH_AFTER else 0
        if last_polish:  # its work, kept for it
            search_work = max(LNS_SHARE * budget / 2, search_work - last_polish)
        found = improve(
            problem,
            best,
            seeds,
            work=search_work * search_speedup(options.workers),
            workers=options.workers,
            seed=options.seed,
            deadline=options.deadline,
            stats=stats,
            priced=priced,
        )
        if "lns_cut_by_wall_clock" in stats:
            cuts.append("LNS")
        consider("lns", found)
        # the last polish, or (without it) a last refit of the incumbent's slots
        if not polished("search") and not past_deadline(options) and best[1] is not None:
            consider("last_refit", refit(problem, best[1], options, budget * REFIT_SHARE, best[0]))
    else:
        cuts.append("before LNS")
    lap("search", clock)
    more = join_rounds(bound_more, stats)
    if more is not None:
        bound = more if bound is None else min(bound, more)
    objective = problem.objective(*best)
    proven = bound is not None and objective >= bound
    final = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return result(final, best, objective if proven else bound)


def _settled(group: GroupBound) -> bool:
    """The group LP's last master within ``SETTLED_GAP`` of its bound (5,000 tight visitors at
    60 s: 0.06 to 0.12%; at 30 s 1.1% and 20,000 at 120 s 4.1%, where ranking the search's
    seeds and hosts by its prices cost 4.68% -> 4.98% and 20.3% -> 22.4%)."""
    return abs(group.bound - group.master) <= SETTLED_GAP * max(1.0, abs(group.bound))


def _polish_work(problem: AssignmentProblem, open_slots: np.ndarray | None, budget: float) -> float:
    """The polish's work with these open slots: its share of the budget, or what its LP needs
    where that is more, up to ``POLISH_MOST_SHARE``; 0 where it does not fit."""
    if open_slots is None:
        return 0.0
    need = polish_need(problem, open_slots)
    if need <= POLISH_SHARE * budget:
        return POLISH_SHARE * budget
    return need if need <= POLISH_MOST_SHARE * budget else 0.0


def _group_deadline(deadline: float | None, budget: float) -> float | None:
    """The group LP's wall-clock deadline: the solver's, less the search's least work as
    seconds (on a machine loaded beyond the plan the clock cuts the group LP first, and a
    search from its slots still runs; at 5,000 tight visitors under two busy loops on both
    cores the clock cut the group LP after 7 rounds and 29.7 s and the search never ran:
    -171.5 M where an uncut run has -167.4 M). On a machine as fast as planned, or 1.35 x
    slower, it does not bind: the solver's deadline keeps that much more than its work."""
    return None if deadline is None else deadline - LNS_SHARE * budget


def _work_before(problem: AssignmentProblem, group: GroupBound | None, ip_work: float) -> float:
    """The work of the phases before the search: predicted from sizes, and counted by the
    group LP and the group IP (the same on every run)."""
    before = BASE_S + BASE_S_PER_PAIR * problem.n_pairs + ip_work
    return before + (0.0 if group is None else group.work_s)


def _group_ip_work(problem: AssignmentProblem, budget: float, group: GroupBound) -> float:
    """The group IP's work: its share of the budget, at most what the phases before it leave
    the search beyond its least share (where the group LP takes its whole share, at 5,000
    visitors and up, the IP takes from the search, not from the user's clock)."""
    left = budget * (1 - LNS_SHARE) - _work_before(problem, group, 0.0)
    return max(0.0, min(budget * GROUP_IP_SHARE, left))


def _search_work(
    problem: AssignmentProblem, budget: float, group: GroupBound | None, ip_work: float = 0.0
) -> float:
    """The search's work: at least its share of the budget, or all the phases before it left."""
    return max(budget * LNS_SHARE, budget - _work_before(problem, group, ip_work))
