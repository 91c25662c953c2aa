"""A small sweep (two scenarios x two seeds of a tiny generated campaign, serial) that the
report tests read: its report, one result's simulation report and a comparison of two."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from scenarios.spec import load_scenario
from scenarios.sweep import run_sweep

TINY = """
name = "{name}"
nights = 2
days_between_nights = 7
[base]
visitors = 50
hosts = 16
seed = 4
[engine]
time_limit_s = 30
{extra}
"""


@dataclass(frozen=True)
class SmallSweep:
    folder: Path

    def result(self, name: str, seed: int) -> Path:
        return next((self.folder / "results").glob(f"{name}-*/seed-{seed}"))


def tiny_scenarios(folder: Path) -> list[Path]:
    """``plain.toml`` and ``wide.toml`` (host capacities doubled) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, extra in (
        ("plain", ""),
        ("wide", "[[changes]]\naction = 'scale_capacity'\nfactor = 2\n"),
    ):
        path = folder / f"{name}.toml"
        path.write_text(TINY.format(name=name, extra=extra), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="package")
def small_sweep(tmp_path_factory) -> SmallSweep:
    root = tmp_path_factory.mktemp("small-sweep")
    paths = [load_scenario(path) for path in tiny_scenarios(root)]
    outcome = run_sweep(paths, [0, 1], root / "sweep", serial=True)
    assert not outcome.failed
    return SmallSweep(root / "sweep")
