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
   (``solvers.seeds``).

When a pass over the seeds leaves work, a second pass grows neighbourhoods twice as large,
then passes of both sizes take turns while work is left and they still improve the incumbent.

With the group LP's prices a *priced* pass follows each (the first hands over to it after
``GROWN_SHARE`` of the work): the hosts furthest from their best group at those prices
together, with the hosts holding the members those groups want (``solvers.priced``: hosts
that want fewer SMEs beside hosts that want more trade the SME share's margin).

With two workers two neighbourhoods are solved at a time, on hosts and visitors apart, each
grown from the incumbent when it starts and holding back for the other half of the room left
in the rows every pair shares (``solvers.neighbourhood.Held``); they are taken back in the
order they started, the second checked against those rows and the full objective once the
first is merged (at 5,000 tight visitors about 1.3 x the neighbourhoods per second).

Deterministic: the neighbourhoods depend only on the problem, the incumbent, the LP and the
workers; each CP-SAT run has one worker and ends on deterministic time; the whole search stops after a
fixed amount of work (``work``: deterministic time plus the ``BUILD_WORK`` of each model), or
at the wall-clock ``deadline`` (the safety net: then the result may differ from run to run,
and ``stats`` says it was cut).
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from solvers.cpsat_model import build_model
from solvers.neighbourhood import Held, Neighbourhood, merge, sub_problem
from solvers.priced import PricedHosts
from solvers.problem import AssignmentProblem
from solvers.result import Solution
from solvers.seeds import grow, wanted_hosts

# hosts and pairs per neighbourhood (the seed host is always whole). With the search settings
# below, 16 hosts did best for the same wall time at 800, 1,500 and 5,000 tight visitors
# (5,000: 8 hosts -170.09 M, 16 -169.81 M, 32 -170.22 M in 32 s of solver work)
HOSTS = 16
PAIRS = 2_400
PASSES = 2  # sizes of neighbourhood: over the seeds, then twice the size, in turn
MAX_PASSES = 8  # passes over the seeds at most (while work is left and they improve)
# CP-SAT deterministic time per neighbourhood of the first pass, twice that in the second (at
# 800 tight visitors, 1.0 let 2 take 5.8 s; at 0.2 most still close, and many more are tried)
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
# neighbourhoods solved at once, one per worker (CP-SAT lets go of Python while it solves),
# on hosts and visitors apart; at most this many
MAX_PARALLEL = 2
# the search's work done per second with two neighbourhoods at a time against one, unloaded:
# 1.29 and 1.52 at 5,000 tight visitors (seeds 3 and 4, 7 s of work from the same incumbent;
# the first neighbourhoods' CP-SAT slower side by side, and growing and slicing them stays
# on one thread)
PARALLEL_SPEEDUP = 1.3
# seeds looked at for the next neighbourhood: one among the hosts of those running waits
LOOK_AHEAD = 8
# priced neighbourhoods (``solvers.priced``): the hosts furthest from their best group at the
# group LP's prices, this many together (about this many pairs), with the hosts holding the
# members those groups want; CP-SAT's deterministic time for each
PRICED_HOSTS = 16
PRICED_PAIRS = 2_400
PRICED_STEP = 1.0
# with prices, the first pass over the seeds hands over to a priced pass after this share of
# the search's work. At 5,000 tight visitors (34.6 s of solver work, tuning seeds 3 and 4):
# gaps 0.90 / 1.08% without priced passes; with them after 0.5 / 0.7 / 0.85 of the work,
# seed 3 0.79 / 0.74 / 0.89%, seed 4 1.05 / 1.02 / 1.04%; over eight seeds with the windows
# in priced order too, 0.5 gave a mean 0.84% against 0.81% (a priced pass first: seed 11 0.84%)
GROWN_SHARE = 0.7


@dataclass(frozen=True)
class _Pass:
    """A pass over the hosts: neighbourhoods of at most ``hosts`` hosts (grown from each seed,
    or the hosts furthest from their best group at the LP's prices, ``priced``) and about
    ``pairs`` pairs, each closed within ``step`` deterministic seconds."""

    hosts: int
    pairs: int
    step: float
    priced: bool = False
    until: float = 1.0  # the pass ends once this share of the search's work is spent


def _passes(priced: bool) -> list[_Pass]:
    """The passes in turn: grown from the seeds, then twice as large (``PASSES`` sizes), a
    priced pass after each when there are prices (the first pass then hands over to it after
    ``GROWN_SHARE`` of the work)."""
    kinds: list[_Pass] = []
    for k in range(PASSES):
        until = GROWN_SHARE if priced and k == 0 else 1.0
        kinds.append(_Pass(HOSTS * 2**k, PAIRS * 2**k, STEP_TIME * 2**k, until=until))
        if priced:
            kinds.append(_Pass(PRICED_HOSTS, PRICED_PAIRS, PRICED_STEP, priced=True))
    return kinds


def search_speedup(workers: int) -> float:
    """The search's work per second of wall clock with ``workers`` against one."""
    return 1.0 if min(workers, MAX_PARALLEL) <= 1 else PARALLEL_SPEEDUP


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
    priced: PricedHosts | None = None,
) -> Solution:
    """Improve ``incumbent`` over the neighbourhoods grown from ``seeds`` (host indices, in
    order) and, with ``priced``, the priced ones, within ``work`` deterministic seconds of
    CP-SAT, up to ``workers`` neighbourhoods at a time (``_Search``)."""
    parallel = max(1, min(workers, MAX_PARALLEL))
    search = _Search(problem, incumbent, work, parallel, seed, deadline, priced)
    # a pass over the seeds, then one with larger neighbourhoods, and so on in turn while work
    # is left and one of the last passes of each kind improved the incumbent
    passes = _passes(priced is not None)
    gains: list[int] = []
    with ThreadPoolExecutor(parallel) as threads:
        for turn in range(MAX_PASSES):
            kind = passes[turn % len(passes)]
            queue = deque(
                seeds if priced is None or not kind.priced else priced.ranking(search.best)
            )
            while queue and not search.over() and search.spent < kind.until * work:
                started = len(search.running) < parallel and search.launch(threads, queue, kind)
                if not started and search.running:  # (none started: the seeds are spent)
                    search.merge_next()
            while search.running:
                search.merge_next()
            if search.over():
                break
            gains.append(search.improved)
            if len(gains) > len(passes) and gains[-1] == gains[-1 - len(passes)]:
                break  # a pass of each kind without a gain
    stats.update(
        lns_neighbourhoods=search.tried,
        lns_closed=search.closed,
        lns_improved=search.improved,
        lns_deterministic_time=round(search.spent, 3),
        lns_parallel=parallel,
        lns_clashed=search.clashed,
        lns_priced=search.priced_tried,
    )
    if search.cut:
        stats["lns_cut_by_wall_clock"] = "yes"
    return search.best


