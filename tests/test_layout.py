"""The code's shape, checked: no private name crosses a module boundary, and the packages import each
other in one direction only (`edge_agent` runs on a board without the converter or the CLI)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("converter", "edge_agent", "edgelm", "devices")
# Who may import whom (besides itself): the one-way arrows of docs/architecture.md.
ALLOWED = {"devices": set(), "edge_agent": {"devices"}, "converter": {"edge_agent", "devices"},
           "edgelm": {"converter", "edge_agent", "devices"}}


def _sources() -> list[Path]:
    files = [p for pkg in (*PACKAGES, "tests", "benchmarks") for p in (ROOT / pkg).rglob("*.py")]
    return [p for p in files if "__pycache__" not in p.parts]


def _is_first_party_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return dotted.split(".")[0] in PACKAGES and (path.with_suffix(".py").is_file() or path.is_dir())


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def private_crossings(path: Path) -> list[str]:
    """`from x import _name`, and `module._name` on a first-party module this file imported."""
    tree = ast.parse(path.read_text())
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{_where(path)}:{node.lineno} from {node.module} import {alias.name}")
                elif _is_first_party_module(f"{node.module}.{alias.name}"):
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PACKAGES:
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name) \
                and node.value.id in modules:
            found.append(f"{_where(path)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names & set(PACKAGES)


def test_no_private_name_crosses_a_module_boundary():
    found = [line for path in _sources() for line in private_crossings(path)]
    assert found == []


def test_the_check_sees_both_kinds_of_crossing(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text("from converter.pipeline import _prune\nfrom converter import pipeline\npipeline._run\n"
                      "self._ok = pipeline.convert\n")
    found = private_crossings(sample)
    assert [line.split(" ", 1)[1] for line in found] == ["from converter.pipeline import _prune", "pipeline._run"]


def test_packages_import_in_one_direction():
    wrong = []
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            for other in imported_packages(path) - {pkg} - ALLOWED[pkg]:
                wrong.append(f"{path.relative_to(ROOT)} imports {other}")
    assert wrong == []
