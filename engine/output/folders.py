"""Reading finished run folders back: manifests, proposals, and which run came last.

A run folder is complete when it has its ``manifest.json`` (runs are renamed into place
whole, see :mod:`engine.output.store`); hidden ``.tmp-*`` folders of killed runs are ignored.
Runs are ordered by their run id, whatever their folder is called (``run --out``): run ids are
UTC timestamps (``20270105T021500123456Z``) and nightly runs' are their night
(``20270105-nightly``), so ids sort in time order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest.json"
PROPOSALS = "proposals.parquet"


class RunUnreadable(Exception):
    """The folder is not a complete run of cxmatch."""


@dataclass(frozen=True)
class RunFolder:
    path: Path
    manifest: dict[str, Any]

    @property
    def run_id(self) -> str:
        return str(self.manifest.get("run_id", self.path.name))

    @property
    def campaign_folder(self) -> Path | None:
        """The campaign the run is of: the one whose ``runs/`` it lives in (a campaign folder
        copied with its runs is a campaign of its own: the IT-tool audit's ``decide`` on a
        copy's run recorded in the original's log), else the one its manifest names."""
        home = self.path.resolve().parent.parent
        if self.path.resolve().parent.name == "runs" and any(
            (home / f"profiles.{ext}").is_file() for ext in ("csv", "parquet")
        ):
            return home
        folder = self.manifest.get("campaign_folder")
        return Path(folder) if folder else None

    def proposals(self) -> pd.DataFrame:
        try:
            return pd.read_parquet(self.path / PROPOSALS)
        except Exception as error:
            raise RunUnreadable(f"{self.path}: cannot read {PROPOSALS}: {error}") from None


def read_run(path: Path) -> RunFolder:
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise RunUnreadable(f"{path} is not a run folder (no {MANIFEST})")
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunUnreadable(f"{manifest} cannot be read: {error}") from None
    if not isinstance(content, dict):
        raise RunUnreadable(f"{manifest} is not a manifest")
    return RunFolder(path, content)


def list_runs(root: Path, campaign_folder: Path | None = None) -> list[RunFolder]:
    """Complete runs under ``root`` in time order (of ``campaign_folder`` only, if given)."""
    root = Path(root)
    if not root.is_dir():
        return []
    runs = []
    for path in root.iterdir():
        if path.name.startswith(".") or not (path / MANIFEST).is_file():
            continue
        try:
            run = read_run(path)
        except RunUnreadable:
            continue
        if campaign_folder is not None and not _belongs(run, Path(campaign_folder)):
            continue
        runs.append(run)
    return sorted(runs, key=lambda run: (run.run_id, run.path.name))


def latest_run(
    root: Path, campaign_folder: Path | None = None, before: str | None = None
) -> RunFolder | None:
    """The last complete run under ``root``; with ``before`` (a nightly run's id,
    ``YYYYMMDD-nightly``), the last of the runs for an earlier night or, for that night, made
    apart from it (by night, then run id). A run id is a time of day or ``-nightly``, so
    comparing ids alone put a run made on the night's own day after it (the README audit:
    ``cxmatch run`` in the day, then ``nightly``, and the nightly had no previous run, no
    drift, every proposal "new")."""
    runs = list_runs(root, campaign_folder)
    if before is None:
        return runs[-1] if runs else None
    night = before[:8]
    earlier = [run for run in runs if run.run_id != before and _night(run) <= night]
    return max(earlier, key=lambda run: (_night(run), run.run_id), default=None)


def _night(run: RunFolder) -> str:
    """The night a run was made for, ``YYYYMMDD`` (its calendar's ``as_of``; else its id's
    day, as a run before the calendar was written)."""
    as_of = str((run.manifest.get("calendar") or {}).get("as_of") or "")
    return as_of.replace("-", "") if as_of else run.run_id[:8]


def _belongs(run: RunFolder, campaign_folder: Path) -> bool:
    """A run of this campaign: it says so, says nothing, or lives inside the campaign folder
    (so a campaign folder copied or moved with its runs keeps its history of runs)."""
    recorded = run.campaign_folder
    folder = campaign_folder.resolve()
    return recorded is None or recorded.resolve() == folder or folder in run.path.resolve().parents
