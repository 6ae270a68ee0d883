"""Import cycles among a package's modules: for tests/test_layers.py and `make lint`.

A cycle is a strongly connected group of modules in the import graph, each module on its own
(grimp's graph: every import statement, those inside functions and under TYPE_CHECKING too).
``AcyclicModulesContract`` is an import-linter contract type (pyproject.toml registers it) that
fails while there is one; import-linter's own acyclic contract compares whole packages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import grimp
from importlinter import Contract, ContractCheck, fields, output


def strongly_connected_groups(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The groups of two or more modules under `package` that import each other in a circle."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    inside = set(modules)

    def imported_by(module: str) -> list[str]:
        return sorted(inside & graph.find_modules_directly_imported_by(module))

    return [sorted(group) for group in _tarjan(modules, imported_by) if len(group) > 1]


def _tarjan(modules: Iterable[str], imported_by: Callable[[str], list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative (no recursion limit to meet)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, list(imported_by(root)))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, pending = work[-1]
            if pending:
                target = pending.pop()
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, list(imported_by(target))))
                elif target in on_stack:
                    lowest[module] = min(lowest[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowest[parent] = min(lowest[parent], lowest[module])
            if lowest[module] == index[module]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                groups.append(group)
    return groups


class AcyclicModulesContract(Contract):
    """No module of the package imports, directly or through others, a module importing it."""

    package = fields.StringField()

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        """Kept when the package's import graph has no strongly connected group."""
        circles = [
            {m: sorted(set(group) & graph.find_modules_directly_imported_by(m)) for m in group}
            for group in strongly_connected_groups(graph, str(self.package))
        ]
        return ContractCheck(kept=not circles, warnings=None, metadata={"circles": circles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Each group of modules that import each other in a circle, with their imports."""
        for circle in check.metadata["circles"]:
            output.print_error(f"{len(circle)} modules import each other in a circle:")
            for module, imported in circle.items():
                output.print_error(f"    {module} imports {', '.join(imported)}", bold=False)
            output.new_line()