@dataclass
class _Running:
    part: Neighbourhood
    job: Future[tuple[cp_model.CpSolverStatus, Solution | None, float]]
    hosts: np.ndarray  # bool per host
    merges: int  # the incumbent's merges when it was grown
    allowed: np.ndarray  # the shared rows' room it may use (``_room``)


class _Search:
    """The incumbent and the neighbourhoods being solved, taken back in the order they were
    started. A neighbourhood is grown from the incumbent of its start, away from the hosts and
    visitors of those still being solved: each keeps its own rows exactly, and only the rows
    every pair shares (the SME share, quotas, caps, limited sets) may clash with a merge made
    since it started (then they and the full objective are checked). The same seeds, work
    and workers give the same neighbourhoods and merges however the threads run."""

    def __init__(
        self,
        problem: AssignmentProblem,
        incumbent: Solution,
        work: float,
        parallel: int,
        seed: int,
        deadline: float | None,
        priced: PricedHosts | None = None,
    ):
        self.problem, self.work, self.seed, self.deadline = problem, work, seed, deadline
        self.parallel, self.priced = parallel, priced
        self.best, self.value = incumbent, problem.objective(*incumbent)
        worth = priced.worth if priced is not None and priced.settled else problem.pair_value
        self.wanted = (wanted_hosts(problem, worth), worth)  # each visitor's hosts, by worth
        self.build_work = BUILD_WORK + BUILD_WORK_PER_PAIR * problem.n_pairs
        self.running: deque[_Running] = deque()
        self.spent, self.tried, self.closed, self.improved, self.clashed = 0.0, 0, 0, 0, 0
        self.merges, self.cut, self.priced_tried = 0, False, 0

    def over(self) -> bool:
        """The work is spent, or the wall clock has cut the search."""
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.cut = True
        return self.cut or self.spent >= self.work

    def launch(self, threads: ThreadPoolExecutor, queue: deque[int], kind: _Pass) -> bool:
        """Start the neighbourhood of the first hosts of ``queue`` away from those running (a
        host among theirs waits, up to ``LOOK_AHEAD`` of them): grown from the first, or with
        a priced pass the first ``kind.hosts`` together with the holders of their best groups'
        members; False when none started."""
        problem = self.problem
        taken = np.zeros(problem.n_hosts, dtype=bool)
        others = np.zeros(problem.n_visitors, dtype=bool)
        for running in self.running:
            taken |= running.hosts
            others[problem.pair_visitor[running.part.pairs]] = True
        room = _room(problem, self.best[0])
        allowed, held = room, None
        if self.parallel > 1:  # the room left by those running, shared with those to come
            left = room - sum((running.allowed for running in self.running), np.zeros_like(room))
            allowed = np.maximum(left, 0) // (self.parallel - len(self.running))
            held = _held(problem, room - allowed, self.running)
        waiting: list[int] = []
        started = False
        while queue and not started and len(waiting) < LOOK_AHEAD:
            if kind.priced and self.priced is not None:
                limits = (kind.hosts, kind.pairs, LOOK_AHEAD)
                hosts = self.priced.together(queue, limits, taken, waiting, self.best[0])
            else:
                host = queue.popleft()
                if taken[host]:
                    waiting.append(host)
                    continue
                size = (kind.hosts, kind.pairs)
                hosts = grow(problem, self.best, host, self.wanted, size, taken)
            if not hosts.any():
                continue
            part = sub_problem(problem, self.best, hosts, others, held)
            if not part.problem.n_pairs:
                continue
            step = min(kind.step, max(0.05, (self.work - self.spent) / DETERMINISTIC_SECONDS))
            job = threads.submit(_close, part, step, self.seed, self.deadline)
            self.running.append(_Running(part, job, hosts, self.merges, allowed))
            started, self.priced_tried = True, self.priced_tried + kind.priced
        queue.extendleft(reversed(waiting))
        return started

    def merge_next(self) -> None:
        """Take back the first neighbourhood started: better, it replaces its part."""
        running = self.running.popleft()
        status, found, deterministic_time = running.job.result()
        self.spent += DETERMINISTIC_SECONDS * deterministic_time + self.build_work
        self.tried += 1
        self.closed += status == cp_model.OPTIMAL
        part = running.part
        if found is None:
            return
        # the full objective is the sub-problem's plus a constant: compare there
        gain = part.problem.objective(*found) - part.problem.objective(*part.start)
        if gain <= 0:
            return
        candidate = merge(self.problem, self.best, part, found)
        if running.merges < self.merges:  # merged into since it started
            now = self.problem.objective(*candidate)
            if now <= self.value or not self.problem.shared_rows_ok(candidate[0]):
                self.clashed += 1
                return
            gain = now - self.value
        self.best, self.value = candidate, self.value + gain
        self.merges += 1
        self.improved += 1


