"""What a night is asked to do: its date, time (the whole run's, from ``started``), workers,
seed, shortlist, score model, carry-over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from engine.night.carryover import Carryover
from scoring.linear import PairScorer


@dataclass(frozen=True)
class RunOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    top_k: int = 25
    weights: Mapping[str, float] | None = None  # None: the default transparent weights
    scorer: PairScorer | None = None  # a loaded model (run --model); None: see choose_scorer
    # earlier nights: locked (accepted) exchanges, pairs on hold, unanswered proposals
    carryover: Carryover | None = None
    # the night's date: no proposal starts before it plus policy.lead_days (None: today, UTC)
    as_of: date | None = None
    # the seconds this machine takes for a second of the time plan's (engine.night.encode,
    # measured on its reference machine): the CLI measures it (engine.cli.pace); 1 elsewhere
    pace: float = 1.0
    # when the run began (``time.perf_counter``; None: when the night began): ``time_limit_s``
    # bounds the whole run from here, loading to writing
    started: float | None = None
