"""The scoring floor's house rules: it imports ``engine.domain.*`` and ``scoring.*`` only (no
other floor of the engine), every module imports on its own (no import cycle), and no module
grows past 400 lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import scoring

FLOOR = Path(scoring.__file__).parent
MODULES = sorted(FLOOR.glob("*.py"))


def imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_scoring_uses_only_the_domain_of_the_engine(path):
    engine = {name for name in imported(path) if name.split(".")[0] == "engine"}
    assert all(name.startswith("engine.domain.") for name in engine), sorted(engine)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_module_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_every_module_imports_first():
    """Each module imported into a fresh ``scoring`` package: a cycle fails one of them."""
    names = [f"scoring.{path.stem}" for path in MODULES if path.stem != "__init__"]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'scoring']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=FLOOR.parent)
