"""Benchmarks are the ``bench_*.py`` files of this folder: collect them when pytest is given
the folder (``pytest benchmarks --benchmark-only``), as it collects ``test_*.py`` files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_collect_file(file_path: Path, parent: Any) -> Any:
    if file_path.suffix != ".py" or not file_path.name.startswith("bench_"):
        return None
    if parent.session.isinitpath(file_path):  # named on the command line: collected already
        return None
    return pytest.Module.from_parent(parent, path=file_path)
