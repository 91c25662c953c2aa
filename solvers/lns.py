"""Large-neighbourhood search with CP-SAT: small models it closes, each improving the incumbent.

Each neighbourhood re-opens a few hosts (``solvers.neighbourhood``: their slots, their members
and the visitors free or with them; everything else stays, the rules stay exact) and CP-SAT
solves it whole, hinted with the incumbent, within a small deterministic time. A better
sub-solution replaces the incumbent's part at once.

Neighbourhoods, in this order, each grown from a seed host to at most ``HOSTS`` hosts and
``PAIRS`` pairs by adding the hosts that hold the visitors the seed's pairs want:

1. *disagreement*: hosts where the LP over whole groups (``solvers.group_lp``) does not open
   what the incumbent opens (another slot, a fractional one, other members), most mass
   first;
2. *what a free visitor would add*: every other host, by its best pair of a visitor the
   incumbent leaves out, valued with the penalties it would save the quotas that fall short
   (``solvers.slotted._seeds``).

When a pass over the seeds leaves work, a second pass grows neighbourhoods twice as large,
then passes of both sizes take turns while work is left and they still improve the incumbent.

Deterministic: the neighbourhoods depend only on the problem, the incumbent and the LP; each
CP-SAT run has one worker and ends on deterministic time; the whole search stops after a
fixed amount of work (``work``: deterministic time plus the ``BUILD_WORK`` of each model), or
at the wall-clock ``deadline`` (the safety net: then the result may differ from run to run,
and ``stats`` says it was cut).
"""

from __future__ import annotations

import time

import numpy as np
from ortools.sat.python import cp_model

from solvers.cpsat_model import build_model
from solvers.neighbourhood import merge, sub_problem
from solvers.problem import AssignmentProblem
from solvers.result import Solution

# hosts and pairs per neighbourhood (the seed host is always whole). With the search settings
# below, 16 hosts did best for the same wall time at 800, 1,500 and 5,000 tight visitors
# (5,000: 8 hosts -170.09 M, 16 -169.81 M, 32 -170.22 M in 32 s of solver work)
HOSTS = 16
PAIRS = 2_400
PASSES = 2  # sizes of neighbourhood: over the seeds, then twice the size, in turn
MAX_PASSES = 8  # passes over the seeds at most (while work is left and they improve)
# CP-SAT deterministic time per neighbourhood of the first pass, twice that in the second (at
# 800 tight visitors, 1.0 let 2 neighbourhoods take 5.8 s; at 0.2 most still close, and many
# more are tried)
STEP_TIME = 0.2
# the wall seconds of one neighbourhood besides CP-SAT's deterministic time: growing, slicing
# and building the model (a fixed part, and per pair of the whole problem: the slices read the
# full arrays) and CP-SAT's own start; measured unloaded, 0.035 s at 13,800 pairs and 0.045 s
# at 98,800 (fitted over 180 to 220 neighbourhoods each)
BUILD_WORK = 0.03
BUILD_WORK_PER_PAIR = 1.5e-7
# wall seconds per unit of CP-SAT's deterministic time in these small models, unloaded (1.13
# at 800 and 1.47 at 5,000 tight visitors): the search's work is counted in seconds
DETERMINISTIC_SECONDS = 1.3
# CP-SAT's search in a neighbourhood: one worker, the default search (no interleaving of
# strategies) with the LP relaxation of every constraint (linearization level 2). At 5,000
# tight visitors the first 40 neighbourhoods took 5.9 s of CP-SAT and 6 of them stayed open
# with interleaved search; 1.7 s and all 45 closed with this (the quota and slot rows are
# linear: the LP bound closes the models its search alone would only wander in)
LINEARIZATION_LEVEL = 2
# CP-SAT workers per neighbourhood: one (at 5,000 tight visitors, loaded, the same work gave
# 16 neighbourhoods in 7.1 s with one worker, 11 in 12.1 s with two, and gained a third more)
NEIGHBOURHOOD_WORKERS = 1


