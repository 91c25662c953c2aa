"""The unit of a sweep: one (scenario, seed), where its result is kept, and what a run did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engine.domain.contract import Campaign
from scenarios.simulate import SimulationResult, simulate
from scenarios.spec import LoadedScenario
from scenarios.whatif import prepare

Progress = Callable[[str], None]
RESULTS = "results"


@dataclass(frozen=True)
class SweepTask:
    loaded: LoadedScenario
    seed: int

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def folder(self, out: Path) -> Path:
        scenario = self.loaded.scenario
        return out / RESULTS / f"{scenario.name}-{scenario.digest()}" / f"seed-{self.seed}"


@dataclass
class SweepOutcome:
    out: Path
    ran: list[tuple[str, int]] = field(default_factory=list)
    reused: list[tuple[str, int]] = field(default_factory=list)
    failed: dict[tuple[str, int], str] = field(default_factory=dict)
    wall_time_s: float = 0.0
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)


Finished = Callable[[SweepTask, SimulationResult | None, str | None], None]


def base_key(loaded: LoadedScenario) -> str:
    folder = loaded.base_folder()
    return str(folder) if folder is not None else repr(loaded.scenario.base)


def run_task(loaded: LoadedScenario, base: Campaign, seed: int) -> SimulationResult:
    """One (scenario, seed): the unit of work a Dask worker runs (CP-SAT on one thread)."""
    scenario = loaded.scenario
    single = scenario.model_copy(
        update={"engine": scenario.engine.model_copy(update={"workers": 1})}
    )
    return simulate(prepare(single, base, seed, loaded.path))
