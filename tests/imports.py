"""What a module imports, read from its source: for tests that keep the layers apart."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path


def imported_modules(module: str) -> set[str]:
    """Every module the named module imports anywhere (``from a import b`` gives a and a.b)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, f"no source for {module}"
    tree = ast.parse(Path(spec.origin).read_text(), filename=spec.origin)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module} uses a relative import"
            assert node.module is not None
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def outside_the_standard_library(names: set[str]) -> set[str]:
    """The names that are not standard-library modules."""
    return {name for name in names if name.split(".")[0] not in sys.stdlib_module_names}