def _close(
    part: Neighbourhood, step_time: float, seed: int, deadline: float | None
) -> tuple[cp_model.CpSolverStatus, Solution | None, float]:
    """CP-SAT on one neighbourhood, hinted with its start: (status, the sub-solution found or
    None, deterministic time)."""
    keep = np.ones(part.problem.n_pairs, dtype=bool)
    built = build_model(part.problem, keep, part.start)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.catch_sigint_signal = False  # Ctrl+C is the run's (solvers.cpsat_model)
    params.num_workers = NEIGHBOURHOOD_WORKERS
    params.random_seed = seed
    params.linearization_level = LINEARIZATION_LEVEL
    params.max_deterministic_time = step_time
    if deadline is not None:
        params.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None, float(solver.deterministic_time)
    chosen = np.zeros(part.problem.n_pairs, dtype=bool)
    chosen[built.pairs[[solver.boolean_value(v) for v in built.x]]] = True
    opened = None
    if part.problem.slot_host is not None:
        opened = np.zeros(part.problem.n_slots, dtype=bool)
        for slot, var in built.opened.items():
            opened[slot] = solver.boolean_value(var)
    return status, (chosen, opened), float(solver.deterministic_time)


def _room(problem: AssignmentProblem, selected: np.ndarray) -> np.ndarray:
    """The room ``selected`` leaves in the rows every pair shares: the SME share's margin in
    proposals and in expectation, then each cap's."""
    margins = [
        problem.sme_margin(selected),
        problem.expected_sme_margin(selected),
        *(cap.limit - int(cap.cost[selected].sum()) for cap in problem.caps),
    ]
    return np.maximum(np.array(margins, dtype=np.int64), 0)


def _held(problem: AssignmentProblem, held: np.ndarray, running: deque[_Running]) -> Held:
    """The room (``_room``'s order) a neighbourhood may not use, and the limited sets those
    running may add to."""
    sets = None
    if problem.limit_set is not None and problem.set_limit is not None and running:
        theirs = problem.limit_set[np.concatenate([r.part.pairs for r in running])]
        sets = np.zeros(len(problem.set_limit), dtype=bool)
        sets[theirs[theirs >= 0]] = True
    return Held(int(held[0]), int(held[1]), tuple(int(h) for h in held[2:]), sets)
