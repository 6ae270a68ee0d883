"""The layers hold: no import cycles, no views behind a package, imports at the top of modules.

`make lint` checks the layer contract in pyproject.toml (import-linter); these tests keep the
same promises in the suite, so a cycle fails a test run as well as the lint.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.import_cycles import strongly_connected_groups

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
# Where an import may sit inside a function: create_app wires the areas in named steps, and
# the commands import only the work they run.
LATE_IMPORTS_ALLOWED = {"portal", "portal.cli"}
# Packages that gather their modules' names for everyone else: the models, and the demo's
# entry point (load_demo, for the command line and the tests).
FACADES = {"portal.models", "portal.demo"}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """The portal's import graph: every import statement, TYPE_CHECKING ones included."""
    return grimp.build_graph("portal", cache_dir=None)


def module_name(path: Path) -> str:
    """portal/meetings/services.py -> portal.meetings.services; a package's __init__ its name."""
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def late_imports(path: Path) -> list[str]:
    """`line: module` for each portal import inside a function of the file."""
    found = []
    for function in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            found += [f"{node.lineno}: {n}" for n in names if n.split(".")[0] == "portal"]
    return found


def test_no_two_portal_modules_import_each_other_even_through_others(
    graph: grimp.ImportGraph,
) -> None:
    assert strongly_connected_groups(graph, "portal") == []


def test_a_circle_of_imports_is_found_however_long() -> None:
    circle = grimp.ImportGraph()
    for importer, imported in [
        ("app.views", "app.services"),
        ("app.services", "app.minutes"),
        ("app.minutes", "app.policy"),
        ("app.policy", "app.services"),
        ("app.policy", "app.models"),
    ]:
        circle.add_import(importer=importer, imported=imported)
    assert strongly_connected_groups(circle, "app") == [
        ["app.minutes", "app.policy", "app.services"]
    ]
    assert strongly_connected_groups(circle, "other") == []


@pytest.mark.parametrize(
    "package",
    sorted(module_name(p) for p in PORTAL.glob("*/__init__.py") if module_name(p) not in FACADES),
)
def test_an_area_package_is_a_docstring_so_importing_a_service_runs_no_view(
    package: str,
) -> None:
    path = PORTAL.joinpath(*package.split(".")[1:], "__init__.py")
    body = ast.parse(path.read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{path} holds more than a docstring"
    assert isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)


def test_importing_every_service_defines_no_blueprint() -> None:
    services = sorted(module_name(p) for p in PORTAL.glob("*/services.py")) + [
        "portal.meetings.minutes",
        "portal.meetings.packs",
        "portal.ecm.importer",
    ]
    program = (
        "import importlib, sys\n"
        "from flask import Blueprint\n"
        f"for name in {services!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(name for name, module in list(sys.modules.items())\n"
        "    if name.startswith('portal') and module is not None\n"
        "    and any(isinstance(v, Blueprint) for v in vars(module).values())))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=PORTAL.parent,
    )
    assert loaded.stdout.strip() == "[]"


def layer_modules() -> set[str]:
    """The modules named in the layer contract of pyproject.toml."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in settings["contracts"] if c["id"] == "layers"]
    return {name.strip().strip("()") for layer in layers for name in re.split(r"[:|]", layer)}


def test_every_module_has_a_place_in_the_layer_contract(graph: grimp.ImportGraph) -> None:
    placed = layer_modules()
    areas = {module_name(p) for p in PORTAL.glob("*/__init__.py")} - FACADES
    unplaced = sorted(
        module
        for module in graph.modules - areas - {"portal"}
        if not any(module == name or module.startswith(name + ".") for name in placed)
    )
    assert unplaced == [], "add them to the layer contract in pyproject.toml"


def test_portal_imports_sit_at_the_top_of_modules_outside_the_factory_and_the_cli() -> None:
    late = {}
    for path in sorted(PORTAL.rglob("*.py")):
        name = module_name(path)
        if name in LATE_IMPORTS_ALLOWED:
            continue
        if found := late_imports(path):
            late[name] = found
    assert late == {}
