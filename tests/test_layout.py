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
    return _imported_roots(path) & set(PACKAGES)


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


def _module_file(dotted: str) -> Path | None:
    path = ROOT.joinpath(*dotted.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _first_party_imports(path: Path) -> set[str]:
    """Dotted first-party modules a file imports (a `from pkg import name` counts pkg.name when a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if _module_file(f"{node.module}.{a.name}"))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] in PACKAGES)
    return found


def _reached(entries: list[Path]) -> set[Path]:
    """Every first-party file the entries import, directly or through each other."""
    todo, seen = list(entries), set()
    while todo:
        path = todo.pop()
        if path not in seen:
            seen.add(path)
            todo += [f for f in map(_module_file, _first_party_imports(path)) if f is not None]
    return seen


def test_cached_artifacts_are_keyed_by_all_the_code_that_makes_them():
    """tests/conftest.py caches trained models and converted bundles by a digest of the code that makes them;
    a module the digest leaves out would let a stale artifact through."""
    from conftest import CONVERSION_CODE, TRAINING_CODE

    def uncovered(entries: list[Path], patterns: list[str]) -> list[str]:
        covered = {p for pattern in patterns for p in ROOT.glob(pattern)}
        return sorted(str(p.relative_to(ROOT)) for p in _reached(entries) - covered)

    assert uncovered(list((ROOT / "converter").rglob("*.py")), CONVERSION_CODE) == []
    assert uncovered([ROOT / "converter" / "intents" / "train.py"], TRAINING_CODE) == []


def test_every_cache_recipe_pattern_matches_a_file():
    """A pattern left behind by a move matches nothing and silently stops keying the cache."""
    from conftest import CONVERSION_CODE, TRAINING_CODE
    from damage import __file__ as damage_file

    patterns = {*CONVERSION_CODE, *TRAINING_CODE, "tests/test_fuzz.py", str(Path(damage_file).relative_to(ROOT))}
    assert sorted(p for p in patterns if not list(ROOT.glob(p))) == []


def test_every_cli_command_is_in_the_architecture_doc():
    import click

    from edgelm.cli import cli

    doc = (ROOT / "docs" / "architecture.md").read_text()
    ctx = click.Context(cli)
    names = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        subs = command.list_commands(ctx) if isinstance(command, click.Group) else [None]
        names += [f"edgelm {name}" + (f" {sub}" if sub else "") for sub in subs]
    assert len(names) >= 19
    assert [n for n in names if f"`{n}`" not in doc] == []


def _agent_layers() -> list[set[str]]:
    """edge_agent's layers from pyproject's import-linter contract, highest first."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers" and c["containers"] == ["edge_agent"]]
    return [{name.strip() for name in layer.split("|")} for layer in layers]


def layer_violations(edges: set[tuple[str, str]], layers: list[set[str]]) -> list[str]:
    """Imports between units (a subpackage or top module) that go up, or sideways between independent
    units of one layer; an unlisted unit is itself a violation (every file must have a place)."""
    rank = {unit: index for index, layer in enumerate(layers) for unit in layer}
    wrong = []
    for source, target in sorted(edges):
        if source not in rank or target not in rank:
            wrong.append(f"{source} -> {target}: not in a layer")
        elif rank[target] <= rank[source]:
            wrong.append(f"{source} -> {target}")
    return wrong


def _agent_unit_edges() -> set[tuple[str, str]]:
    edges = set()
    for path in (ROOT / "edge_agent").rglob("*.py"):
        parts = path.relative_to(ROOT / "edge_agent").with_suffix("").parts
        if parts == ("__init__",):
            continue  # the root: only __version__
        source = parts[0]
        for dotted in _first_party_imports(path):
            names = dotted.split(".")
            if names[0] == "edge_agent" and len(names) > 1 and names[1] != source:
                edges.add((source, names[1]))
    return edges


def test_edge_agent_packages_import_downward_only():
    edges = _agent_unit_edges()
    assert ("service", "ota") in edges  # the walk sees the agent's imports
    assert layer_violations(edges, _agent_layers()) == []


def test_the_layer_check_sees_upward_sideways_and_unplaced_imports():
    layers = [{"service"}, {"fronts", "ota"}, {"transport"}]
    edges = {("service", "transport"), ("transport", "fronts"), ("ota", "fronts"), ("new", "transport")}
    assert layer_violations(edges, layers) == ["new -> transport: not in a layer", "ota -> fronts",
                                               "transport -> fronts"]


def test_only_the_transport_and_the_demo_broker_import_paho():
    importers = sorted(str(path.relative_to(ROOT)) for pkg in PACKAGES for path in (ROOT / pkg).rglob("*.py")
                       if "paho" in _imported_roots(path))
    assert importers == ["edge_agent/transport/mqtt.py", "edgelm/demo_broker.py"]


def _imported_roots(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_every_edge_agent_package_is_in_the_architecture_doc():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    units = {p.name for p in (ROOT / "edge_agent").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.name for p in (ROOT / "edge_agent").glob("*.py") if p.name != "__init__.py"}
    assert sorted(u for u in units if f"`{u}/`" not in doc) == []
    assert sorted(m for m in modules if f"`{m}`" not in doc) == []