def improve(
    problem: AssignmentProblem,
    incumbent: Solution,
    seeds: list[int],
    *,
    work: float,
    workers: int,
    seed: int,
    deadline: float | None,
    stats: dict[str, float | int | str],
) -> Solution:
    """Improve ``incumbent`` over the neighbourhoods grown from ``seeds`` (host indices, in
    order) within ``work`` deterministic seconds of CP-SAT."""
    best, value = incumbent, problem.objective(*incumbent)
    spent, tried, improved, closed = 0.0, 0, 0, 0
    build_work = BUILD_WORK + BUILD_WORK_PER_PAIR * problem.n_pairs
    wants = _wanted_hosts(problem)
    cut = False
    # a pass over the seeds, then one with larger neighbourhoods, and so on in turn while work
    # is left and one of the last PASSES passes improved the incumbent
    passes = [(HOSTS * 2**k, PAIRS * 2**k, STEP_TIME * 2**k) for k in range(PASSES)]
    gains: list[int] = []
    for turn, host in ((t, h) for t in range(MAX_PASSES) for h in [*seeds, -1]):
        if host < 0:  # the pass is over
            gains.append(improved)
            if len(gains) > PASSES and gains[-1] == gains[-1 - PASSES]:
                break  # a pass of each size without a gain
            continue
        size, pairs, step = passes[turn % PASSES]
        if spent >= work:
            break
        if deadline is not None and time.perf_counter() > deadline:
            cut = True
            break
        hosts = _grow(problem, best, host, wants, size, pairs)
        part = sub_problem(problem, best, hosts)
        if not part.problem.n_pairs:
            continue
        keep = np.ones(part.problem.n_pairs, dtype=bool)
        built = build_model(part.problem, keep, part.start)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = min(workers, NEIGHBOURHOOD_WORKERS)
        params.random_seed = seed
        params.linearization_level = LINEARIZATION_LEVEL
        params.max_deterministic_time = min(step, max(0.05, (work - spent) / DETERMINISTIC_SECONDS))
        if deadline is not None:
            params.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
        status = solver.solve(built.model)
        spent += DETERMINISTIC_SECONDS * float(solver.deterministic_time) + build_work
        tried += 1
        closed += status == cp_model.OPTIMAL
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        chosen = np.zeros(part.problem.n_pairs, dtype=bool)
        chosen[built.pairs[[solver.boolean_value(v) for v in built.x]]] = True
        opened = None
        if part.problem.slot_host is not None:
            opened = np.zeros(part.problem.n_slots, dtype=bool)
            for slot, var in built.opened.items():
                opened[slot] = solver.boolean_value(var)
        # the full objective is the sub-problem's plus a constant: compare there
        gain = part.problem.objective(chosen, opened) - part.problem.objective(*part.start)
        if gain > 0:
            best = merge(problem, best, part, (chosen, opened))
            value += gain
            improved += 1
    stats.update(
        lns_neighbourhoods=tried,
        lns_closed=closed,
        lns_improved=improved,
        lns_deterministic_time=round(spent, 3),
    )
    if cut:
        stats["lns_cut_by_wall_clock"] = "yes"
    return best


def _wanted_hosts(problem: AssignmentProblem) -> list[np.ndarray]:
    """For each visitor, its candidate hosts by value, best first."""
    order = np.lexsort((-problem.pair_value, problem.pair_visitor))
    visitors = problem.pair_visitor[order]
    bounds = np.searchsorted(visitors, np.arange(problem.n_visitors + 1))
    hosts = problem.pair_host[order]
    return [hosts[bounds[v] : bounds[v + 1]] for v in range(problem.n_visitors)]


def _grow(
    problem: AssignmentProblem,
    solution: Solution,
    seed_host: int,
    wants: list[np.ndarray],
    most_hosts: int = HOSTS,
    most_pairs: int = PAIRS,
) -> np.ndarray:
    """The seed host, then the hosts holding the visitors of its best pairs, then those
    visitors' other best hosts, up to ``HOSTS`` hosts and about ``PAIRS`` pairs."""
    selected, _ = solution
    host_of = np.full(problem.n_visitors, -1)
    host_of[problem.pair_visitor[selected]] = problem.pair_host[selected]
    pairs_of_host = np.bincount(problem.pair_host, minlength=problem.n_hosts)
    hosts = np.zeros(problem.n_hosts, dtype=bool)
    hosts[seed_host] = True
    size = int(pairs_of_host[seed_host])
    mine = np.flatnonzero(problem.pair_host == seed_host)
    visitors = problem.pair_visitor[mine[np.argsort(-problem.pair_value[mine], kind="stable")]]
    queue = [int(host_of[v]) for v in visitors if host_of[v] >= 0]
    for v in visitors:
        queue.extend(int(h) for h in wants[v][:2])
    for host in queue:
        if hosts.sum() >= most_hosts:
            break
        if hosts[host] or size + pairs_of_host[host] > most_pairs:
            continue
        hosts[host] = True
        size += int(pairs_of_host[host])
    return hosts
