"""Every problem of every scenario file, in one report, before anything runs.

A scenario can be wrong in its file (an unknown key, a bad value), in its base campaign (a
folder the loader refuses) or in what its changes do to that campaign (a filter matching
nobody, a country outside COSME): :func:`check_files` finds all three kinds for every file and
raises one :class:`ScenariosInvalid` that lists them file by file, each at the scenario key
that caused it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.domain.contract import Campaign
from engine.domain.problems import CampaignInvalid
from scenarios.spec import LoadedScenario, ScenarioInvalid, read_scenario
from scenarios.tasks import base_key
from scenarios.whatif import PreparedScenario, load_base, prepare


class ScenariosInvalid(ScenarioInvalid):
    """The problems of several scenario files, grouped by file."""

    def __init__(self, by_file: dict[str, list[str]]):
        problems = [f"{path}: {problem}" for path, found in by_file.items() for problem in found]
        super().__init__("scenario files", problems)
        self.by_file = by_file

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScenariosInvalid, (self.by_file,))

    def __str__(self) -> str:
        count = sum(len(found) for found in self.by_file.values())
        files = len(self.by_file)
        lines = [
            f"{count} problem{'s' if count != 1 else ''} in {files} scenario "
            f"file{'s' if files != 1 else ''}; nothing was run:"
        ]
        for path, found in self.by_file.items():
            lines.append(f"  {path}")
            lines += [f"    - {problem}" for problem in found]
        return "\n".join(lines)


@dataclass(frozen=True)
class Checked:
    scenarios: list[LoadedScenario]
    bases: dict[str, Campaign]
    prepared: dict[str, PreparedScenario]  # by scenario path, prepared with the first seed


def check_files(paths: Sequence[str | Path], seed: int | None = None) -> Checked:
    """Read and check every file; raise :class:`ScenariosInvalid` with every problem.
    ``seed``: the seed the changes are tried with (default: each scenario's own)."""
    by_file: dict[str, list[str]] = {}
    loaded = []
    for path in paths:
        scenario, problems = read_scenario(path)
        if problems:
            by_file.setdefault(str(path), []).extend(problems)
        if scenario is not None:
            loaded.append(scenario)
    return _check(loaded, seed, by_file)


def check_loaded(scenarios: Sequence[LoadedScenario], seed: int) -> Checked:
    """The same checks for scenarios already read (their bases and changes)."""
    return _check(list(scenarios), seed, {})


def _check(
    loaded: list[LoadedScenario], seed: int | None, by_file: dict[str, list[str]]
) -> Checked:
    bases: dict[str, Campaign] = {}
    refused: set[str] = set()
    seen: dict[str, str] = {}
    prepared = {}
    for scenario in loaded:
        name, path = scenario.scenario.name, scenario.path
        if name in seen and _same_file(seen[name], path):  # one file twice (it named itself)
            by_file.setdefault(path, []).append("is given twice: give each scenario once")
        elif name in seen:
            by_file.setdefault(path, []).append(f"name: {name!r} is also the name of {seen[name]}")
        seen.setdefault(name, path)
        key = base_key(scenario)
        if key not in bases and key not in refused:
            try:
                bases[key] = load_base(scenario)
            except CampaignInvalid as invalid:
                refused.add(key)
                by_file.setdefault(path, []).extend(
                    f"base: {problem}" for problem in invalid.problems
                )
        if key not in bases:
            continue
        chosen = scenario.scenario.seed if seed is None else seed
        try:
            prepared[path] = prepare(scenario.scenario, bases[key], chosen, path)
        except ScenarioInvalid as invalid:
            by_file.setdefault(path, []).extend(invalid.problems)
    if by_file:  # each file's problems in its own order: its settings, then change by change
        raise ScenariosInvalid({path: sorted(found, key=_place) for path, found in by_file.items()})
    return Checked(loaded, bases, prepared)


def _place(problem: str) -> int:
    """Where a problem is in its file: 0 for a setting, N for its changes[N]."""
    match = re.match(r"changes\[(\d+)\]", problem)
    return int(match.group(1)) if match else 0


def _same_file(one: str, other: str) -> bool:
    return Path(one).resolve() == Path(other).resolve()
