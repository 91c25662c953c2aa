"""The house's floors, checked on the real import graph (grimp, the engine of import-linter):
no import cycle between any two modules of the project, and the README's stages each have
the folder named for them."""

from __future__ import annotations

from pathlib import Path

import grimp
import networkx as nx

PACKAGES = ("engine", "scoring", "solvers", "scenarios")
ROOT = Path(__file__).parents[1]


def module_graph() -> nx.DiGraph:
    imports = grimp.build_graph(*PACKAGES, include_external_packages=False)
    graph = nx.DiGraph()
    for module in imports.modules:
        graph.add_node(module)
        for imported in imports.find_modules_directly_imported_by(module):
            graph.add_edge(module, imported)
    return graph


def test_no_import_cycle_between_modules() -> None:
    graph = module_graph()
    # a package imports its own submodules when it is loaded: only module-to-module edges count
    cycles = [
        component for component in nx.strongly_connected_components(graph) if len(component) > 1
    ]
    assert cycles == []


def test_each_stage_has_its_folder() -> None:
    for folder in (
        "engine/domain",
        "engine/load",
        "engine/check",
        "engine/synthetic",
        "engine/night",
        "engine/output",
        "engine/review",
        "engine/cli",
        "scoring",
        "solvers",
        "scenarios",
    ):
        assert (ROOT / folder / "__init__.py").is_file(), folder


def test_no_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for package in ("engine", "scoring", "solvers")
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}
